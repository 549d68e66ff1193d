package monitor

import (
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leakhound/leakhound/classify"
)

// Key names a group of goroutines across samples: the class, the line that
// blocks and the go statement that started them, as a finding groups them.
// Source lines are left out so that a sample that read the source and one
// that did not name the same group.
type Key struct {
	Class   classify.Class
	Blocked classify.Location // Source is always empty
	Created classify.Location // empty when the sample was a profile, which has no "created by"
}

// KeyOf returns the key of the group f belongs to.
func KeyOf(f *classify.Finding) Key {
	k := Key{Class: f.Class, Blocked: f.BlockedAt, Created: f.CreatedAt}
	k.Blocked.Source, k.Created.Source = "", ""
	return k
}

// String names the group in one line:
// "send-no-receiver at endpoints.go:34 demo.lookup, created at endpoints.go:42".
func (k Key) String() string {
	s := fmt.Sprintf("%s at %s", k.Class, where(k.Blocked))
	if k.Created.Func != "" {
		s += ", created at " + where(k.Created)
	}
	return s
}

func where(l classify.Location) string {
	if l.File == "" {
		return l.Func
	}
	return fmt.Sprintf("%s:%d %s", filepath.Base(l.File), l.Line, l.Func)
}

// ident is what a group is known by across samples: what a full dump and
// a goroutine profile of the same goroutines both show. The class itself
// can differ between them (a profile has no wait reason, so the classifier
// infers the wait from the runtime's frames), so only its family counts.
type ident struct {
	family           string
	blocked, created classify.Location // Source is always empty
}

func identOf(f *classify.Finding) ident {
	k := KeyOf(f)
	return ident{family(k.Class), k.Blocked, k.Created}
}

// site is an ident without its creation site: profiles and dumps of the
// same goroutines agree on it.
type site struct {
	family  string
	blocked classify.Location
}

func (id ident) site() site { return site{id.family, id.blocked} }

// family names the classes that a dump and a profile can give the same
// goroutines at one line. A send or receive on a nil channel stays apart,
// since both forms tell it (by the wait reason, or by the runtime line it
// parks from) and the same line can block on a nil and a made channel;
// goroutines on a CPU stay apart from those parked there.
func family(c classify.Class) string {
	switch c {
	case classify.NilChannelSend, classify.NilChannelReceive:
		return string(c)
	case classify.Running, classify.Runnable:
		return "running"
	}
	return "parked"
}

// Point is a group's goroutine count in one sample.
type Point struct {
	Time  time.Time `json:"time"`
	Count int       `json:"count"`
}

// Group is one group's state across the samples a Tracker observed.
type Group struct {
	// Key names the group: its class is the latest finding's, its creation
	// site the one a full dump named, kept while profiles come.
	Key Key
	// Finding is the latest finding of the group: from the last sample when
	// the group was in it, else from LastSeen. Where that sample was a
	// profile and an earlier full dump named the group's creation site, the
	// finding keeps the dump's class, creation site and fix, which need it
	// (see Learned).
	Finding *classify.Finding
	// Learned is when a full dump last showed the group, with its creation
	// site; zero if none has.
	Learned time.Time
	// History holds the group's counts in the samples since it was first
	// seen, oldest first, at most TrackerConfig.History of them; a sample
	// without the group's goroutines counts 0.
	History    []Point
	FirstSeen  time.Time // the first sample with goroutines of the group
	LastSeen   time.Time // the last sample with goroutines of the group
	FirstCount int       // the count at FirstSeen
	Count      int       // the count in the last sample
	Growth     int       // Count - FirstCount: the growth since first seen
	// Growing is set when the count rose to a new high in each of the
	// last Rise samples.
	Growing bool
	// GrewAt is the last sample at which the group was growing; zero if never.
	GrewAt time.Time
	// Grown is set from the time the group grows for as long as its count
	// stays above halfway between where that rise started and where it
	// ended: a leak that pauses stays flagged, a busy group that fell back
	// does not.
	Grown bool
	// Old is set when the group's goroutines wait in a leak class for
	// TrackerConfig.Minutes or more (known only from full dumps).
	Old bool
	// Proven is set when the runtime proved some of them leaked.
	Proven bool
	// ProvenCount is how many of Count the runtime proved leaked.
	ProvenCount int
	// Verdicts counts the goroutines of the last sample by verdict: where
	// the runtime proved some of the group's goroutines and not the others,
	// they are separate findings with a verdict each, and Finding is the
	// largest of them. Nil when the group was not in the last sample.
	Verdicts map[classify.Verdict]int
}

