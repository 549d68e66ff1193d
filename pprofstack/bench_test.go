package pprofstack

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// realistic is a profile of n goroutines in n/10 distinct stacks of 30
// frames over 2000 functions, labelled, as a large server writes.
func realistic(n int) []byte {
	p := newProf("goroutine").mapping(1, "/bin/server")
	for i := 1; i <= 2000; i++ {
		p.function(uint64(i), fmt.Sprintf("example.com/server/pkg%d.(*T).Method%d", i%40, i), fmt.Sprintf("/src/server/pkg%d/file%d.go", i%40, i%7))
		p.location(uint64(i), [2]int64{int64(i), int64(10 + i%300)})
	}
	for s := 0; s < n/10; s++ {
		locs := make([]uint64, 30)
		for j := range locs {
			locs[j] = uint64(1 + (s*31+j*17)%2000)
		}
		p.labeled(10, [][2]string{{"handler", fmt.Sprintf("/api/v%d", s%9)}}, locs...)
	}
	return gz(p.bytes())
}

// lineHeavy is an uncompressed profile whose bulk is Line and Label
// messages: 20000 locations of four inlined lines each, and 10000 samples
// of 8 labels each, so that reading those two messages is most of the work.
func lineHeavy() []byte {
	p := newProf("goroutine").mapping(1, "/bin/server")
	for i := 1; i <= 2000; i++ {
		p.function(uint64(i), fmt.Sprintf("example.com/server/pkg%d.f%d", i%40, i), fmt.Sprintf("/src/server/pkg%d/file%d.go", i%40, i%7))
	}
	for i := 1; i <= 20000; i++ {
		f := int64(1 + i%2000)
		p.location(uint64(i), [2]int64{f, int64(i % 900)}, [2]int64{1 + (f+1)%2000, 12}, [2]int64{1 + (f+2)%2000, 130}, [2]int64{1 + (f+3)%2000, 7})
	}
	labels := make([][2]string, 8)
	for j := range labels {
		labels[j] = [2]string{fmt.Sprintf("key%d", j), fmt.Sprintf("value%d", j)}
	}
	for s := 0; s < 10000; s++ {
		locs := make([]uint64, 8)
		for j := range locs {
			locs[j] = uint64(1 + (s*7+j*2503)%20000)
		}
		p.labeled(1, labels, locs...)
	}
	return p.bytes()
}

// BenchmarkDecode reads a realistic profile and the hostile corpus. On
// the hostile inputs, B/op and the peak heap (peak-MB) stay near the
// input's size whatever the profile declares: google/pprof/profile alone
// ("library") allocates for every element declared.
func BenchmarkDecode(b *testing.B) {
	inputs := []struct {
		name string
		in   []byte
	}{{"realistic-100k", realistic(100000)}, {"lines-labels", lineHeavy()}}
	for _, name := range []string{"empty-samples.pb.gz", "many-samples.pb.gz", "deep-stack.pb.gz", "many-frames.pb.gz", "wide-location.pb.gz", "bomb.pb.gz", "zeros.pb.gz", "missing-location.pb"} {
		in, err := os.ReadFile(filepath.Join("..", "testdata", "hostile", name))
		if err != nil {
			b.Fatal(err)
		}
		inputs = append(inputs, struct {
			name string
			in   []byte
		}{name, in})
	}
	for _, tc := range inputs {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.in)))
			peak := peakHeap(func() {
				for b.Loop() {
					Decode(bytes.NewReader(tc.in), Limits{})
				}
			})
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
	// The library alone, on the realistic profile only: on the hostile
	// ones it takes gigabytes.
	b.Run("library/realistic-100k", func(b *testing.B) {
		in := inputs[0].in
		b.ReportAllocs()
		peak := peakHeap(func() {
			for b.Loop() {
				if _, err := profile.Parse(bytes.NewReader(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	})
}

// peakHeap runs f and samples the live heap every millisecond while it
// runs (through runtime/metrics, which does not stop the world), returning
// the highest seen above the heap before.
func peakHeap(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := read()
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var max uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if v := read(); v > max {
				max = v
			}
			select {
			case <-done:
				peak <- max
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	max := <-peak
	if max < base {
		return 0
	}
	return max - base
}
