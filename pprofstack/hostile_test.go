package pprofstack

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/stack"
)

var update = flag.Bool("update", false, "rewrite ../testdata/hostile from the generators")

// pb builds protobuf messages for tests: each method appends one field.
type pb []byte

func (b pb) key(num, typ int) pb { return binary.AppendUvarint(b, uint64(num)<<3|uint64(typ)) }
func (b pb) u(num int, v uint64) pb {
	return binary.AppendUvarint(b.key(num, wireVarint), v)
}
func (b pb) i(num int, v int64) pb { return b.u(num, uint64(v)) }
func (b pb) m(num int, msg []byte) pb {
	return append(binary.AppendUvarint(b.key(num, wireBytes), uint64(len(msg))), msg...)
}
func (b pb) s(num int, s string) pb { return b.m(num, []byte(s)) }

// packed encodes values as one packed field.
func packed(num int, vs ...uint64) pb {
	var p []byte
	for _, v := range vs {
		p = binary.AppendUvarint(p, v)
	}
	return pb(nil).m(num, p)
}

// prof is a profile under construction, with its string table.
type prof struct {
	body    pb
	strings []string
	index   map[string]int
}

func newProf(typ string) *prof {
	p := &prof{index: map[string]int{}}
	p.str("")
	p.body = p.body.m(1, pb(nil).i(1, p.str(typ)).i(2, p.str("count")))
	return p
}

func (p *prof) str(s string) int64 {
	if i, ok := p.index[s]; ok {
		return int64(i)
	}
	p.index[s] = len(p.strings)
	p.strings = append(p.strings, s)
	return int64(len(p.strings) - 1)
}

func (p *prof) sample(count int64, locs ...uint64) *prof {
	p.body = p.body.m(2, append(packed(1, locs...), pb(nil).i(2, count)...))
	return p
}

func (p *prof) labeled(count int64, labels [][2]string, locs ...uint64) *prof {
	s := append(packed(1, locs...), pb(nil).i(2, count)...)
	for _, l := range labels {
		s = pb(s).m(3, pb(nil).i(1, p.str(l[0])).i(2, p.str(l[1])))
	}
	p.body = p.body.m(2, s)
	return p
}

func (p *prof) mapping(id uint64, file string) *prof {
	p.body = p.body.m(3, pb(nil).u(1, id).u(2, 0x400000).u(3, 0x500000).i(5, p.str(file)).i(6, p.str("build1")))
	return p
}

// location with lines (function id, line), innermost first.
func (p *prof) location(id uint64, lines ...[2]int64) *prof {
	l := pb(nil).u(1, id).u(2, 1).u(3, 0x401000+id)
	for _, ln := range lines {
		l = l.m(4, pb(nil).i(1, ln[0]).i(2, ln[1]))
	}
	p.body = p.body.m(4, l)
	return p
}

func (p *prof) function(id uint64, name, file string) *prof {
	p.body = p.body.m(5, pb(nil).u(1, id).i(2, p.str(name)).i(3, p.str(name)).i(4, p.str(file)))
	return p
}

