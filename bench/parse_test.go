package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"slices"
	"testing"

	pp "github.com/maruel/panicparse/v2/stack"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/dumpgen"
	"github.com/leakhound/leakhound/report"
	"github.com/leakhound/leakhound/stack"
)

// dump returns the shared dump of n goroutines.
func dump(n int) []byte { return dumpgen.Cached(n) }

// BenchmarkParse runs, on one dump per size, leakhound's parse+classify
// next to panicparse's ScanSnapshot+Aggregate (at its cheapest options and
// at its defaults) and the floor: reading the bytes and splitting lines.
// Compare MB/s within one size.
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		in := dump(n)
		run := func(name string, f func(b *testing.B)) {
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				f(b)
			})
		}
		// leakhound keeps every goroutine id, as for JSON; leakhound-shown
		// keeps the ids text and HTML print (analyze does so for them).
		for _, v := range []struct {
			name   string
			maxIDs int
		}{{"leakhound", 0}, {"leakhound-shown", report.IDsShown}} {
			maxIDs := v.maxIDs
			run(v.name, func(b *testing.B) {
				for b.Loop() {
					c := classify.New(classify.Config{MaxIDs: maxIDs})
					p := stack.NewParser(bytes.NewReader(in), stack.Options{})
					for p.Next() {
						c.Add(p.Goroutine())
					}
					if p.Err() != nil || len(c.Report().Findings) == 0 {
						b.Fatal("no findings", p.Err())
					}
				}
			})
		}
		run("panicparse-fast", func(b *testing.B) {
			for b.Loop() {
				s, _, err := pp.ScanSnapshot(bytes.NewReader(in), io.Discard, &pp.Opts{})
				if err != nil && err != io.EOF {
					b.Fatal(err)
				}
				if len(s.Aggregate(pp.AnyPointer).Buckets) == 0 {
					b.Fatal("no buckets")
				}
			}
		})
		if n <= 10000 {
			run("panicparse-default", func(b *testing.B) {
				for b.Loop() {
					s, _, err := pp.ScanSnapshot(bytes.NewReader(in), io.Discard, pp.DefaultOpts())
					if err != nil && err != io.EOF {
						b.Fatal(err)
					}
					if len(s.Aggregate(pp.AnyPointer).Buckets) == 0 {
						b.Fatal("no buckets")
					}
				}
			})
		}
		run("floor", func(b *testing.B) {
			for b.Loop() {
				r := bufio.NewReaderSize(bytes.NewReader(in), 256<<10)
				lines := 0
				for {
					if _, err := r.ReadSlice('\n'); err != nil {
						break
					}
					lines++
				}
				if lines == 0 {
					b.Fatal("no lines")
				}
			}
		})
	}
}

// BenchmarkClassifyIDs classifies the goroutines of the 100k dump, parsed
// once beforehand, keeping every id a finding (what JSON lists) and at
// most report.IDsShown (what text and HTML print). B/op is the classifier's
// alone; kept-B is the heap the report holds once made.
func BenchmarkClassifyIDs(b *testing.B) {
	var gs []*stack.Goroutine
	p := stack.NewParser(bytes.NewReader(dump(100000)), stack.Options{})
	for p.Next() {
		g := *p.Goroutine()
		g.Stack = slices.Clone(g.Stack)
		g.Labels = slices.Clone(g.Labels)
		gs = append(gs, &g)
	}
	if p.Err() != nil || len(gs) < 100000 {
		b.Fatalf("%d goroutines, %v", len(gs), p.Err())
	}
	for _, tc := range []struct {
		name string
		max  int
	}{{"all", 0}, {"shown", report.IDsShown}} {
		b.Run("ids="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var kept uint64
			for b.Loop() {
				b.StopTimer()
				before := heapInUse()
				b.StartTimer()
				c := classify.New(classify.Config{MaxIDs: tc.max})
				for _, g := range gs {
					c.Add(g)
				}
				r := c.Report()
				b.StopTimer()
				kept = heapInUse() - before
				if r.Total != len(gs) || len(r.Findings) == 0 {
					b.Fatalf("%d of %d goroutines in %d findings", r.Total, len(gs), len(r.Findings))
				}
				runtime.KeepAlive(r)
				b.StartTimer()
			}
			b.ReportMetric(float64(kept), "kept-B")
		})
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
