package classify

import (
	"slices"
	"strings"
)

// Verdict says how sure a finding is.
type Verdict string

const (
	// Leak: the runtime proved these goroutines can never run again (the
	// goroutineleak profile marked them "(leaked)").
	Leak Verdict = "leak"
	// Suspect: the goroutines wait in a leak class and the finding names
	// evidence of a leak (see Evidence) that falls short of proof.
	Suspect Verdict = "suspect"
	// Parked: the goroutines wait in a leak class, but nothing in what was
	// read shows a leak: a healthy program parks goroutines like these too.
	// Parked findings do not fail a run; the runtime's proof, growth over
	// time (watch, the monitor) or the test helper decide them.
	Parked Verdict = "parked"
	// OK: not a leak as far as the evidence goes.
	OK Verdict = "ok"
)

func (v Verdict) rank() int {
	switch v {
	case Leak:
		return 0
	case Suspect:
		return 1
	case Parked:
		return 2
	}
	return 3
}

// EvidenceKind names one kind of evidence that goroutines leaked. The ids
// are stable: they appear in JSON and metrics.
type EvidenceKind string

const (
	// Proof: the runtime's leak-detecting GC proved the goroutines can
	// never run again.
	Proof EvidenceKind = "proof"
	// NeverWakes: the wait cannot end by construction: a nil channel, a
	// select with no cases, the Done channel of a context that has none.
	NeverWakes EvidenceKind = "never-wakes"
	// SourceTrap: the source shows the shape of a leak: a timeout select
	// over an unbuffered result channel, a channel that nothing sends to or
	// closes after the go statement, a lock not released on a return path.
	SourceTrap EvidenceKind = "source"
	// Concentration: more goroutines wait at one place than a healthy
	// program builds (see Config.Concentration).
	Concentration EvidenceKind = "concentration"
	// OutlivedRequest: the goroutines were started while serving an HTTP
	// request that is over, and still wait.
	OutlivedRequest EvidenceKind = "outlived-request"
	// Abandoned: several goroutines started them and all of those have
	// exited: nothing that started them is left to feed or wait for them.
	Abandoned EvidenceKind = "abandoned"
	// LongWait: the goroutines have waited for longer than the wait
	// plausibly takes (I/O past Config.IOMinutes).
	LongWait EvidenceKind = "long-wait"
	// Growth: the group kept growing across samples (watch, the monitor).
	Growth EvidenceKind = "growth"
)

// Evidence is one reason to call goroutines leaked.
type Evidence struct {
	Kind   EvidenceKind `json:"kind"`
	Detail string       `json:"detail"` // one sentence for a person
}

// Location is a place in the code.
type Location struct {
	Func string `json:"func"`
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Source is the line of code at File:Line, when the file could be read.
	Source string `json:"source,omitempty"`
}

// Finding is a group of goroutines with the same class, blocking frame and
// creation site.
type Finding struct {
	Verdict    Verdict `json:"verdict"`
	Class      Class   `json:"class"`
	WaitReason string  `json:"wait_reason"`
	Count      int     `json:"count"`
	// Proven is how many of Count the runtime proved leaked: all of them
	// or none, since proven and unproven goroutines at one place are
	// separate findings.
	Proven       int     `json:"proven"`
	GoroutineIDs []int64 `json:"goroutine_ids"`
	// IDsOmitted is how many of their ids GoroutineIDs leaves out, cut by
	// Config.MaxIDs; 0 when it lists every id the input gave.
	IDsOmitted int      `json:"goroutine_ids_omitted,omitempty"`
	MaxMinutes int      `json:"max_minutes"`
	BlockedAt  Location `json:"blocked_at"`
	CreatedAt  Location `json:"created_at"`
	// CreatedByGoroutine is the id of the goroutine that ran the go
	// statement when one goroutine started them all; 0 when unknown or
	// when Creators says more did.
	CreatedByGoroutine int64 `json:"created_by_goroutine"`
	// Creators is how many distinct goroutines ran the go statement, as far
	// as the dump tells (counted up to MaxCreators); 0 when unknown.
	Creators int               `json:"creators,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Stack    []Location        `json:"stack"`
	// Evidence lists why a suspect or a leak is called one; empty for
	// parked and ok findings.
	Evidence []Evidence `json:"evidence,omitempty"`
	// Unknown says what the input form could not tell about these
	// goroutines, and which form would; empty when it told everything the
	// verdict needs.
	Unknown     string `json:"unknown,omitempty"`
	Explanation string `json:"explanation"`
	Fix         string `json:"fix,omitempty"`
	// Rule is the reason an idle rule gave, for class idle.
	Rule string `json:"rule,omitempty"`
}

// GoroutineInfo is one goroutine of a dump, in brief.
type GoroutineInfo struct {
	ID int64 `json:"id"`
	// Function is the goroutine's entry function: the frame just above
	// "created by", as in the dump.
	Function   string  `json:"function"`
	WaitReason string  `json:"wait_reason"`
	Minutes    int     `json:"minutes,omitempty"`
	Class      Class   `json:"class"`
	Verdict    Verdict `json:"verdict"`
	Count      int     `json:"count,omitempty"` // >1 for profile stacks, which have no ids
	// finding is the finding it is in, so that Report.Keep drops the
	// entries of a dropped finding exactly, profile stacks too, which
	// have no id to match; nil in a report decoded from JSON.
	finding *Finding
}

// Report is everything a classification found.
type Report struct {
	// Goroutines is how many goroutines the input held (profile stacks count
	// as many as they stand for).
	Total      int             `json:"total"`
	Leaks      int             `json:"leaks"`    // goroutines in leak findings
	Suspects   int             `json:"suspects"` // goroutines in suspect findings
	Parked     int             `json:"parked"`   // goroutines in parked findings
	Findings   []*Finding      `json:"findings"`
	Goroutines []GoroutineInfo `json:"goroutines,omitempty"`
}

// Note adds evidence to f, which makes a parked finding suspect. Watch and
// the monitor note growth they see across samples.
func (f *Finding) Note(e Evidence) {
	if slices.ContainsFunc(f.Evidence, func(x Evidence) bool { return x.Kind == e.Kind }) {
		return
	}
	f.Evidence = append(f.Evidence, e)
	detail := strings.TrimSuffix(e.Detail, ".")
	switch f.Verdict {
	case Parked:
		f.Verdict = Suspect
		f.Explanation = strings.Replace(f.Explanation, parkedText, " Evidence: "+detail+".", 1)
	case Suspect:
		f.Explanation = strings.Replace(f.Explanation, " Evidence: ", " Evidence: "+detail+"; ", 1)
	}
}
