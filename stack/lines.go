package stack

import (
	"bytes"
	"io"
)

// maxLine bounds the memory a single line can take. Runtime output never
// comes close (argument lists are cut at ten words); a longer line is not
// part of a dump.
const maxLine = 1 << 20

// lineReader splits its input into lines without copying them: a line is a
// slice of the reader's buffer, valid until the next call.
type lineReader struct {
	r     io.Reader
	buf   []byte
	start int // first unread byte
	end   int // end of buffered data
	err   error
	n     int // line number of the last line returned
}

func newLineReader(r io.Reader) *lineReader {
	size := 256 << 10
	// A small input in memory needs no large buffer: the test helper
	// parses a dump per check, and the allocation would cost more than
	// the parse.
	if l, ok := r.(interface{ Len() int }); ok {
		size = min(max(l.Len()+1, 4<<10), size)
	}
	return &lineReader{r: r, buf: make([]byte, size)}
}

// next returns the next line with its newline, or nil at the end of the
// input. A line longer than maxLine comes back in pieces, the first of which
// sets long.
func (l *lineReader) next() (line []byte, long bool) {
	searched := 0
	for {
		if i := bytes.IndexByte(l.buf[l.start+searched:l.end], '\n'); i >= 0 {
			line = l.buf[l.start : l.start+searched+i+1]
			l.start += searched + i + 1
			l.n++
			return line, false
		}
		searched = l.end - l.start
		if l.err != nil {
			if l.start == l.end {
				return nil, false
			}
			line = l.buf[l.start:l.end]
			l.start = l.end
			l.n++
			return line, false
		}
		if searched >= maxLine {
			line = l.buf[l.start:l.end]
			l.start = l.end
			l.n++
			return line, true
		}
		l.fill()
	}
}

// fill reads more input, moving unread bytes to the front and growing the
// buffer up to maxLine when a line does not fit.
func (l *lineReader) fill() {
	if l.start > 0 {
		l.end = copy(l.buf, l.buf[l.start:l.end])
		l.start = 0
	}
	if l.end == len(l.buf) {
		n := 2 * len(l.buf)
		if n > maxLine+1 {
			n = maxLine + 1
		}
		b := make([]byte, n)
		copy(b, l.buf[:l.end])
		l.buf = b
	}
	for tries := 0; tries < 100; tries++ {
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		if err != nil {
			l.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	l.err = io.ErrNoProgress
}

// skipRest discards the remainder of a long line.
func (l *lineReader) skipRest() {
	for {
		line, _ := l.next()
		if line == nil {
			return
		}
		l.n-- // pieces of one line count once
		if line[len(line)-1] == '\n' {
			return
		}
	}
}

// trim removes the line ending, "\n" or "\r\n".
func trim(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	return line
}
