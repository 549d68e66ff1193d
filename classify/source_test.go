package classify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func write(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func numbered(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// TestSourceOnlyGo: whatever a dump names, only regular .go files are
// read, and a link named .go must point at one.
func TestSourceOnlyGo(t *testing.T) {
	dir := t.TempDir()
	secret := write(t, filepath.Join(dir, "shadow"), "root:$6$secret:19000:0:99999:7:::\n")
	good := write(t, filepath.Join(dir, "ok.go"), "package ok\n")
	link := filepath.Join(dir, "link.go")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.go"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Source{UseDumpPaths: true, Roots: []string{dir}}
	for _, path := range []string{secret, link, filepath.Join(dir, "dir.go"), "/etc/shadow", "/etc/passwd", "/dev/zero"} {
		if l, ok := s.Line(path, 1); ok {
			t.Errorf("%s: read %q", path, l)
		}
	}
	if l, ok := s.Line(good, 1); !ok || l != "package ok" {
		t.Errorf("%s: %q, %v", good, l, ok)
	}
}

// TestSourceRoots: under Roots, a path is found by its longest suffix,
// and nothing outside a root is read, by ".." or by a link.
func TestSourceRoots(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	write(t, filepath.Join(root, "pkg", "a.go"), "package pkg\n")
	outside := write(t, filepath.Join(base, "outside.go"), "package secret\n")
	if err := os.Symlink(outside, filepath.Join(root, "pkg", "out.go")); err != nil {
		t.Fatal(err)
	}
	s := &Source{Roots: []string{root}}
	if l, ok := s.Line("/build/machine/src/pkg/a.go", 1); !ok || l != "package pkg" {
		t.Errorf("suffix under root: %q, %v", l, ok)
	}
	for _, path := range []string{"/x/../outside.go", "../outside.go", "pkg/out.go", outside} {
		if l, ok := s.Line(path, 1); ok {
			t.Errorf("%s: read %q from outside the root", path, l)
		}
	}
}

// TestSourceReadsOnlyWhatItNeeds: a line near the start of a large file
// costs the lines up to it, not the file; a later line reads on.
func TestSourceReadsOnlyWhatItNeeds(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "big.go"), numbered(200000))
	s := &Source{UseDumpPaths: true}
	if l, ok := s.Line(path, 5); !ok || l != "line 5" {
		t.Fatalf("line 5: %q, %v", l, ok)
	}
	if n := len(s.files[path].Value.(*sourceFile).lines); n > 5+sourceReadMore {
		t.Errorf("read %d lines to answer for line 5", n)
	}
	if l, ok := s.Line(path, 1000); !ok || l != "line 1000" {
		t.Errorf("line 1000: %q, %v", l, ok)
	}
	if l, ok := s.Line(path, 150000); !ok || l != "line 150000" {
		t.Errorf("line 150000: %q, %v", l, ok)
	}
	if _, ok := s.Line(path, 200001); ok {
		t.Errorf("a line past the end")
	}
}

// TestSourceCaps: a file is read up to maxSourceFile bytes, a line kept
// up to maxSourceLine; a huge sparse file is not read whole.
func TestSourceCaps(t *testing.T) {
	dir := t.TempDir()
	long := write(t, filepath.Join(dir, "long.go"), "x"+strings.Repeat("y", 8<<20)+"\nnext\n")
	s := &Source{UseDumpPaths: true}
	if l, ok := s.Line(long, 1); !ok || len(l) != maxSourceLine {
		t.Errorf("a line of 8 MiB: %d bytes, %v; want %d", len(l), ok, maxSourceLine)
	}
	if _, ok := s.Line(long, 2); ok {
		t.Errorf("read a line past %d bytes", maxSourceFile)
	}
	sparse := filepath.Join(dir, "sparse.go")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("package sparse\n")
	err = f.Truncate(10 << 40) // 10 TiB of holes
	f.Close()
	if err != nil {
		t.Skipf("no sparse file of 10 TiB here: %v", err)
	}
	if l, ok := s.Line(sparse, 1); ok {
		t.Errorf("a file of NUL bytes read as source: %q", l)
	}
}

// TestSourceCache: the cache stays within its bounds however many paths a
// dump names, and serves concurrent callers.
func TestSourceCache(t *testing.T) {
	dir := t.TempDir()
	s := &Source{UseDumpPaths: true}
	for i := range 50 {
		write(t, filepath.Join(dir, fmt.Sprintf("f%d.go", i)), numbered(3000))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 400 {
				path := filepath.Join(dir, fmt.Sprintf("f%d.go", i%50))
				if w == 0 {
					s.Line(filepath.Join(dir, fmt.Sprintf("missing%d.go", i)), 1)
				}
				s.Line(path, 1)
			}
		}()
	}
	wg.Wait()
	for i := range 2000 {
		s.Line(filepath.Join(dir, fmt.Sprintf("f%d.go", i%50)), 2500)
		s.Line(filepath.Join(dir, fmt.Sprintf("other%d.go", i)), 1)
	}
	s.mu.Lock()
	files, held, n := len(s.files), s.held, s.lru.Len()
	s.mu.Unlock()
	if files > maxCacheFiles || n != files || held > maxCacheBytes || held <= 0 {
		t.Errorf("cache holds %d files (list %d), %d bytes; bounds %d, %d", files, n, held, maxCacheFiles, maxCacheBytes)
	}
	if l, ok := s.Line(filepath.Join(dir, "f7.go"), 2999); !ok || l != "line 2999" {
		t.Errorf("after eviction: %q, %v", l, ok)
	}
}

// TestSourceIndented: Indented keeps a line's leading tabs and spaces and
// drops only trailing space and the line ending; Line trims both sides.
func TestSourceIndented(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "a.go"), "package a\n\nfunc f() {\n\tselect {\n\t\tcase <-ch: \t\r\n    x := 1\n}\n")
	s := &Source{UseDumpPaths: true}
	for _, tc := range []struct {
		n              int
		indented, line string
	}{
		{1, "package a", "package a"},
		{2, "", ""},
		{4, "\tselect {", "select {"},
		{5, "\t\tcase <-ch:", "case <-ch:"},
		{6, "    x := 1", "x := 1"},
	} {
		if got, ok := s.Indented(path, tc.n); !ok || got != tc.indented {
			t.Errorf("Indented line %d = %q, %v; want %q", tc.n, got, ok, tc.indented)
		}
		if got, ok := s.Line(path, tc.n); !ok || got != tc.line {
			t.Errorf("Line %d = %q, %v; want %q", tc.n, got, ok, tc.line)
		}
	}
	if got, ok := s.Indented(path, 99); ok {
		t.Errorf("line 99 of a 7-line file: %q", got)
	}
	var none *Source
	if _, ok := none.Indented(path, 1); ok {
		t.Error("a nil Source read a line")
	}
}