// Leaking reports whether the group needs a person's attention: growing or
// grown, waiting too long in a leak class, or proven leaked.
func (g *Group) Leaking() bool { return g.Growing || g.Grown || g.Old || g.Proven }

// TrackerConfig tunes a Tracker. The zero value is ready to use.
type TrackerConfig struct {
	// History is how many samples each group keeps; 0 means 120 (an hour
	// at the monitor's default interval).
	History int
	// Rise is how many consecutive rises, each to a new high, make a group
	// growing; 0 means 3.
	Rise int
	// Minutes is how long goroutines wait in a leak class before their
	// group is old; 0 means 10.
	Minutes int
	// MaxGroups bounds the groups kept; 0 means 1000. The smallest groups
	// that are not leaking go first.
	MaxGroups int
}

func (c *TrackerConfig) defaults() {
	if c.History <= 0 {
		c.History = 120
	}
	if c.Rise <= 0 {
		c.Rise = 3
	}
	c.History = max(c.History, c.Rise+1)
	if c.Minutes <= 0 {
		c.Minutes = 10
	}
	if c.MaxGroups <= 0 {
		c.MaxGroups = 1000
	}
}

// Tracker follows groups of goroutines across reports: their history,
// which ones grow, and when the process behind them restarted. It samples
// nothing itself, so the watch command can feed it reports read from remote
// services; a Monitor feeds it its own process's. Safe for concurrent use.
type Tracker struct {
	cfg TrackerConfig

	mu       sync.Mutex
	groups   map[ident]*tracked
	samples  int
	last     time.Time
	report   *classify.Report
	restarts []time.Time
	// oldIDs are the ids of goroutines that had waited a minute or more in
	// a leak class at the last sample: a live process cannot lose them all
	// at once, a restarted one has.
	oldIDs []int64
	// process identifies the process of the last sample, when known.
	process string
	// created maps the ids of the last sample's goroutines, where a dump
	// gave them, to where each was created. A process never gives one id
	// to two goroutines, so an id created elsewhere now is a new process.
	created map[int64]classify.Location
}

type tracked struct {
	Group
	id    ident
	ring  []Point // History, as a ring
	next  int     // where the next point goes
	full  bool    // the ring has wrapped
	count int     // the count in the sample being observed
	// fs are the findings of the group in the sample being observed: more
	// than one where the runtime proved some of its goroutines and not
	// the others, which are separate findings.
	fs []*classify.Finding
	// learned is the group's last finding from a sample that named its
	// creation site: a full dump.
	learned *classify.Finding
	// riseFrom and riseTo are the counts before and at the end of the last
	// rise that made the group growing.
	riseFrom, riseTo int
}

// NewTracker returns a Tracker with no history.
func NewTracker(cfg TrackerConfig) *Tracker {
	cfg.defaults()
	return &Tracker{cfg: cfg, groups: make(map[ident]*tracked)}
}

// Config returns the configuration in use, defaults filled in.
func (t *Tracker) Config() TrackerConfig { return t.cfg }

// Observe adds one sample: the report of the process's goroutines at at.
// A nil report is ignored. When the report shows that the process behind
// the previous samples restarted, the history is dropped (as Reset does)
// before the report is added; Restarts says when.
//
// A report read from a profile has no creation sites; its findings count
// towards the group with the same blocking line and kind of wait that a
// full dump named, when there is exactly one, so a tracker fed both kinds
// keeps one history per group, and the class and fix the dump gave.
func (t *Tracker) Observe(at time.Time, r *classify.Report) {
	t.ObserveProcess(at, "", r)
}

