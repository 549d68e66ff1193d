package report

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape makes s safe to print on a terminal: it writes every character
// that a terminal would act on rather than show (control characters such
// as ESC and newline, C1 controls, bidirectional overrides, invalid UTF-8)
// the way strconv.Quote would, and leaves the rest as it is, so that
// ordinary names, paths and code stay readable. Everything that came from a
// dump or a remote target goes through it before it is printed: a label
// value can hold "\x1b]52;..." as easily as a word.
func Escape(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !safe(r, size) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case safe(r, size):
			b.WriteString(s[i : i+size])
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// safe reports whether the rune r, size bytes long, can reach a terminal
// as it is: printable, and not invalid UTF-8. strconv.IsPrint leaves out
// control and format characters, which covers the bidirectional overrides
// (U+202A-U+202E, U+2066-U+2069) that reorder what a reader sees.
func safe(r rune, size int) bool {
	if r == utf8.RuneError && size == 1 {
		return false
	}
	return strconv.IsPrint(r)
}
