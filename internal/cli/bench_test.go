package cli

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// manyInOneGroup is a dump of n goroutines blocked at one line, started
// by one goroutine: one finding, whatever n.
func manyInOneGroup(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "goroutine %d [chan send]:\nmain.worker()\n\t/src/main.go:10 +0x1d\ncreated by main.start in goroutine 1\n\t/src/main.go:5 +0x2b\n\n", i+2)
	}
	return b.Bytes()
}

// liveAtEOF measures the heap that is live when the input is read to its
// end, the classifier holding everything it keeps, above what was live
// when it was made.
type liveAtEOF struct {
	r    *bytes.Reader
	base uint64
	live uint64
}

func newLiveAtEOF(dump []byte) *liveAtEOF {
	var ms runtime.MemStats
	// Twice: the first moves sync.Pools' contents (encoding/json's
	// buffers) to their victim caches, the second frees them.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return &liveAtEOF{r: bytes.NewReader(dump), base: ms.HeapAlloc}
}

func (l *liveAtEOF) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err == io.EOF && l.live == 0 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		l.live = max(ms.HeapAlloc-l.base, 1)
	}
	return n, err
}

// BenchmarkAnalyzeMemory: what analyze keeps per goroutine of a dump of
// 200k goroutines in one group, for text (which prints a finding) and for
// JSON (which lists every goroutine), as B/goroutine.
func BenchmarkAnalyzeMemory(b *testing.B) {
	const n = 200000
	dump := manyInOneGroup(n)
	for _, format := range []string{"text", "json"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			var kept uint64
			var in *liveAtEOF
			var e *env
			for b.Loop() {
				// The last round's classifier is garbage before the base
				// is measured.
				in, e = nil, nil
				in = newLiveAtEOF(dump)
				e = &env{ctx: b.Context(), stdin: in, stdout: io.Discard, stderr: io.Discard}
				if code := e.main([]string{"analyze", "--format", format, "-"}); code != ExitLeaks {
					b.Fatalf("exit %d", code)
				}
				kept = in.live
			}
			b.ReportMetric(float64(kept)/n, "B/goroutine")
		})
	}
}

// TestTextKeepsNoGoroutineRecords: text output of a dump in one group
// reports it whole, with the ids it prints, and no list of goroutines.
func TestTextKeepsNoGoroutineRecords(t *testing.T) {
	_, out, _ := run(t, string(manyInOneGroup(1000)), "analyze", "--color", "never")
	if !strings.Contains(out, "SUSPECT send-no-receiver  1000 goroutines") || !strings.Contains(out, "... (+990)") {
		t.Errorf("output:\n%s", out)
	}
}