// Growth is evidence of a leak: the findings of a group that grows, or
// grew and stays up, get it noted (classify.Growth), which makes a parked
// finding suspect; r is changed in place and its counts follow.
//
// ObserveProcess is Observe with the identity of the process r was read
// from, such as pprofstack.Process gives for its goroutine profile: a
// report from another process than the last sample's is a restart, even
// when no sample was missed between them. "" means unknown; the report
// alone must then show the restart.
func (t *Tracker) ObserveProcess(at time.Time, process string, r *classify.Report) {
	if r == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if (process != "" && t.process != "" && process != t.process) || t.restarted(r) {
		t.reset(at)
	}
	if process != "" {
		t.process = process
	}
	bySite := make(map[site][]*tracked)
	for _, g := range t.groups {
		s := g.id.site()
		bySite[s] = append(bySite[s], g)
	}
	for _, f := range r.Findings {
		g := t.match(identOf(f), bySite)
		g.count += f.Count
		g.fs = append(g.fs, f)
	}
	noted := false
	for _, g := range t.groups {
		noted = t.add(g, at) || noted
	}
	if noted {
		r.Keep(func(*classify.Finding) bool { return true }) // counts the verdicts again
	}
	t.evict()
	t.samples++
	t.last, t.report = at, r
	t.oldIDs = t.oldIDs[:0]
	clear(t.created)
	for _, f := range r.Findings {
		if f.Class.IsLeak() && f.MaxMinutes > 0 {
			t.oldIDs = append(t.oldIDs, f.GoroutineIDs...)
		}
		if f.CreatedAt.Func == "" {
			continue
		}
		if t.created == nil {
			t.created = make(map[int64]classify.Location)
		}
		for _, id := range f.GoroutineIDs {
			t.created[id] = createdAt(f)
		}
	}
}

// createdAt is where f's goroutines were created, less the source line.
func createdAt(f *classify.Finding) classify.Location {
	return classify.Location{Func: f.CreatedAt.Func, File: f.CreatedAt.File, Line: f.CreatedAt.Line}
}

// match returns the group of id, making it when there is none.
func (t *Tracker) match(id ident, bySite map[site][]*tracked) *tracked {
	if g := t.groups[id]; g != nil {
		return g
	}
	s := id.site()
	if same := bySite[s]; len(same) == 1 {
		g := same[0]
		switch {
		case id.created.Func == "":
			// A profile's finding: the goroutines of the one group a
			// dump named at this line.
			return g
		case g.id.created.Func == "":
			// A dump names the creation site a profile could not.
			delete(t.groups, g.id)
			g.id = id
			t.groups[id] = g
			return g
		}
	}
	g := &tracked{id: id, ring: make([]Point, t.cfg.History)}
	t.groups[id] = g
	bySite[s] = append(bySite[s], g)
	return g
}

// add records the count g gathered in the sample at at, and reports
// whether it noted growth on the sample's findings.
func (t *Tracker) add(g *tracked, at time.Time) (noted bool) {
	n := g.count
	g.count = 0
	fs := g.fs
	g.fs = nil
	var f *classify.Finding // the largest: its class, explanation and fix stand for the group
	maxMinutes := 0
	g.ProvenCount = 0
	for _, x := range fs {
		if f == nil || x.Count > f.Count {
			f = x
		}
		g.ProvenCount += x.Proven
		maxMinutes = max(maxMinutes, x.MaxMinutes)
	}
	if f != nil {
		if f.CreatedAt.Func != "" {
			g.learned, g.Learned = f, at
		}
		g.Finding = f
		if f.CreatedAt.Func == "" && g.learned != nil {
			g.Finding = withLearned(f, g.learned, g.Learned)
		}
		g.Key = KeyOf(g.Finding)
		g.Key.Created = g.id.created
	}
	if n > 0 {
		if g.FirstSeen.IsZero() {
			g.FirstSeen, g.FirstCount = at, n
		}
		g.LastSeen = at
	}
	g.ring[g.next] = Point{Time: at, Count: n}
	g.next = (g.next + 1) % len(g.ring)
	g.full = g.full || g.next == 0
	g.Count = n
	g.Growth = n - g.FirstCount
	from, rose := t.rose(g)
	g.Growing = canGrow(g.Key) && rose
	if g.Growing {
		g.GrewAt, g.riseFrom, g.riseTo = at, from, n
	}
	g.Grown = !g.GrewAt.IsZero() && 2*n > g.riseFrom+g.riseTo
	g.Proven = n > 0 && g.ProvenCount > 0
	g.Old = n > 0 && g.Key.Class.IsLeak() && maxMinutes >= t.cfg.Minutes
	if f != nil && (g.Growing || g.Grown) && canGrow(g.Key) {
		e := classify.Evidence{Kind: classify.Growth, Detail: fmt.Sprintf(
			"The group grew to a new high in %d samples in a row, from %d to %d goroutines, and has not fallen back.",
			t.cfg.Rise, g.riseFrom, g.riseTo)}
		for _, x := range fs {
			x.Note(e)
		}
		if g.Finding != f {
			g.Finding.Note(e)
		}
		noted = true
	}
	g.Verdicts = nil
	for _, x := range fs {
		v := x.Verdict
		if x == f {
			v = g.Finding.Verdict // as the dump's knowledge may have changed it
		}
		if g.Verdicts == nil {
			g.Verdicts = make(map[classify.Verdict]int, 2)
		}
		g.Verdicts[v] += x.Count
	}
	return noted
}

