package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"testing"

	pp "github.com/maruel/panicparse/v2/stack"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/dumpgen"
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
		run("leakhound", func(b *testing.B) {
			for b.Loop() {
				c := classify.New(classify.Config{})
				p := stack.NewParser(bytes.NewReader(in), stack.Options{})
				for p.Next() {
					c.Add(p.Goroutine())
				}
				if p.Err() != nil || len(c.Report().Findings) == 0 {
					b.Fatal("no findings", p.Err())
				}
			}
		})
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
