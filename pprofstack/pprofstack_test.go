package pprofstack

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	rpprof "runtime/pprof"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/stack"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		file   string
		leaked bool
		total  int
	}{
		{"goroutine.pb.gz", false, 17},
		{"goroutineleak.pb.gz", true, 14},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		gs, err := Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		total, send := 0, false
		for _, g := range gs {
			total += g.Count
			if g.Leaked != tc.leaked {
				t.Errorf("%s: Leaked = %v", tc.file, g.Leaked)
			}
			// Runtime frames come first, innermost first, as in a traceback.
			if len(g.Stack) >= 4 && g.Stack[0].Func == "runtime.gopark" && g.Stack[2].Func == "runtime.chansend1" &&
				g.Stack[3].Func == "main.fetch.func1" && g.Stack[3].Line == 18 && strings.HasSuffix(g.Stack[3].File, "main.go") {
				send = true
			}
		}
		if total != tc.total || !send {
			t.Errorf("%s: %d goroutines, send stack found: %v; want %d, true", tc.file, total, send, tc.total)
		}
	}
}

func TestNotGoroutine(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "heap.pb.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(bytes.NewReader(b)); err == nil || !strings.Contains(err.Error(), "not a goroutine profile") {
		t.Errorf("heap profile: err = %v", err)
	}
	if _, err := Parse(strings.NewReader("garbage")); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "not a pprof profile") {
		t.Errorf("garbage: err = %v", err)
	}
}

// TestDecodeAgrees: Decode and google/pprof's decoder with Goroutines
// read the real profiles alike.
func TestDecodeAgrees(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "go*.pb.gz"))
	healthy, _ := filepath.Glob(filepath.Join("..", "testdata", "healthy", "*", "*.pb.gz"))
	files = append(files, healthy...)
	if len(files) < 10 {
		t.Fatalf("only %d profiles in testdata", len(files))
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := agree(b, Limits{}); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}

// agree reads in both ways and says how they differ; nil when both fail.
func agree(in []byte, lim Limits) error {
	p, err := Decode(bytes.NewReader(in), lim)
	gp, rerr := readLimits(bytes.NewReader(in), lim)
	var gs []*stack.Goroutine
	if rerr == nil {
		gs, rerr = Goroutines(gp)
	}
	switch {
	case err != nil && rerr != nil:
		return nil
	case err != nil:
		return fmt.Errorf("Decode failed (%v), Read and Goroutines did not", err)
	case rerr != nil:
		// google/pprof checks fields leakhound does not read (string
		// indices of comments, units): stricter, not wrong.
		return nil
	}
	total := 0
	for _, g := range gs {
		total += g.Count
	}
	if total != p.Total {
		return fmt.Errorf("Decode counts %d goroutines, Goroutines %d", p.Total, total)
	}
	if !reflect.DeepEqual(p.Goroutines, gs) && (len(p.Goroutines) > 0 || len(gs) > 0) {
		return fmt.Errorf("Decode and Goroutines differ:\n%+v\n%+v", p.Goroutines, gs)
	}
	if pp := Process(gp); pp != p.Process {
		return fmt.Errorf("Process: %q and %q", p.Process, pp)
	}
	return nil
}

// FuzzParse: arbitrary bytes give goroutines or a clear error, never a
// panic; the two decoders agree; counts are never negative. Seeds are the
// profiles in testdata and the hostile corpus.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pb.gz"))
	hostile, _ := filepath.Glob(filepath.Join("..", "testdata", "hostile", "*.pb*"))
	for _, file := range append(files, hostile...) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Small limits keep each run short: the hostile seeds expand to
	// megabytes, which the limits stop early as they do the defaults.
	lim := Limits{Bytes: 1 << 20, Frames: 512, TotalFrames: 1 << 16, Samples: 1 << 14, NameBytes: 4 << 10, LabelBytes: 4 << 10}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Decode(bytes.NewReader(in), lim)
		var le *stack.LimitError
		switch {
		case err == nil:
			total := 0
			for _, g := range p.Goroutines {
				if g.Count < 1 {
					t.Fatalf("a goroutine with count %d", g.Count)
				}
				total += g.Count
			}
			if total != p.Total {
				t.Fatalf("goroutines add up to %d, Total says %d", total, p.Total)
			}
		case errors.Is(err, ErrInvalid), errors.Is(err, ErrTruncated), errors.As(err, &le),
			strings.Contains(err.Error(), "not a goroutine profile"):
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error on more than one line: %q", err)
			}
		default:
			t.Fatalf("unclassified error: %v", err)
		}
		if err := agree(in, lim); err != nil {
			t.Fatal(err)
		}
	})
}

// TestProcess: one process's profiles name the same process; a new
// process, the same binary started again, names another.
func TestProcess(t *testing.T) {
	if os.Getenv("PPROFSTACK_WRITE_PROFILE") == "1" {
		rpprof.Lookup("goroutine").WriteTo(os.Stdout, 0)
		os.Exit(0)
	}
	read := func(b []byte) string {
		t.Helper()
		p, err := Read(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return Process(p)
	}
	self := func() string {
		var b bytes.Buffer
		if err := rpprof.Lookup("goroutine").WriteTo(&b, 0); err != nil {
			t.Fatal(err)
		}
		return read(b.Bytes())
	}
	child := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestProcess$")
		cmd.Env = append(os.Environ(), "PPROFSTACK_WRITE_PROFILE=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return read(out)
	}
	a, b := self(), self()
	if a == "" || a != b {
		t.Fatalf("one process named %q then %q", a, b)
	}
	if aslr, err := os.ReadFile("/proc/sys/kernel/randomize_va_space"); err == nil && strings.TrimSpace(string(aslr)) == "0" {
		t.Skip("ASLR is off: processes of one binary load at the same addresses")
	}
	c1, c2 := child(), child()
	if c1 == a || c1 == c2 {
		t.Errorf("two runs of one binary were not told apart:\n%s\n%s\n%s", a, c1, c2)
	}
}