// withLearned returns a profile's finding f with what the full dump that
// gave learned knew and the profile cannot: the class (which the wait
// reason names more exactly), the creation site, the evidence the code
// around it shows and the fix that quotes it. The counts and the proof
// stay the profile's.
func withLearned(f, learned *classify.Finding, when time.Time) *classify.Finding {
	c := *f
	c.Evidence = slices.Clone(f.Evidence)
	c.Class, c.CreatedAt, c.Fix = learned.Class, learned.CreatedAt, learned.Fix
	if c.WaitReason == "" {
		c.WaitReason = learned.WaitReason
	}
	if c.Verdict == classify.OK && learned.Class.IsLeak() {
		c.Verdict = classify.Parked
	}
	for _, e := range learned.Evidence {
		if e.Kind != classify.Proof { // the proof is the profile's to give
			c.Note(e)
		}
	}
	c.Explanation = strings.TrimSpace(c.Explanation + " " + fmt.Sprintf(
		"The class, creation site and fix are from the full dump of %s: a goroutine profile names no creation site.",
		when.Format("15:04:05")))
	return &c
}

// canGrow leaves out groups whose goroutines come and go by nature, and
// those idle by design (servers' connections, accept loops), whose counts
// follow the load, so that a busy service does not look like a leaking one.
func canGrow(k Key) bool {
	switch k.Class {
	case classify.Running, classify.Runnable, classify.Sleeping, classify.System, classify.Idle:
		return false
	}
	// Goroutines created but not yet started have no stack in a profile.
	return k.Blocked.Func != ""
}

// rose reports whether the last Rise samples each raised g's count to a
// new high, and the count before them. Leaked goroutines never leave, so a
// leak sets a new high at every step; a busy group that only moves within
// the band it has already reached does not.
func (t *Tracker) rose(g *tracked) (from int, ok bool) {
	n := len(g.ring)
	if !g.full && g.next < t.cfg.Rise+1 {
		return 0, false
	}
	at := func(back int) int { return g.ring[(g.next-1-back+2*n)%n].Count }
	for i := 0; i < t.cfg.Rise-1; i++ {
		if at(i) <= at(i+1) {
			return 0, false
		}
	}
	held := n
	if !g.full {
		held = g.next
	}
	first := at(t.cfg.Rise - 1)
	for back := t.cfg.Rise; back < held; back++ {
		if at(back) >= first {
			return 0, false
		}
	}
	return at(t.cfg.Rise), true
}

// evict drops groups absent from every sample they still hold, then the
// smallest groups that are not leaking while there are too many.
func (t *Tracker) evict() {
	for id, g := range t.groups {
		if g.Count == 0 && g.full && !slices.ContainsFunc(g.ring, func(p Point) bool { return p.Count > 0 }) {
			delete(t.groups, id)
		}
	}
	if len(t.groups) <= t.cfg.MaxGroups {
		return
	}
	all := make([]*tracked, 0, len(t.groups))
	for _, g := range t.groups {
		all = append(all, g)
	}
	slices.SortFunc(all, func(a, b *tracked) int { return -compareGroups(&a.Group, &b.Group) })
	for _, g := range all[:len(all)-t.cfg.MaxGroups] {
		delete(t.groups, g.id)
	}
}