func (p *prof) bytes() []byte {
	b := append(pb(nil), p.body...)
	for _, s := range p.strings {
		b = b.s(6, s)
	}
	return b
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// sound is a small valid profile: a leaked send, a generic function, and
// a stack with an inlined call.
func sound(typ string) *prof {
	return newProf(typ).mapping(1, "/bin/app").
		function(1, "runtime.gopark", "/go/src/runtime/proc.go").
		function(2, "runtime.chansend1", "/go/src/runtime/chan.go").
		function(3, "main.leak.func1", "/src/main.go").
		function(4, "main.Map[go.shape.int,go.shape.string]", "/src/map.go").
		function(5, "main.inner", "/src/main.go").
		location(1, [2]int64{1, 435}).
		location(2, [2]int64{2, 161}).
		location(3, [2]int64{3, 18}).
		location(4, [2]int64{5, 30}, [2]int64{4, 9}).
		labeled(7, [][2]string{{"req", "a"}, {"job", "b"}}, 1, 2, 3).
		sample(2, 1, 4)
}

// hostile is the corpus: each input with what reading it must give.
var hostile = []struct {
	name string
	in   func() []byte
	// want is a substring of the error; "" when the input is sound.
	want string
	// is is the error the input's error must wrap, or a *stack.LimitError
	// when limit is set.
	is    error
	limit string
}{
	{"sound.pb", func() []byte { return sound("goroutine").bytes() }, "", nil, ""},
	{"sound-leak.pb.gz", func() []byte { return gz(sound("goroutineleak").bytes()) }, "", nil, ""},
	{"missing-location.pb", func() []byte {
		return sound("goroutine").sample(1, 1, 99).bytes()
	}, "sample 3 at byte", ErrInvalid, ""},
	{"missing-function.pb", func() []byte {
		return sound("goroutine").location(9, [2]int64{42, 1}).bytes()
	}, "function 42, which the profile does not define", ErrInvalid, ""},
	{"missing-mapping.pb", func() []byte {
		p := sound("goroutine")
		p.body = p.body.m(4, pb(nil).u(1, 10).u(2, 5))
		return p.bytes()
	}, "mapping 5, which the profile does not define", ErrInvalid, ""},
	{"duplicate-location.pb", func() []byte {
		return sound("goroutine").location(3, [2]int64{1, 1}).bytes()
	}, "id 3, which location 3 has too", ErrInvalid, ""},
	{"duplicate-function.pb", func() []byte {
		return sound("goroutine").function(2, "x.y", "/x.go").bytes()
	}, "id 2, which function 2 has too", ErrInvalid, ""},
	{"zero-location-id.pb", func() []byte {
		return sound("goroutine").location(0, [2]int64{1, 1}).bytes()
	}, "location 5 at byte", ErrInvalid, ""},
	{"zero-function-in-line.pb", func() []byte {
		return sound("goroutine").location(9, [2]int64{0, 1}).bytes()
	}, "function 0, which the profile does not define", ErrInvalid, ""},
	{"negative-count.pb", func() []byte {
		return sound("goroutine").sample(-5, 1).bytes()
	}, "a count of -5 goroutines", ErrInvalid, ""},
	{"overflow-count.pb", func() []byte {
		return sound("goroutine").sample(math.MaxInt64/2, 1).sample(math.MaxInt64/2, 2).sample(math.MaxInt64/2, 3).bytes()
	}, "past what a process can hold", ErrInvalid, ""},
	{"missing-value.pb", func() []byte {
		p := sound("goroutine")
		p.body = p.body.m(2, packed(1, 1))
		return p.bytes()
	}, "0 values for 1 sample types", ErrInvalid, ""},
	{"bad-string-index.pb", func() []byte {
		p := sound("goroutine")
		p.body = p.body.m(5, pb(nil).u(1, 77).u(2, 1000))
		return p.bytes()
	}, "a name is string 1000", ErrInvalid, ""},
	{"no-string-table.pb", func() []byte {
		return pb(nil).m(1, pb(nil).i(1, 1).i(2, 2))
	}, "no string table", ErrInvalid, ""},
	{"truncated.pb", func() []byte {
		b := sound("goroutine").bytes()
		return b[:len(b)-9]
	}, "runs past the end", ErrTruncated, ""},
	{"truncated.pb.gz", func() []byte {
		b := gz(sound("goroutine").bytes())
		return b[:len(b)-12]
	}, "gzip stream ends early", ErrTruncated, ""},
	{"lying-length.pb", func() []byte {
		// A sample whose label claims more bytes than the sample holds.
		p := sound("goroutine")
		p.body = p.body.m(2, []byte{0x1a, 0x7f, 0x08})
		return p.bytes()
	}, "runs past the end of the message", ErrInvalid, ""},
	{"group-wire-type.pb", func() []byte {
		return append(sound("goroutine").bytes(), 0x13)
	}, "wire type 3", ErrInvalid, ""},
	{"heap.pb", func() []byte {
		return newProf("alloc_objects").function(1, "main.f", "/f.go").bytes()
	}, "not a goroutine profile", nil, ""},
	{"empty-samples.pb.gz", func() []byte {
		// 3M empty samples: 6 MB that gzip to a few KB, and that
		// google/pprof/profile makes into 3M Sample structs.
		return gz(append(sound("goroutine").bytes(), bytes.Repeat([]byte{0x12, 0x00}, 3<<20)...))
	}, "", nil, "pprofstack.Limits.Samples"},
	{"deep-stack.pb.gz", func() []byte {
		// One location repeated 4M times in one sample.
		locs := bytes.Repeat([]byte{0x01}, 4<<20)
		p := sound("goroutine")
		p.body = p.body.m(2, append(pb(nil).m(1, locs), pb(nil).i(2, 1)...))
		return gz(p.bytes())
	}, "", nil, "pprofstack.Limits.Frames"},
	{"wide-location.pb.gz", func() []byte {
		// One location with 1M inlined lines.
		l := pb(nil).u(1, 50)
		line := pb(nil).m(4, pb(nil).i(1, 1).i(2, 1))
		l = append(l, bytes.Repeat(line, 1<<20)...)
		p := sound("goroutine")
		p.body = p.body.m(4, l)
		return gz(p.bytes())
	}, "", nil, "pprofstack.Limits.Frames"},
	{"many-frames.pb.gz", func() []byte {
		// 4096 frames in each of 3000 distinct stacks: 12M frames, past
		// TotalFrames, in a profile of a few KB once gzipped.
		p := sound("goroutine")
		locs := bytes.Repeat([]byte{0x01}, 4095)
		for i := range 3000 {
			loc := binary.AppendUvarint(nil, uint64(100+i))
			p.location(uint64(100+i), [2]int64{1, int64(i)})
			p.body = p.body.m(2, append(pb(nil).m(1, append(append([]byte(nil), locs...), loc...)), pb(nil).i(2, 1)...))
		}
		return gz(p.bytes())
	}, "", nil, "pprofstack.Limits.TotalFrames"},
	{"many-samples.pb.gz", func() []byte {
		// 300k samples of one goroutine with one stack: each small, each
		// a goroutine to keep, past Limits.Stacks.
		one := pb(nil).m(2, append(packed(1, 1, 2, 3), pb(nil).i(2, 1)...))
		return gz(append(sound("goroutine").bytes(), bytes.Repeat(one, 300000)...))
	}, "", nil, "pprofstack.Limits.Stacks"},
	{"long-name.pb.gz", func() []byte {
		return gz(sound("goroutine").function(9, "main."+strings.Repeat("x", 1<<20), "/x.go").location(9, [2]int64{9, 1}).sample(1, 9).bytes())
	}, "", nil, "pprofstack.Limits.NameBytes"},
	{"big-labels.pb.gz", func() []byte {
		var ls [][2]string
		for i := range 200 {
			ls = append(ls, [2]string{"k" + strings.Repeat("k", i), strings.Repeat("v", 1000)})
		}
		return gz(sound("goroutine").labeled(1, ls, 1).bytes())
	}, "", nil, "pprofstack.Limits.LabelBytes"},
	{"bomb.pb.gz", func() []byte {
		// 100 MiB of time_nanos fields, which no count bounds: past
		// Limits.Bytes, 100 KB gzipped.
		var out bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
		zw.Write(sound("goroutine").bytes())
		chunk := bytes.Repeat([]byte{0x48, 0x00}, 1<<19)
		for range 100 {
			zw.Write(chunk)
		}
		zw.Close()
		return out.Bytes()
	}, "", nil, "pprofstack.Limits.Bytes"},
	{"zeros.pb.gz", func() []byte {
		// 100 MiB of zeros: no profile, told at the first byte.
		var out bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
		chunk := make([]byte, 1<<20)
		for range 100 {
			zw.Write(chunk)
		}
		zw.Close()
		return out.Bytes()
	}, "not a pprof profile", ErrInvalid, ""},
}

// heavy inputs expand to tens of megabytes before a limit stops them.
var heavy = map[string]bool{"bomb.pb.gz": true, "zeros.pb.gz": true, "many-frames.pb.gz": true, "empty-samples.pb.gz": true}

// TestHostile reads each input of the corpus both ways, Decode and
// Read+Goroutines, and checks the clear error or the right result.
func TestHostile(t *testing.T) {
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			if raceEnabled && heavy[tc.name] {
				t.Skip("expands to tens of megabytes: too slow under the race detector")
			}
			in := tc.in()
			path := filepath.Join("..", "testdata", "hostile", tc.name)
			if *update {
				if err := os.WriteFile(path, in, 0o644); err != nil {
					t.Fatal(err)
				}
			} else if b, err := os.ReadFile(path); err != nil || !sameInput(b, in) {
				t.Errorf("%s differs from its generator (err %v): run go test -run TestHostile -update", path, err)
			}
			p, err := Decode(bytes.NewReader(in), Limits{})
			_, rerr := Read(bytes.NewReader(in))
			for _, err := range []error{err, rerr} {
				switch {
				case tc.limit != "":
					var le *stack.LimitError
					if !errors.As(err, &le) || le.Limit != tc.limit {
						t.Fatalf("err = %v, want a limit error for %s", err, tc.limit)
					}
					if !strings.Contains(err.Error(), "raise "+tc.limit) || strings.Contains(err.Error(), "\n") {
						t.Errorf("error %q does not say how to raise the limit on one line", err)
					}
				case tc.want != "":
					if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
						t.Fatalf("err = %v, want one line with %q", err, tc.want)
					}
					if tc.is != nil && !errors.Is(err, tc.is) {
						t.Errorf("err = %v does not wrap %v", err, tc.is)
					}
				case err != nil:
					t.Fatal(err)
				}
			}
			if tc.want == "" && tc.limit == "" {
				checkSound(t, p)
			}
		})
	}
}

