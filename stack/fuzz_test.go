package stack

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the parser arbitrary input: it must never panic, a strict
// parse fails only with a *SyntaxError or a *LimitError, and a lenient
// parse only with a *LimitError. Seeds are the synthetic forms, the dumps
// in testdata and the text of the hostile corpus.
func FuzzParse(f *testing.F) {
	for _, tc := range forms {
		f.Add([]byte(tc.in))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	hostile, _ := filepath.Glob(filepath.Join(hostileDir, "*.txt"))
	// The large generated inputs are left out: the fuzzer spends its time
	// minimizing them.
	for _, file := range append(files, hostile...) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var pass bytes.Buffer
		gs, err := Parse(bytes.NewReader(in), Options{Passthrough: &pass})
		var se *SyntaxError
		var le *LimitError
		if err != nil && !errors.As(err, &se) && !errors.As(err, &le) {
			t.Fatalf("error %v is neither a *SyntaxError nor a *LimitError", err)
		}
		lines := bytes.Count(in, []byte("\n")) + 1
		if se != nil && (se.Line < 1 || se.Line > lines) || le != nil && (le.Line < 1 || le.Line > lines) {
			t.Fatalf("error on a line outside the %d-line input: %v", lines, err)
		}
		for _, g := range gs {
			if g.Line < 1 || g.Count < 0 {
				t.Fatalf("goroutine with line %d, count %d", g.Line, g.Count)
			}
		}
		if pass.Len() > len(in) {
			t.Fatalf("passed through %d bytes of a %d-byte input", pass.Len(), len(in))
		}
		if _, err := Parse(bytes.NewReader(in), Options{Lenient: true}); err != nil && !errors.As(err, &le) {
			t.Fatalf("lenient parse failed: %v", err)
		}
	})
}
