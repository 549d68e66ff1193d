package classify

// Verdict says how sure a finding is.
type Verdict string

const (
	// Leak: the runtime proved these goroutines can never run again (the
	// goroutineleak profile marked them "(leaked)").
	Leak Verdict = "leak"
	// Suspect: the evidence points to a leak (a leak-prone wait, a long
	// wait, many identical goroutines) but nothing proves it.
	Suspect Verdict = "suspect"
	// OK: not a leak as far as the evidence goes.
	OK Verdict = "ok"
)

func (v Verdict) rank() int {
	switch v {
	case Leak:
		return 0
	case Suspect:
		return 1
	}
	return 2
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
	Verdict      Verdict  `json:"verdict"`
	Class        Class    `json:"class"`
	WaitReason   string   `json:"wait_reason"`
	Count        int      `json:"count"`
	Proven       int      `json:"proven"` // how many of Count the runtime proved leaked
	GoroutineIDs []int64  `json:"goroutine_ids"`
	MaxMinutes   int      `json:"max_minutes"`
	BlockedAt    Location `json:"blocked_at"`
	CreatedAt    Location `json:"created_at"`
	// CreatedByGoroutine is the id of the goroutine that ran the go
	// statement (of the first goroutine in the group); 0 when unknown.
	CreatedByGoroutine int64             `json:"created_by_goroutine"`
	Labels             map[string]string `json:"labels,omitempty"`
	Stack              []Location        `json:"stack"`
	Explanation        string            `json:"explanation"`
	Fix                string            `json:"fix,omitempty"`
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
}

// Report is everything a classification found.
type Report struct {
	// Goroutines is how many goroutines the input held (profile stacks count
	// as many as they stand for).
	Total      int             `json:"total"`
	Leaks      int             `json:"leaks"`    // goroutines in leak findings
	Suspects   int             `json:"suspects"` // goroutines in suspect findings
	Findings   []*Finding      `json:"findings"`
	Goroutines []GoroutineInfo `json:"goroutines,omitempty"`
}
