package input

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/pprofstack"
	"github.com/leakhound/leakhound/report"
	"github.com/leakhound/leakhound/stack"
)

var hostileDir = filepath.Join("..", "..", "testdata", "hostile")

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(hostileDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// failing gives its bytes, then fails as a disk or a connection can.
type failing struct {
	r   io.Reader
	err error
}

func (f *failing) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

var errDisk = errors.New("input/output error")

// TestUnreadable: what cannot be read is an error naming why, never "no
// goroutine found" nor the goroutines read before the failure.
func TestUnreadable(t *testing.T) {
	dir, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	if n, err := Read(dir, Options{}, func(*stack.Goroutine) {}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory: %d goroutines, err %v", n, err)
	}
	dump := "goroutine 1 [running]:\nmain.main()\n\t/src/main.go:3 +0x1\n\ngoroutine 2 [chan send]:\nmain.f()\n\t/src/main.go:9 +0x1\n\n"
	for name, in := range map[string][]byte{
		"text":     []byte(dump),
		"protobuf": read(t, "sound.pb"),
		"gzip":     read(t, "sound-leak.pb.gz"),
	} {
		_, err := Read(&failing{bytes.NewReader(in), errDisk}, Options{}, func(*stack.Goroutine) {})
		if !errors.Is(err, errDisk) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s with a read error at its end: err = %v, want the read error on one line", name, err)
		}
	}
}

// TestTruncated: a profile cut short is an error that Truncated tells,
// wherever the cut falls; a text dump cut inside a goroutine too.
func TestTruncated(t *testing.T) {
	pb := read(t, "sound.pb")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(pb)
	zw.Close()
	for _, in := range [][]byte{pb, gz.Bytes()} {
		for cut := 3; cut < len(in); cut++ {
			n, err := Read(bytes.NewReader(in[:cut]), Options{}, func(*stack.Goroutine) {})
			if err == nil {
				// A protobuf cut between two top-level fields is whole
				// as far as the wire can tell; what it lacks must then
				// make it invalid (the string table comes last).
				t.Errorf("cut at %d of %d: %d goroutines and no error", cut, len(in), n)
			}
		}
	}
	_, err := Read(bytes.NewReader(pb[:len(pb)-5]), Options{}, func(*stack.Goroutine) {})
	if !Truncated(err) {
		t.Errorf("protobuf cut inside a field: err = %v, Truncated false", err)
	}
	_, err = Read(bytes.NewReader(gz.Bytes()[:gz.Len()-10]), Options{}, func(*stack.Goroutine) {})
	if !Truncated(err) {
		t.Errorf("gzip cut: err = %v, Truncated false", err)
	}
	_, err = Read(bytes.NewReader(read(t, "debug1-cut.txt")), Options{}, func(*stack.Goroutine) {})
	if !Truncated(err) {
		t.Errorf("debug=1 profile cut: err = %v, Truncated false", err)
	}
	_, err = Read(strings.NewReader("goroutine 1 [running]:\nmain.main()"), Options{}, func(*stack.Goroutine) {})
	if !Truncated(err) {
		t.Errorf("text cut after a call: err = %v, Truncated false", err)
	}
}

