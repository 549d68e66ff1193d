package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/internal/remote"
	"github.com/leakhound/leakhound/pprofstack"
	"github.com/leakhound/leakhound/stack"
)

// Full says when a sample takes a full dump (runtime.Stack of every
// goroutine), which gives ids, wait minutes and creation sites but stops
// the world for the whole dump: about 0.1 s at 10k goroutines.
type Full int

const (
	FullAuto   Full = iota // below Config.FullBelow goroutines
	FullAlways             // whatever the count: can pause a large process for a second
	FullNever              // the goroutine profile only
)

// Config tunes a Monitor. The zero value is ready to use.
type Config struct {
	// Interval is the time between samples; 0 means 30 s.
	Interval time.Duration
	Full     Full
	// FullBelow is the goroutine count under which FullAuto takes a full
	// dump; 0 means 1000 (a pause of about 10 ms).
	FullBelow int
	// ProofEvery is how many samples apart the runtime's leak proof (the
	// goroutineleak profile, one leak-detecting GC) is taken, when the
	// runtime has it; 0 means 10, negative means never.
	ProofEvery int
	// Tracker tunes the history and growth detection.
	Tracker TrackerConfig
	// Classify tunes the classifier. A nil Source reads the source lines
	// findings point at by the paths the binary was built with, when they
	// exist on this machine.
	Classify classify.Config
}

func (c *Config) defaults() {
	if c.Interval <= 0 {
		c.Interval = 30 * time.Second
	}
	if c.FullBelow <= 0 {
		c.FullBelow = 1000
	}
	if c.ProofEvery == 0 {
		c.ProofEvery = 10
	}
	if c.Classify.Source == nil {
		c.Classify.Source = &classify.Source{UseDumpPaths: true}
	}
	c.Classify.KeepGoroutines = false
	c.Tracker.defaults()
}

// Sample is one look at the process's goroutines and what it cost.
type Sample struct {
	Seq        int       // 1 for the first sample
	Time       time.Time // when it started
	Goroutines int
	Full       bool // a full dump, with ids, wait minutes and creation sites
	Proof      bool // the runtime's leak proof is merged in
	ProofTaken bool // this sample ran the leak-detecting GC
	// Wall is the sample's duration: capture, parse and classification.
	Wall time.Duration
	// Pause is the longest stop-the-world pause of the process while the
	// sample ran (from runtime/metrics, rounded up to its histogram bucket,
	// and including pauses the sample did not cause, such as a GC's).
	Pause  time.Duration
	Report *classify.Report
}

// Input says where the sample's goroutines came from, for report.Document.
func (s *Sample) Input() string {
	what := "goroutine profile"
	if s.Full {
		what = "full dump"
	}
	if s.Proof {
		what += " with the runtime's leak proof"
	}
	return fmt.Sprintf("this process (%s)", what)
}

// Monitor samples its own process's goroutines on an interval, classifies
// them, and tracks each group over time. Each sample reads the goroutine
// profile, whose longest pause is well under a millisecond even at 100k
// goroutines; full dumps are taken only where they are cheap or asked for.
// Its methods are safe for concurrent use.
type Monitor struct {
	cfg      Config
	tracker  *Tracker
	canProve bool

	sampleMu sync.Mutex         // one sample at a time
	buf      []byte             // the full dump buffer, reused
	creators *creators          // creation sites learned from dumps, for profiles
	proof    []*stack.Goroutine // the last leak proof's goroutines, for profiles
	proved   bool               // a leak proof ran: dumps show its marks
	// pauses are the runtime's pause histograms before and after a sample;
	// two slices, since metrics.Read reuses a sample's histogram.
	pauses [2][]metrics.Sample

	// cache holds the handler's responses for the last sample.
	cacheMu sync.Mutex
	cache   bodies
	encodes atomic.Int64 // responses encoded, for tests

	mu      sync.Mutex
	last    *Sample
	costs   []Sample // the last samples, without reports, oldest first
	cancel  context.CancelFunc
	done    chan struct{}
	loopErr error
}

