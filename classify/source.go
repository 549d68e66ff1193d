package classify

import (
	"bufio"
	"bytes"
	"container/list"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Source reads the lines of code that stacks point at. Dumps name files by
// the paths of the machine that built the binary; Roots are local
// directories to look for them in, by the longest path suffix that exists,
// never leaving the root (no "..", no symbolic link out). A nil *Source
// reads nothing.
//
// Whatever a dump names, Source reads only regular files whose name ends
// in ".go", only as far as the last line it needs and never past 4 MiB,
// and keeps what it read in a cache bounded by files and bytes. A dump is
// untrusted input: it can name any path.
type Source struct {
	Roots []string
	// UseDumpPaths also tries each path as the dump gives it. It suits
	// dumps of this machine's own processes (the test helper sets it);
	// for input that came over the network (analyze URL, watch) the CLI
	// leaves it false, so that only files under Roots are read.
	UseDumpPaths bool

	mu    sync.Mutex
	files map[string]*list.Element // of *sourceFile, by the dump's path
	lru   list.List                // most recently used first
	held  int                      // bytes the cache holds
}

// The bounds of what Source reads and keeps.
const (
	maxSourceFile  = 4 << 20  // bytes read from one file
	maxSourceLine  = 4 << 10  // bytes kept of one line
	maxCacheFiles  = 512      // files (found or not) in the cache
	maxCacheBytes  = 32 << 20 // bytes of lines and paths in the cache
	sourceReadMore = 64       // lines read past the one asked for
)

// sourceFile is what the cache holds for one path of a dump.
type sourceFile struct {
	key   string
	open  func() (*os.File, error) // nil when nothing can be read
	lines []string                 // lines 1..len(lines), as far as read
	done  bool                     // no more lines: the end, the cap, or an error
	size  int
}

// Line returns line n of file, without surrounding space.
func (s *Source) Line(file string, n int) (string, bool) {
	l, ok := s.Indented(file, n)
	return strings.TrimSpace(l), ok
}

// Indented returns line n of file with its indentation as written, tabs
// included, and without trailing space: for showing code in its shape.
func (s *Source) Indented(file string, n int) (string, bool) {
	lines := s.linesTo(file, n)
	if n < 1 || n > len(lines) {
		return "", false
	}
	return strings.TrimRight(lines[n-1], " \t"), true
}

// lines returns the lines of file, as many as the caps allow, for the
// callers that scan a whole file.
func (s *Source) lines(file string) []string {
	return s.linesTo(file, math.MaxInt-sourceReadMore)
}

// linesTo returns the lines of file read so far, at least through line
// upto when the file has it. The slice is not to be changed.
func (s *Source) linesTo(file string, upto int) []string {
	if s == nil || file == "" || !strings.HasSuffix(file, ".go") || upto < 1 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.entry(file)
	if len(f.lines) < upto && !f.done {
		before := f.size
		f.read(upto + sourceReadMore)
		s.held += f.size - before
		s.evict()
	}
	return f.lines
}

// entry returns the cache entry of file, resolving it on first use, and
// marks it most recently used.
func (s *Source) entry(file string) *sourceFile {
	if e, ok := s.files[file]; ok {
		s.lru.MoveToFront(e)
		return e.Value.(*sourceFile)
	}
	if s.files == nil {
		s.files = make(map[string]*list.Element)
	}
	f := &sourceFile{key: file, open: s.resolve(file), size: len(file) + 64}
	f.done = f.open == nil
	s.files[file] = s.lru.PushFront(f)
	s.held += f.size
	s.evict()
	return f
}

// evict drops the least recently used files until the cache is within its
// bounds, keeping the one in use.
func (s *Source) evict() {
	for s.lru.Len() > 1 && (s.lru.Len() > maxCacheFiles || s.held > maxCacheBytes) {
		e := s.lru.Back()
		f := e.Value.(*sourceFile)
		s.lru.Remove(e)
		delete(s.files, f.key)
		s.held -= f.size
	}
}

// read reads f from its start through line upto, at most maxSourceFile
// bytes, keeping at most maxSourceLine bytes of each line. A file with a
// NUL byte is not source: it gives no lines.
func (f *sourceFile) read(upto int) {
	file, err := f.open()
	if err != nil {
		f.done = true
		return
	}
	defer file.Close()
	if fi, err := file.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.done = true
		return
	}
	r := bufio.NewReaderSize(io.LimitReader(file, maxSourceFile), 16<<10)
	lines := make([]string, 0, min(upto, 1<<10))
	size := 0
	for len(lines) < upto {
		line, err := readLine(r)
		if bytes.IndexByte(line, 0) >= 0 {
			lines, size, err = nil, 0, io.EOF
		} else if err == nil || (err == io.EOF && len(line) > 0) {
			lines = append(lines, string(line))
			size += len(line) + 16
		}
		if err != nil {
			// The end of the file, of the bytes it may read, or an
			// error: there is no more to read. A last line cut by the
			// cap is kept, shortened, as long lines are.
			f.done = true
			break
		}
	}
	f.lines, f.size = lines, len(f.key)+64+size
}

