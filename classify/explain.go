package classify

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// explain writes the finding's explanation and fix: the class's text, made
// specific with where, how many, how long, and what the source shows.
func (c *Classifier) explain(f *Finding) {
	info := Lookup(f.Class)
	src := c.cfg.Source
	if info.Leak {
		f.BlockedAt.Source, _ = src.Line(f.BlockedAt.File, f.BlockedAt.Line)
		f.CreatedAt.Source, _ = src.Line(f.CreatedAt.File, f.CreatedAt.Line)
	}
	if f.Class == Idle {
		f.Explanation = fmt.Sprintf("%s in %s at %s: %s.", plural(f.Count, "goroutine waits", "goroutines wait"),
			shortFunc(f.BlockedAt.Func), pos(f.BlockedAt), strings.TrimSuffix(f.Rule, "."))
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s ", plural(f.Count, "goroutine", "goroutines"))
	switch {
	case f.WaitReason == "":
		b.WriteString(verb(f.Count, "waits", "wait"))
	case f.WaitReason == "running" || f.WaitReason == "runnable":
		fmt.Fprintf(&b, "%s %s", verb(f.Count, "is", "are"), f.WaitReason)
	case !info.Leak:
		fmt.Fprintf(&b, "%s in %q", verb(f.Count, "waits", "wait"), f.WaitReason)
	default:
		fmt.Fprintf(&b, "%s in %q", verb(f.Count, "is blocked", "are blocked"), f.WaitReason)
	}
	if f.MaxMinutes > 0 {
		fmt.Fprintf(&b, " (for up to %d minutes)", f.MaxMinutes)
	}
	fmt.Fprintf(&b, " in %s at %s", shortFunc(f.BlockedAt.Func), pos(f.BlockedAt))
	if f.BlockedAt.Source != "" {
		fmt.Fprintf(&b, " (`%s`)", f.BlockedAt.Source)
	}
	if f.CreatedAt.Func != "" {
		fmt.Fprintf(&b, ", started by %s at %s", shortFunc(f.CreatedAt.Func), pos(f.CreatedAt))
		if f.CreatedByGoroutine != 0 {
			fmt.Fprintf(&b, " in goroutine %d", f.CreatedByGoroutine)
		}
	}
	b.WriteString(". ")
	if f.Proven > 0 {
		fmt.Fprintf(&b, "The runtime proved %s can never run again: nothing reachable can wake %s. ", verb(f.Count, "it", "they"), verb(f.Count, "it", "them"))
	}
	b.WriteString(info.Cause)
	if hint := c.situation(f); hint != "" && !hasEvidence(f, SourceTrap) {
		b.WriteString(" ")
		b.WriteString(hint)
	}
	switch f.Verdict {
	case Suspect:
		b.WriteString(" Evidence: ")
		for i, e := range f.Evidence {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(e.Detail)
		}
		b.WriteString(".")
	case Parked:
		b.WriteString(parkedText)
	}
	if f.Unknown != "" {
		fmt.Fprintf(&b, " This input cannot tell %s.", f.Unknown)
	}
	f.Explanation = b.String()
	f.Fix = info.Fix
	if fix := c.concreteFix(f); fix != "" {
		f.Fix = fix + " " + info.Fix
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// shortFunc drops the import path but its last element:
// "github.com/x/y/demo.lookup" becomes "demo.lookup".
func shortFunc(f string) string {
	if f == "" {
		return "a function not in the stack"
	}
	return f[strings.LastIndexByte(f, '/')+1:]
}

// pos prints a location as file.go:12.
func pos(l Location) string {
	if l.File == "" {
		return "an unknown line"
	}
	return fmt.Sprintf("%s:%d", filepath.Base(l.File), l.Line)
}

var timeoutCase = regexp.MustCompile(`case\s*<-\s*(time\.After\(|.*\.Done\(\)|.*\.C\b|ctx)`)

// situation looks at the code around the go statement for the classic
// shapes, so the explanation can name the path that leaks.
func (c *Classifier) situation(f *Finding) string {
	src := c.cfg.Source
	if src == nil || f.CreatedAt.File == "" {
		return ""
	}
	switch f.Class {
	case SendNoReceiver:
		if l, n := src.findForward(f.CreatedAt.File, f.CreatedAt.Line, 40, timeoutCase.MatchString); n > 0 {
			return fmt.Sprintf("Here the function that started it selects with a timeout (%q, line %d): when that case wins it returns, and the result is never received.", l, n)
		}
		if _, n := src.findForward(f.CreatedAt.File, f.CreatedAt.Line, 40, func(l string) bool { return strings.HasPrefix(l, "return") }); n > 0 {
			return fmt.Sprintf("The function that started it can return (line %d) before receiving.", n)
		}
	case ReceiveNoSender, RangeNeverClosed:
		if _, n := src.findForward(f.CreatedAt.File, f.CreatedAt.Line, 60, func(l string) bool { return strings.Contains(l, "close(") }); n == 0 {
			return "No close( appears near the go statement."
		}
	}
	return ""
}

var makeChan = regexp.MustCompile(`make\(chan ([^,()]+|[^,]*\([^)]*\)[^,]*)\)`)

// concreteFix names the line to change when the source shows it: the
// unbuffered make of a result channel that a timeout abandons.
func (c *Classifier) concreteFix(f *Finding) string {
	src := c.cfg.Source
	if src == nil || f.Class != SendNoReceiver || f.CreatedAt.File == "" {
		return ""
	}
	l, n := src.findBack(f.CreatedAt.File, f.CreatedAt.Line, 30, makeChan.MatchString)
	if n == 0 {
		return ""
	}
	m := makeChan.FindStringSubmatch(l)
	return fmt.Sprintf("At %s:%d change %s to make(chan %s, 1).", filepath.Base(f.CreatedAt.File), n, m[0], m[1])
}

func hasEvidence(f *Finding, k EvidenceKind) bool {
	for _, e := range f.Evidence {
		if e.Kind == k {
			return true
		}
	}
	return false
}

// parkedText ends the explanation of a parked finding; Note replaces it
// with the evidence that makes the finding suspect.
const parkedText = " Nothing read here shows a leak: a healthy program parks goroutines like these too. " +
	"The runtime's leak proof (Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile), " +
	"growth over time (leakhound watch) or a test (leakhound.Track) would tell."