// New returns a Monitor that has taken no sample yet; Start begins sampling.
func New(cfg Config) *Monitor {
	cfg.defaults()
	return &Monitor{
		cfg:      cfg,
		tracker:  NewTracker(cfg.Tracker),
		canProve: pprof.Lookup("goroutineleak") != nil,
		pauses:   [2][]metrics.Sample{pauseMetrics(), pauseMetrics()},
		creators: newCreators(),
	}
}

// Config returns the configuration in use, defaults filled in.
func (m *Monitor) Config() Config { return m.cfg }

// Tracker returns the tracker the samples feed.
func (m *Monitor) Tracker() *Tracker { return m.tracker }

// ErrRunning is returned by Start when the monitor is already sampling.
var ErrRunning = errors.New("monitor: already started")

// Start takes a first sample, then samples every Interval on a goroutine of
// its own until ctx is done or Stop is called.
func (m *Monitor) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done != nil {
		return ErrRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	m.cancel, m.done = cancel, done
	go m.loop(ctx, done)
	return nil
}

// Stop ends sampling and waits for the sampling goroutine to return. It is
// safe to call when not started, and Start may be called again after it.
func (m *Monitor) Stop() {
	m.mu.Lock()
	cancel, done := m.cancel, m.done
	m.mu.Unlock()
	if done == nil {
		return
	}
	cancel()
	<-done
	m.mu.Lock()
	if m.done == done {
		m.cancel, m.done = nil, nil
	}
	m.mu.Unlock()
}

// loop is the sampling goroutine. Its name is on classify's idle list.
func (m *Monitor) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(m.cfg.Interval)
	defer tick.Stop()
	for {
		_, err := m.sample(false)
		m.mu.Lock()
		m.loopErr = err // a success clears an earlier failure
		m.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Err returns the error of the last sample the monitor's own loop took, or
// nil when it succeeded.
func (m *Monitor) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.loopErr
}

// Sample takes a sample now and adds it to the history, as the loop does.
// With full set it takes a full dump whatever the goroutine count: at 100k
// goroutines that stops the world for about a second.
func (m *Monitor) Sample(full bool) (*Sample, error) { return m.sample(full) }

// Last returns the latest sample, or nil before the first. It is shared:
// do not modify it.
func (m *Monitor) Last() *Sample {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// Costs returns the last samples (as many as the tracker's History) without
// their reports, oldest first: when each ran and what it cost.
func (m *Monitor) Costs() []Sample {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Sample(nil), m.costs...)
}

func (m *Monitor) sample(forceFull bool) (*Sample, error) {
	m.sampleMu.Lock()
	defer m.sampleMu.Unlock()
	before, after := m.pauses[0], m.pauses[1]
	metrics.Read(before)

	s := &Sample{Time: time.Now()}
	n := runtime.NumGoroutine()
	s.Full = forceFull || m.cfg.Full == FullAlways || (m.cfg.Full == FullAuto && n < m.cfg.FullBelow)
	prove := m.canProve && m.cfg.ProofEvery > 0 && m.tracker.Samples()%m.cfg.ProofEvery == 0
	c := classify.New(m.cfg.Classify)
	var err error
	if s.Full {
		err = m.dump(s, prove, c)
	} else {
		err = m.profile(s, prove, c)
	}
	if err != nil {
		return nil, err
	}
	s.Report = c.Report()
	s.Goroutines = s.Report.Total
	s.Wall = time.Since(s.Time)
	metrics.Read(after)
	for i := range after {
		s.Pause = max(s.Pause, longest(before[i].Value.Float64Histogram(), after[i].Value.Float64Histogram()))
	}

	m.tracker.Observe(s.Time, s.Report)
	m.mu.Lock()
	defer m.mu.Unlock()
	s.Seq = m.tracker.Samples()
	m.last = s
	cost := *s
	cost.Report = nil
	m.costs = append(m.costs, cost)
	if len(m.costs) > m.cfg.Tracker.History {
		m.costs = append(m.costs[:0], m.costs[len(m.costs)-m.cfg.Tracker.History:]...)
	}
	return s, nil
}