// restarted reports whether r comes from a new process: goroutines that
// cannot go away in a live process went away. The runtime's proven leaks
// never run again; goroutines that waited a minute in a leak class may
// leave, but not all at once while the rest of the process lives on with
// new ids.
func (t *Tracker) restarted(r *classify.Report) bool {
	if t.samples == 0 {
		return false
	}
	now := make(map[site]int, len(r.Findings))
	ids := make(map[int64]bool)
	for _, f := range r.Findings {
		now[identOf(f).site()] += f.Count
		for _, id := range f.GoroutineIDs {
			ids[id] = true
		}
	}
	for _, g := range t.groups {
		// A profile cannot name the creation site, so the goroutines at
		// the group's line under any creation site count.
		if g.Count > 0 && g.ProvenCount > 0 && now[g.id.site()] < g.ProvenCount {
			return true
		}
	}
	for _, f := range r.Findings {
		if f.CreatedAt.Func == "" {
			continue
		}
		for _, id := range f.GoroutineIDs {
			if was, ok := t.created[id]; ok && was != createdAt(f) {
				return true
			}
		}
	}
	if len(t.oldIDs) == 0 || len(ids) == 0 || r.Total >= t.report.Total {
		return false
	}
	for _, id := range t.oldIDs {
		if ids[id] {
			return false
		}
	}
	return true
}

// Reset forgets every group's history, as after a restart of the process
// the reports come from; at is recorded in Restarts.
func (t *Tracker) Reset(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reset(at)
}

func (t *Tracker) reset(at time.Time) {
	clear(t.groups)
	clear(t.created)
	t.oldIDs = t.oldIDs[:0]
	t.process = ""
	t.restarts = append(t.restarts, at)
	if len(t.restarts) > 100 {
		t.restarts = slices.Delete(t.restarts, 0, len(t.restarts)-100)
	}
}

// Restarts returns when restarts were detected or Reset was called, oldest
// first (the last 100).
func (t *Tracker) Restarts() []time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.restarts)
}

// Samples returns how many reports Observe added.
func (t *Tracker) Samples() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.samples
}

// Latest returns the last report observed and its time; nil before the
// first. The report is shared: do not modify it.
func (t *Tracker) Latest() (time.Time, *classify.Report) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last, t.report
}

// Groups returns a copy of every group, those that need attention first
// (proven, growing, old), then the largest.
func (t *Tracker) Groups() []Group { return t.groupsWith(true) }

// Summary is Groups without the histories, for readers that want only the
// latest counts (a metrics scrape) and should not copy every ring.
func (t *Tracker) Summary() []Group { return t.groupsWith(false) }

func (t *Tracker) groupsWith(history bool) []Group {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Group, 0, len(t.groups))
	for _, g := range t.groups {
		c := g.Group
		c.Verdicts = maps.Clone(g.Verdicts)
		if history {
			c.History = g.history()
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Group) int { return compareGroups(&a, &b) })
	return out
}

// history returns the ring's points, oldest first.
func (g *tracked) history() []Point {
	var pts []Point
	if g.full {
		pts = append(pts, g.ring[g.next:]...)
	}
	return append(pts, g.ring[:g.next]...)
}

// compareGroups orders groups by how much they need attention.
func compareGroups(a, b *Group) int {
	rank := func(g *Group) int {
		switch {
		case g.Proven:
			return 0
		case g.Growing:
			return 1
		case g.Grown:
			return 2
		case g.Old:
			return 3
		case g.Count > 0 && g.Key.Class.IsLeak():
			return 4
		}
		return 5
	}
	return cmp.Or(
		cmp.Compare(rank(a), rank(b)),
		cmp.Compare(b.Count, a.Count),
		cmp.Compare(b.Growth, a.Growth),
		cmp.Compare(a.Key.Class, b.Key.Class),
		compareLocations(a.Key.Blocked, b.Key.Blocked),
		compareLocations(a.Key.Created, b.Key.Created),
	)
}

func compareLocations(a, b classify.Location) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Func, b.Func))
}