// TestSniff: profiles as the runtime writes them (period type first),
// gzipped or not, read as profiles; text, even odd text, as text.
func TestSniff(t *testing.T) {
	gz, err := os.ReadFile(filepath.Join("..", "..", "pprofstack", "testdata", "goroutine.pb.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{gz, raw} {
		if !isProto(raw[:3]) {
			t.Fatalf("the runtime's profile starts % x, not taken for one", raw[:3])
		}
		total := 0
		if _, err := Read(bytes.NewReader(in), Options{}, func(g *stack.Goroutine) { total += g.Count }); err != nil || total != 17 {
			t.Errorf("%d goroutines, %v; want 17", total, err)
		}
	}
	for _, text := range []string{"\n\n\ngoroutine 1 [running]:\n", "Z\x04", "panic: x\n", "2 @ 0x1\n", "*** x\n"} {
		if isProto([]byte(text)) {
			t.Errorf("%q taken for a profile", text)
		}
	}
}

// TestGzippedText: a gzipped dump reads as the dump; cut short, it is
// an error.
func TestGzippedText(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(read(t, "labels-bracket-go1.27.txt"))
	zw.Close()
	var pass bytes.Buffer
	n, err := Read(bytes.NewReader(gz.Bytes()), Options{Options: stack.Options{Passthrough: &pass}}, func(*stack.Goroutine) {})
	if err != nil || n != 3 || pass.Len() != 0 {
		t.Errorf("%d goroutines, %v, %d bytes passed; want 3, none, none", n, err, pass.Len())
	}
	_, err = Read(bytes.NewReader(gz.Bytes()[:gz.Len()-20]), Options{}, func(*stack.Goroutine) {})
	if !Truncated(err) {
		t.Errorf("cut short: err = %v, Truncated false", err)
	}
}

// TestMaxProto: a profile past MaxProto is a limit error, not the part
// that fit.
func TestMaxProto(t *testing.T) {
	pb := read(t, "sound.pb")
	_, err := Read(bytes.NewReader(pb), Options{MaxProto: int64(len(pb) - 1)}, func(*stack.Goroutine) {})
	var le *stack.LimitError
	if !errors.As(err, &le) || le.Limit != "input.Options.MaxProto" {
		t.Errorf("err = %v, want a limit error for input.Options.MaxProto", err)
	}
	n, err := Read(bytes.NewReader(pb), Options{MaxProto: int64(len(pb))}, func(*stack.Goroutine) {})
	if err != nil || n != 2 {
		t.Errorf("a profile of exactly MaxProto bytes: %d goroutines, %v", n, err)
	}
	_, err = Read(bytes.NewReader(read(t, "big-labels.pb.gz")), Options{Proto: pprofstack.Limits{LabelBytes: -1}}, func(*stack.Goroutine) {})
	if err != nil {
		t.Errorf("LabelBytes turned off: %v", err)
	}
}

// TestHostile runs every input of the corpus through the whole pipeline:
// read, classify, render. Each is either read, with the right verdicts,
// or refused with a one-line error.
func TestHostile(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(hostileDir, "*"))
	if len(files) < 20 {
		t.Fatalf("only %d inputs in %s", len(files), hostileDir)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			if raceEnabled && heavy[name] {
				t.Skip("expands to tens of megabytes: too slow under the race detector")
			}
			rep, n, err := pipeline(read(t, name), pprofstack.Limits{})
			sound := strings.HasPrefix(name, "sound") || name == "race-report.txt" || strings.HasPrefix(name, "labels-") ||
				name == "goroutineleak-debug1.txt" || name == "bom.txt"
			if name == "zeros.pb.gz" {
				// Gzipped, but no profile: read as text, in which it
				// finds no goroutine (the caller says so), in bounded
				// memory.
				if err != nil || n != 0 {
					t.Fatalf("%d goroutines, %v; want none and no error", n, err)
				}
				return
			}
			if !sound {
				if err == nil || strings.Contains(err.Error(), "\n") {
					t.Fatalf("read %d goroutines, err %v; want a one-line error", n, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch name {
			case "sound-leak.pb.gz", "goroutineleak-debug1.txt":
				// Every goroutine of a goroutineleak profile is proven.
				if rep.Total != 3 && rep.Total != 9 || rep.Leaks != rep.Total {
					t.Errorf("%d goroutines, %d in leak findings; want all", rep.Total, rep.Leaks)
				}
			case "race-report.txt":
				if rep.Total != 0 {
					t.Errorf("a race report classified as %d goroutines", rep.Total)
				}
			}
		})
	}
}

// heavy inputs expand to tens of megabytes before a limit stops them.
var heavy = map[string]bool{"bomb.pb.gz": true, "zeros.pb.gz": true, "many-frames.pb.gz": true, "empty-samples.pb.gz": true}

// pipeline reads in, classifies and renders as the CLI does.
func pipeline(in []byte, lim pprofstack.Limits) (*classify.Report, int, error) {
	c := classify.New(classify.Config{})
	n, err := Read(bytes.NewReader(in), Options{Options: stack.Options{Passthrough: io.Discard}, Proto: lim}, c.Add)
	if err != nil {
		return nil, n, err
	}
	r := c.Report()
	if err := report.JSON(io.Discard, "fuzz", r); err != nil {
		return r, n, err
	}
	return r, n, report.Text(io.Discard, "fuzz", r, report.TextOptions{})
}

// FuzzRead drives the whole pipeline, both parsers included, with
// arbitrary input seeded from the hostile corpus and the parsers'
// testdata: never a panic, and an error is one line.
func FuzzRead(f *testing.F) {
	var files []string
	for _, dir := range []string{hostileDir, filepath.Join("..", "..", "stack", "testdata"), filepath.Join("..", "..", "pprofstack", "testdata")} {
		m, _ := filepath.Glob(filepath.Join(dir, "*"))
		files = append(files, m...)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Small limits keep each run short: some seeds expand to megabytes.
	lim := pprofstack.Limits{Bytes: 1 << 20, TotalFrames: 1 << 16, Samples: 1 << 14}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, _, err := pipeline(in, lim)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error on more than one line: %q", err)
			}
			return
		}
		if r.Total < 0 || r.Leaks+r.Suspects > r.Total {
			t.Fatalf("total %d, %d leaks, %d suspects", r.Total, r.Leaks, r.Suspects)
		}
	})
}
