package pprofstack

import (
	"bytes"
	"os"
	"path/filepath"
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