// checkSound checks what the sound profile holds.
func checkSound(t *testing.T, p *Profile) {
	t.Helper()
	if p.Total != 9 || len(p.Goroutines) != 2 || p.Process != "400000 build1 /bin/app;" {
		t.Fatalf("total %d, %d goroutines, process %q; want 9, 2, \"400000 build1 /bin/app;\"", p.Total, len(p.Goroutines), p.Process)
	}
	g := p.Goroutines[0]
	want := []stack.Frame{
		{Func: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 435},
		{Func: "runtime.chansend1", File: "/go/src/runtime/chan.go", Line: 161},
		{Func: "main.leak.func1", File: "/src/main.go", Line: 18},
	}
	if g.Count != 7 || !equalFrames(g.Stack, want) || len(g.Labels) != 2 || g.Labels[0] != (stack.Label{Key: "job", Value: "b"}) {
		t.Errorf("first goroutine = %+v", g)
	}
	if g.Leaked != (p.Type == "goroutineleak") {
		t.Errorf("%s profile: Leaked = %v", p.Type, g.Leaked)
	}
	g = p.Goroutines[1]
	want = []stack.Frame{
		{Func: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 435},
		{Func: "main.inner", File: "/src/main.go", Line: 30},
		{Func: "main.Map[...]", File: "/src/map.go", Line: 9},
	}
	if g.Count != 2 || !equalFrames(g.Stack, want) {
		t.Errorf("second goroutine = %+v", g)
	}
}

func equalFrames(a, b []stack.Frame) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameInput compares a corpus file with its generator's output; gzip
// streams by what they hold, since each Go release's compressor may write
// other bytes for the same data.
func sameInput(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	za, erra := gzip.NewReader(bytes.NewReader(a))
	zb, errb := gzip.NewReader(bytes.NewReader(b))
	if erra != nil || errb != nil {
		return false
	}
	// A stream cut short on purpose decompresses to a prefix of the data,
	// and each compressor cuts it at another place: compare the prefixes.
	da, _ := io.ReadAll(za)
	db, _ := io.ReadAll(zb)
	n := min(len(da), len(db))
	return n > 0 && bytes.Equal(da[:n], db[:n])
}
