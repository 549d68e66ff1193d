package classify

// Class names why a goroutine waits. The ids are stable: they appear in JSON
// output, metrics, ignore rules and the leakvet analyzer's diagnostics, so a
// class is never renamed, only added.
type Class string

// Leak classes: a goroutine in one of these waits on something that may never
// happen.
const (
	SendNoReceiver     Class = "send-no-receiver"
	ReceiveNoSender    Class = "receive-no-sender"
	NilChannelSend     Class = "nil-channel-send"
	NilChannelReceive  Class = "nil-channel-receive"
	SelectForever      Class = "select-forever"
	RangeNeverClosed   Class = "range-never-closed"
	ContextNeverDone   Class = "context-never-done"
	MutexDeadlock      Class = "mutex-deadlock"
	WaitGroupNeverDone Class = "waitgroup-never-done"
	CondNeverSignalled Class = "cond-never-signalled"
	IOWithoutDeadline  Class = "io-without-deadline"
	// UnknownWait is a goroutine parked where the input does not show on
	// what: a debug=1 profile hides the runtime frames that tell.
	UnknownWait Class = "unknown-wait"
)

// States that are not leaks.
const (
	Running  Class = "running"  // on a CPU, or about to be
	Runnable Class = "runnable" // ready and waiting for a CPU
	Sleeping Class = "sleeping" // time.Sleep or a timer that will fire
	System   Class = "system"   // the runtime's own goroutines
	Idle     Class = "idle"     // blocks by design: servers, signal loops, the test runner
	Waiting  Class = "waiting"  // a short or unknown wait with no sign of a leak
)

// Info documents a class: what it means and what fixes it. The same text is
// used by analyze, the test helper, the live monitor and leakvet.
type Info struct {
	Class Class
	Leak  bool   // whether goroutines of this class are leak candidates
	Title string // a short phrase, lower case
	// Cause says why the goroutine cannot go on, in general terms; findings
	// add the situation (where, how many, how long).
	Cause string
	Fix   string
}

