// Package report renders classified findings for people (text, with colour
// on a terminal) and for machines (JSON, schema in docs/json.md).
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/classify"
)

// Schema names the JSON document's version; it changes only when a field
// changes meaning or goes away.
const Schema = "leakhound/v1"

// Document is the JSON output of analyze, watch and the monitor's handler.
type Document struct {
	Schema string `json:"schema"`
	// Input says where the goroutines came from: a file, "-", or the URLs
	// that were read.
	Input string `json:"input"`
	*classify.Report
}

// JSON writes r as one indented JSON document.
func JSON(w io.Writer, input string, r *classify.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Document{Schema: Schema, Input: input, Report: r})
}

// TextOptions configure Text.
type TextOptions struct {
	Color   bool
	Verbose bool // also list ok findings and whole stacks
	// MaxIDs caps the goroutine ids printed per finding (0 means 10).
	MaxIDs int
	// Notes are printed under the header, one a line: what the input
	// could not show, what a filter hid.
	Notes []string
}

// Color reports whether w is a terminal that wants colour: NO_COLOR unset,
// TERM not "dumb".
func Color(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

type painter bool

func (p painter) paint(code, s string) string {
	if !p {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Text writes r for a person: the leaks and suspects in full, most
// important first, then a one-line summary of the rest.
func Text(w io.Writer, input string, r *classify.Report, opt TextOptions) error {
	p := painter(opt.Color)
	if opt.MaxIDs == 0 {
		opt.MaxIDs = 10
	}
	ew := &errWriter{w: w}
	var bad, parked, ok []*classify.Finding
	for _, f := range r.Findings {
		switch f.Verdict {
		case classify.OK:
			ok = append(ok, f)
		case classify.Parked:
			parked = append(parked, f)
		default:
			bad = append(bad, f)
		}
	}
	head := Plural(r.Total, "goroutine")
	if input != "" {
		head += " in " + Escape(input)
	}
	var also string
	if r.Parked > 0 {
		also = fmt.Sprintf("; %d parked with no evidence of a leak", r.Parked)
	}
	switch {
	case r.Leaks > 0:
		ew.printf("%s: %s proven leaked, %s suspect%s\n", head, p.paint("1;31", fmt.Sprint(r.Leaks)), p.paint("1;33", fmt.Sprint(r.Suspects)), also)
	case r.Suspects > 0:
		ew.printf("%s: %s suspect, none proven%s\n", head, p.paint("1;33", fmt.Sprint(r.Suspects)), also)
	default:
		ew.printf("%s: %s%s\n", head, p.paint("1;32", "no leak found"), also)
	}
	for _, n := range opt.Notes {
		ew.printf("%s\n", wrapIndent(Escape(n), "  "))
	}
	if len(bad) > 0 {
		ew.printf("\n")
	}
	for _, f := range bad {
		finding(ew, p, f, opt)
	}
	if len(parked) > 0 {
		if !opt.Verbose {
			ew.printf("\nparked: waiting in a leak class, but nothing read shows a leak (-v explains each):\n")
		}
		for _, f := range parked {
			if opt.Verbose {
				finding(ew, p, f, opt)
				continue
			}
			ew.printf("  %s %s  %s  %s\n", p.paint("2", "parked "), f.Class, countText(f), place(f.BlockedAt))
		}
		if !opt.Verbose {
			ew.printf("\n")
		}
	}
	if opt.Verbose {
		for _, f := range ok {
			finding(ew, p, f, opt)
		}
	}
	if len(ok) > 0 {
		ew.printf("%s\n", okSummary(ok, opt.Verbose))
	}
	return ew.err
}

func finding(w *errWriter, p painter, f *classify.Finding, opt TextOptions) {
	tag := map[classify.Verdict]string{
		classify.Leak:    p.paint("1;31", "LEAK   "),
		classify.Suspect: p.paint("1;33", "SUSPECT"),
		classify.Parked:  p.paint("2", "parked "),
		classify.OK:      p.paint("32", "ok     "),
	}[f.Verdict]
	w.printf("%s %s  %s", tag, p.paint("1", Escape(string(f.Class))), countText(f))
	if f.MaxMinutes > 0 {
		w.printf(", waiting up to %d min", f.MaxMinutes)
	}
	if f.Proven > 0 {
		w.printf(", %d proven by the runtime", f.Proven)
	}
	w.printf("\n")
	where(w, p, "blocked", f.BlockedAt, "")
	if f.CreatedAt.Func != "" {
		by := creators(f)
		where(w, p, "created", f.CreatedAt, by)
	}
	if len(f.GoroutineIDs) > 0 {
		w.printf("  %s     %s\n", p.paint("2", "ids"), ids(f, opt.MaxIDs))
	}
	if len(f.Labels) > 0 {
		var kv []string
		for k, v := range f.Labels {
			kv = append(kv, Escape(k)+"="+Escape(v))
		}
		slices.Sort(kv)
		w.printf("  %s  %s\n", p.paint("2", "labels"), strings.Join(kv, " "))
	}
	w.printf("  %s     %s\n", p.paint("2", "why"), wrap(Escape(f.Explanation)))
	if f.Fix != "" {
		w.printf("  %s     %s\n", p.paint("2", "fix"), wrap(Escape(f.Fix)))
	}
	if opt.Verbose {
		w.printf("  %s\n", p.paint("2", "stack"))
		for _, l := range f.Stack {
			w.printf("%s%s\n%s  %s:%d\n", indent, Escape(l.Func), indent, Escape(l.File), l.Line)
		}
	}
	w.printf("\n")
}

func countText(f *classify.Finding) string { return Plural(f.Count, "goroutine") }

// creators says which goroutines ran the go statement: its id when one
// started them all, their number when several did.
func creators(f *classify.Finding) string {
	switch {
	case f.Creators > 1 && f.Creators >= classify.MaxCreators:
		return fmt.Sprintf("  by %d or more goroutines", f.Creators)
	case f.Creators > 1:
		return "  by " + Plural(f.Creators, "goroutine")
	case f.CreatedByGoroutine != 0:
		return fmt.Sprintf("  by goroutine %d", f.CreatedByGoroutine)
	}
	return ""
}

// Plural counts a regular noun: "1 goroutine", "2 goroutines".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// place prints a location as "file.go:12  pkg.Func", escaped.
func place(l classify.Location) string {
	if l.File == "" {
		return Escape(l.Func)
	}
	return fmt.Sprintf("%s:%d  %s", Escape(filepath.Base(l.File)), l.Line, Escape(l.Func))
}

func where(w *errWriter, p painter, label string, l classify.Location, extra string) {
	w.printf("  %s %s%s\n", p.paint("2", label), place(l), extra)
	if l.Source != "" {
		w.printf("%s%s\n", indent, p.paint("36", Escape(l.Source)))
	}
}

// indent lines up continuation lines under the text after the labels.
const indent = "          "

func ids(f *classify.Finding, max int) string {
	var b strings.Builder
	for i, id := range f.GoroutineIDs {
		if i == max {
			break
		}
		fmt.Fprintf(&b, "%d ", id)
	}
	if more := len(f.GoroutineIDs) - min(max, len(f.GoroutineIDs)) + f.IDsOmitted; more > 0 {
		fmt.Fprintf(&b, "... (+%d)", more)
	}
	return strings.TrimSpace(b.String())
}

// wrap breaks s at 100 columns, indenting continuation lines.
func wrap(s string) string { return wrapIndent(s, indent) }

// wrapIndent breaks s at 100 columns, starting continuation lines with
// indent; the first line is taken to start at the same column.
func wrapIndent(s, indent string) string {
	const width = 100
	var b strings.Builder
	col := len(indent)
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if col+1+len(word) > width {
				b.WriteString("\n" + indent)
				col = len(indent)
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

func okSummary(ok []*classify.Finding, verbose bool) string {
	byClass := map[classify.Class]int{}
	total := 0
	for _, f := range ok {
		byClass[f.Class] += f.Count
		total += f.Count
	}
	var parts []string
	for _, c := range classify.Classes {
		if n := byClass[c.Class]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c.Class, n))
		}
	}
	s := fmt.Sprintf("not leaks: %s in %s (%s)", Plural(total, "goroutine"), Plural(len(ok), "group"), strings.Join(parts, ", "))
	if !verbose {
		s += "; -v lists them"
	}
	return s
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
