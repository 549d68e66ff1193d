package pprofstack

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	rpprof "runtime/pprof"
	"strings"
	"testing"
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
	if _, err := Parse(strings.NewReader("garbage")); err == nil || !strings.Contains(err.Error(), "not a pprof profile") {
		t.Errorf("garbage: err = %v", err)
	}
}

// FuzzParse: arbitrary bytes give goroutines or an error, never a panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pb.gz"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		gs, err := Parse(bytes.NewReader(in))
		if err == nil {
			for _, g := range gs {
				if g.Count < 0 {
					t.Logf("negative count %d (a profile may say so)", g.Count)
				}
			}
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