// readLine returns the next line without its ending, cut to
// maxSourceLine bytes.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line) < maxSourceLine {
			line = append(line, chunk[:min(len(chunk), maxSourceLine-len(line))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		return line, err
	}
}

// resolve finds file on this machine: as is, then under each root by
// dropping leading path elements until something exists. It returns how
// to open it, or nil.
func (s *Source) resolve(file string) func() (*os.File, error) {
	if s.UseDumpPaths {
		// A link named x.go may point anywhere: what it points at must
		// be Go source too.
		if real, err := filepath.EvalSymlinks(file); err == nil && strings.HasSuffix(real, ".go") && regular(real) {
			return func() (*os.File, error) { return os.Open(real) }
		}
	}
	rel := filepath.ToSlash(file)
	if i := strings.IndexByte(rel, ':'); i == 1 { // C:/...
		rel = rel[2:]
	}
	rel = strings.TrimLeft(rel, "/")
	for rel != "" {
		for _, root := range s.Roots {
			if inRoot(root, rel) {
				root, rel := root, filepath.FromSlash(rel)
				return func() (*os.File, error) {
					r, err := os.OpenRoot(root)
					if err != nil {
						return nil, err
					}
					defer r.Close()
					return r.Open(rel)
				}
			}
		}
		i := strings.IndexByte(rel, '/')
		if i < 0 {
			break
		}
		rel = rel[i+1:]
	}
	return nil
}

// inRoot reports whether rel names a regular file inside root. os.Root
// refuses paths that leave it, by ".." or by a symbolic link.
func inRoot(root, rel string) bool {
	r, err := os.OpenRoot(root)
	if err != nil {
		return false
	}
	defer r.Close()
	fi, err := r.Stat(filepath.FromSlash(rel))
	return err == nil && fi.Mode().IsRegular()
}

func regular(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// selectCases returns the "case" lines of the select statement that starts
// at line n of file, or nil when it cannot be read.
func (s *Source) selectCases(file string, n int) []string {
	lines := s.linesTo(file, n+200)
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
	lines := s.linesTo(file, n)
	for i := min(n, len(lines)); i >= 1 && i > n-limit; i-- {
		if l := strings.TrimSpace(lines[i-1]); want(l) {
			return l, i
		}
	}
	return "", 0
}

// findForward is findBack in the other direction.
func (s *Source) findForward(file string, n, limit int, want func(string) bool) (string, int) {
	lines := s.linesTo(file, n+limit)
	for i := max(n, 1); i <= len(lines) && i < n+limit; i++ {
		if l := strings.TrimSpace(lines[i-1]); want(l) {
			return l, i
		}
	}
	return "", 0
}