// dump classifies a full dump. With prove, the dump is the goroutineleak
// profile's, which runs a leak-detecting GC first and marks the goroutines
// it proves "(leaked)"; they stay marked in later dumps.
func (m *Monitor) dump(s *Sample, prove bool, c *classify.Classifier) error {
	var data []byte
	if prove {
		var b bytes.Buffer
		if err := pprof.Lookup("goroutineleak").WriteTo(&b, 2); err != nil {
			return fmt.Errorf("monitor: goroutineleak profile: %v", err)
		}
		data = b.Bytes()
		s.ProofTaken = true
	} else {
		// Size the buffer from the count so that one stop of the world
		// is enough: a retry with a bigger buffer is another full stop.
		if want := runtime.NumGoroutine()*4096 + 64<<10; len(m.buf) < want {
			m.buf = make([]byte, want)
		}
		for {
			k := runtime.Stack(m.buf, true)
			if k < len(m.buf) {
				data = m.buf[:k]
				break
			}
			m.buf = make([]byte, 2*len(m.buf))
		}
	}
	m.proved = m.proved || prove
	s.Proof = m.proved
	p := stack.NewParser(bytes.NewReader(data), stack.Options{})
	for p.Next() {
		g := p.Goroutine()
		m.creators.learn(g)
		c.Add(g)
	}
	if err := p.Err(); err != nil {
		return fmt.Errorf("monitor: reading this process's goroutine dump: %v", err)
	}
	return nil
}

// profile classifies the goroutine profile, with the goroutines the last
// leak proof found marked leaked: proven goroutines never run again, so
// the proof stays true until the next.
//
// The profile has neither creation sites nor wait reasons: the goroutines
// get back the creation site the dumps showed for their stack, and those
// parked on a nil channel the wait reason that says so, so that they are
// grouped, classed and explained as in a dump.
func (m *Monitor) profile(s *Sample, prove bool, c *classify.Classifier) error {
	send, recv := chanParkLines()
	gs, err := readProfile("goroutine")
	if err != nil {
		return err
	}
	if prove {
		leaked, err := readProfile("goroutineleak")
		if err != nil {
			return err
		}
		m.proof = append([]*stack.Goroutine{}, leaked...)
		m.proved, s.ProofTaken = true, true
	}
	if m.proof != nil {
		s.Proof = true
		gs = remote.SplitProven(gs, m.proof)
	}
	for _, g := range gs {
		m.creators.fill(g)
		markNilChannel(g, send, recv)
		c.Add(g)
	}
	return nil
}

// pauseMetrics names the runtime's stop-the-world histograms: the GC's and
// the others' (runtime.Stack, profiles, ReadMemStats).
func pauseMetrics() []metrics.Sample {
	return []metrics.Sample{{Name: "/sched/pauses/total/gc:seconds"}, {Name: "/sched/pauses/total/other:seconds"}}
}

func readProfile(name string) ([]*stack.Goroutine, error) {
	var b bytes.Buffer
	if err := pprof.Lookup(name).WriteTo(&b, 0); err != nil {
		return nil, fmt.Errorf("monitor: %s profile: %v", name, err)
	}
	gs, err := pprofstack.Parse(&b)
	if err != nil {
		return nil, fmt.Errorf("monitor: %s profile: %v", name, err)
	}
	return gs, nil
}

// longest returns the upper bound of the highest histogram bucket that
// gained a pause between before and after.
func longest(before, after *metrics.Float64Histogram) time.Duration {
	if before == nil || after == nil || len(before.Counts) != len(after.Counts) {
		return 0
	}
	for i := len(after.Counts) - 1; i >= 0; i-- {
		if after.Counts[i] > before.Counts[i] {
			hi := after.Buckets[i+1]
			if math.IsInf(hi, 1) {
				hi = after.Buckets[i]
			}
			return time.Duration(hi * float64(time.Second))
		}
	}
	return 0
}
