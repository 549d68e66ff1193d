package classify

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Source reads the lines of code that stacks point at. Dumps name files by
// the paths of the machine that built the binary; Roots are local
// directories to look for them in, by the longest path suffix that exists.
// A nil *Source reads nothing.
type Source struct {
	Roots []string
	// UseDumpPaths also tries each path as the dump gives it.
	UseDumpPaths bool

	mu    sync.Mutex
	files map[string][]string // nil entry: could not be read
}

// maxSourceFile bounds what one file may cost.
const maxSourceFile = 4 << 20

// Line returns line n of file, without surrounding space.
func (s *Source) Line(file string, n int) (string, bool) {
	lines := s.lines(file)
	if n < 1 || n > len(lines) {
		return "", false
	}
	return strings.TrimSpace(lines[n-1]), true
}

func (s *Source) lines(file string) []string {
	if s == nil || file == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.files[file]; ok {
		return l
	}
	if s.files == nil {
		s.files = make(map[string][]string)
	}
	var lines []string
	if path := s.resolve(file); path != "" {
		if b, err := os.ReadFile(path); err == nil && len(b) <= maxSourceFile && !bytes.Contains(b[:min(len(b), 512)], []byte{0}) {
			lines = strings.Split(string(b), "\n")
		}
	}
	s.files[file] = lines
	return lines
}

// resolve finds file on this machine: as is, then under each root by
// dropping leading path elements until something exists.
func (s *Source) resolve(file string) string {
	if s.UseDumpPaths && regular(file) {
		return file
	}
	rel := filepath.ToSlash(file)
	if i := strings.IndexByte(rel, ':'); i == 1 { // C:/...
		rel = rel[2:]
	}
	rel = strings.TrimLeft(rel, "/")
	for rel != "" {
		for _, root := range s.Roots {
			if p := filepath.Join(root, filepath.FromSlash(rel)); regular(p) {
				return p
			}
		}
		i := strings.IndexByte(rel, '/')
		if i < 0 {
			break
		}
		rel = rel[i+1:]
	}
	return ""
}

func regular(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// selectCases returns the "case" lines of the select statement that starts
// at line n of file, or nil when it cannot be read.
func (s *Source) selectCases(file string, n int) []string {
	lines := s.lines(file)
	if n < 1 || n > len(lines) || !strings.Contains(lines[n-1], "select") {
		return nil
	}
	var cases []string
	depth := 0
	for i := n - 1; i < len(lines) && i < n+200; i++ {
		l := strings.TrimSpace(lines[i])
		if depth == 1 && (strings.HasPrefix(l, "case ") || strings.HasPrefix(l, "default:")) {
			cases = append(cases, l)
		}
		depth += strings.Count(l, "{") - strings.Count(l, "}")
		if depth <= 0 && i >= n-1 && strings.Contains(l, "}") {
			break
		}
	}
	return cases
}

// findBack returns the nearest line at or before n (looking back at most
// limit lines) that contains want, with its number.
func (s *Source) findBack(file string, n, limit int, want func(string) bool) (string, int) {
	lines := s.lines(file)
	for i := min(n, len(lines)); i >= 1 && i > n-limit; i-- {
		if l := strings.TrimSpace(lines[i-1]); want(l) {
			return l, i
		}
	}
	return "", 0
}

// findForward is findBack in the other direction.
func (s *Source) findForward(file string, n, limit int, want func(string) bool) (string, int) {
	lines := s.lines(file)
	for i := max(n, 1); i <= len(lines) && i < n+limit; i++ {
		if l := strings.TrimSpace(lines[i-1]); want(l) {
			return l, i
		}
	}
	return "", 0
}
