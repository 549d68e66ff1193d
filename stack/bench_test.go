package stack_test

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/dumpgen"
	"github.com/leakhound/leakhound/stack"
)

// dump returns the shared dump of n goroutines.
func dump(n int) []byte { return dumpgen.Cached(n) }

// BenchmarkParse measures the parser alone; BenchmarkParseClassify the
// whole of analyze's work but rendering.
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		in := dump(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				p := stack.NewParser(bytes.NewReader(in), stack.Options{})
				for p.Next() {
				}
				if p.Err() != nil {
					b.Fatal(p.Err())
				}
			}
		})
	}
}

func BenchmarkParseClassify(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		in := dump(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				c := classify.New(classify.Config{})
				p := stack.NewParser(bytes.NewReader(in), stack.Options{})
				for p.Next() {
					c.Add(p.Goroutine())
				}
				if p.Err() != nil {
					b.Fatal(p.Err())
				}
				c.Report()
			}
		})
	}
}

// BenchmarkFloor is the least any parser must do: read the bytes and find
// the lines.
func BenchmarkFloor(b *testing.B) {
	in := dump(10000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r := bufio.NewReaderSize(bytes.NewReader(in), 256<<10)
		lines := 0
		for {
			_, err := r.ReadSlice('\n')
			if err != nil {
				break
			}
			lines++
		}
		if lines == 0 {
			b.Fatal("no lines")
		}
	}
}
