package stack

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the parser arbitrary input: it must never panic, a strict
// parse fails only with a *SyntaxError, and a lenient parse never fails.
// Seeds are the synthetic forms and the dumps in testdata.
func FuzzParse(f *testing.F) {
	for _, tc := range forms {
		f.Add([]byte(tc.in))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, file := range files {
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
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("error %v is not a *SyntaxError", err)
		}
		if se != nil && (se.Line < 1 || se.Line > bytes.Count(in, []byte("\n"))+1) {
			t.Fatalf("error on line %d of a %d-line input", se.Line, bytes.Count(in, []byte("\n"))+1)
		}
		for _, g := range gs {
			if g.Line < 1 || g.Count < 0 {
				t.Fatalf("goroutine with line %d, count %d", g.Line, g.Count)
			}
		}
		if pass.Len() > len(in) {
			t.Fatalf("passed through %d bytes of a %d-byte input", pass.Len(), len(in))
		}
		if _, err := Parse(bytes.NewReader(in), Options{Lenient: true}); err != nil {
			t.Fatalf("lenient parse failed: %v", err)
		}
	})
}