// Classes lists every class, leak classes first, in the order reports use.
var Classes = []Info{
	{SendNoReceiver, true, "send with no receiver",
		"The goroutine is blocked sending on a channel that nothing receives from. " +
			"The usual cause is a caller that stopped listening: it returned through a timeout " +
			"(select with time.After or ctx.Done) or an early error before it read the result.",
		"Give the channel a buffer as large as the number of sends (make(chan T, 1) for one result) " +
			"so the sender can always finish, or make the sender select on ctx.Done() beside the send."},
	{ReceiveNoSender, true, "receive with no sender",
		"The goroutine is blocked receiving from a channel that nothing sends to or closes. " +
			"The producer is missing, exited early, or exited without closing the channel.",
		"Make the producer close the channel when it is done (defer close(ch)), " +
			"or let the receiver leave through a select on ctx.Done() or a timeout."},
	{NilChannelSend, true, "send on a nil channel",
		"The goroutine is sending on a nil channel. A send on a nil channel blocks forever: " +
			"the channel was declared (var ch chan T, or a struct field) but never made.",
		"Initialise the channel with make(chan T) before any goroutine uses it, " +
			"or pass the made channel into the goroutine instead of a field read too early."},
	{NilChannelReceive, true, "receive from a nil channel",
		"The goroutine is receiving from a nil channel. A receive from a nil channel blocks forever: " +
			"the channel was declared (var ch chan T, or a struct field) but never made.",
		"Initialise the channel with make(chan T) before any goroutine uses it, " +
			"or pass the made channel into the goroutine instead of a field read too early."},
	{SelectForever, true, "select that never wakes",
		"The goroutine is blocked in a select none of whose cases can proceed: every channel it waits on " +
			"is nil, or has no sender or receiver left. A select with no cases (select {}) blocks forever by construction.",
		"Add a case on ctx.Done() (or a done channel that the owner closes) so the select has a way out, " +
			"and make sure every channel in it has a live counterpart."},
	{RangeNeverClosed, true, "range over a channel never closed",
		"The goroutine is in a for-range over a channel that is never closed. The loop ends only when the " +
			"channel is closed, so when the producer stops sending without closing it, the consumer waits forever.",
		"Close the channel from the producer side once all sends are done (defer close(ch) in the single " +
			"producer, or close after a WaitGroup.Wait over all producers)."},
	{ContextNeverDone, true, "context that is never done",
		"The goroutine waits on ctx.Done() for a context that is never cancelled: context.Background(), " +
			"context.TODO(), or a context whose cancel function is never called.",
		"Derive the context with context.WithCancel or context.WithTimeout and call cancel when the work " +
			"is over (defer cancel()), or pass the request's context instead of Background()."},
	{MutexDeadlock, true, "mutex that is never unlocked",
		"The goroutine is blocked locking a sync.Mutex or RWMutex that is never released: a return path " +
			"skipped Unlock, the lock is taken twice on one path, or two goroutines take two locks in opposite orders.",
		"Unlock with defer right after Lock, never re-lock a mutex the goroutine already holds, " +
			"and take multiple locks in one fixed order."},
	{WaitGroupNeverDone, true, "WaitGroup that never reaches zero",
		"The goroutine is blocked in WaitGroup.Wait and the counter never reaches zero: a worker returned " +
			"without Done, Add counted more goroutines than were started, or a worker is itself blocked.",
		"Call wg.Add before the go statement and defer wg.Done() first thing in each worker " +
			"(or use wg.Go), and check that every worker can finish."},
	{CondNeverSignalled, true, "Cond that is never signalled",
		"The goroutine is blocked in sync.Cond.Wait and no Signal or Broadcast will come: the goroutine " +
			"meant to signal exited, or signalled before this one started waiting.",
		"Signal or Broadcast after every change to the condition, wait in a loop that re-checks it, " +
			"and prefer a channel close when the event happens once."},
	{IOWithoutDeadline, true, "I/O with no deadline",
		"The goroutine has been waiting on network or file I/O for a long time. With no deadline, a peer " +
			"that stops answering holds the goroutine, its buffers and its connection forever.",
		"Set a deadline (conn.SetDeadline, http.Client.Timeout, http.Server.ReadTimeout/IdleTimeout) " +
			"or use a context-aware call (net.Dialer.DialContext, http.NewRequestWithContext)."},
	{UnknownWait, true, "wait the input does not show",
		"The goroutine is parked in the code shown, but this input does not say on what: a debug=1 profile " +
			"hides the runtime frames that tell a channel send from a receive or a select, and the line of code " +
			"could not be read.",
		"Read /debug/pprof/goroutine?debug=2 (or the protobuf profile, debug=0) to see what it waits on, " +
			"or give leakhound the source (--source) so it can read the line."},

	{Running, false, "running", "The goroutine was running when the dump was taken.", ""},
	{Runnable, false, "runnable", "The goroutine was ready to run and waiting for a CPU.", ""},
	{Sleeping, false, "sleeping", "The goroutine sleeps or waits on a timer that will fire.", ""},
	{System, false, "runtime goroutine", "A goroutine of the Go runtime itself (GC workers, finalizers, scavenger).", ""},
	{Idle, false, "idle by design",
		"The goroutine blocks by design and is not a leak: a server's accept or keep-alive loop, a signal " +
			"handler, the testing runner, or a rule of yours.", ""},
	{Waiting, false, "waiting", "The goroutine waits briefly on a syscall, I/O or the runtime, with no sign of a leak.", ""},
}

var byClass = func() map[Class]*Info {
	m := make(map[Class]*Info, len(Classes))
	for i := range Classes {
		m[Classes[i].Class] = &Classes[i]
	}
	return m
}()

// Lookup returns the documentation of c, or nil when c is not a class.
func Lookup(c Class) *Info { return byClass[c] }

// IsLeak reports whether goroutines of class c are leak candidates.
func (c Class) IsLeak() bool {
	i := byClass[c]
	return i != nil && i.Leak
}

// rank orders classes as Classes lists them.
func (c Class) rank() int {
	for i := range Classes {
		if Classes[i].Class == c {
			return i
		}
	}
	return len(Classes)
}
