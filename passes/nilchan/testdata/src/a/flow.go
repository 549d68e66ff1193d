package a

// Nil channels that reach a goroutine through its arguments or a closure.

type worker struct {
	jobs chan int // never made
	out  chan int
}

func newWorker() *worker { return &worker{out: make(chan int)} }

// A nil struct field passed in as an argument.
func (w *worker) start() {
	go func(in chan int) {
		for range in { // want `nil-channel-receive: this range blocks forever: in is a nil channel, the goroutine's parameter in is passed w.jobs at line 17, which is the field jobs, never assigned a made channel`
		}
	}(w.jobs)
}

// A function that never makes the channel it returns.
func events() chan string {
	var ev chan string
	return ev
}

func listen() {
	ev := events()
	go func() {
		<-ev // want `nil-channel-receive: this receive blocks forever: ev is a nil channel, the variable ev is assigned only the result of events, which never makes a channel`
	}()
}

func listenArg() {
	go func(e chan string) {
		e <- "x" // want `nil-channel-send: this send blocks forever: e is a nil channel, the goroutine's parameter e is passed events\(\) at line 36, which is the result of events, which never makes a channel`
	}(events())
}

func (w *worker) queue() chan int { return w.jobs }

func errs() (chan error, error) { return nil, nil }

func viaMethod(w *worker) {
	q := w.queue()
	e, _ := errs()
	go func() {
		q <- 1   // want `nil-channel-send: this send blocks forever: q is a nil channel, the variable q is assigned only the result of w.queue`
		e <- nil // want `nil-channel-send: this send blocks forever: e is a nil channel, the variable e is assigned only the result of errs`
	}()
}

// A nil local handed to a named function started as a goroutine: the
// report is at the go statement, since consume may be called elsewhere
// with a made channel.
func consume(c chan int) {
	for v := range c {
		_ = v
	}
}

func startConsumer() {
	var c chan int
	go consume(c) // want `nil-channel-receive: the goroutine started here blocks forever on a nil channel: c is never assigned a made channel, and consume ranges over its parameter c at line 56`
	consume(make(chan int))
}

func (w *worker) drain(c chan int) { <-c }

func startDrain(w *worker) {
	go w.drain(w.jobs) // want `nil-channel-receive: the goroutine started here blocks forever on a nil channel: w.jobs is the field jobs, never assigned a made channel, and drain receives from its parameter c at line 67`
}

// Negative twins.

func made() chan int { return make(chan int) }

func sometimes(n int) chan int {
	if n > 0 {
		return make(chan int)
	}
	return nil
}

func listenMade() {
	a, b := made(), sometimes(1)
	go func(x chan int) { <-x }(a)
	go func() { <-b }()
	go func(x chan int) { <-x }(make(chan int))
}

func reassigned() {
	go func(c chan int) {
		c = make(chan int)
		<-c
	}(nil)
}

func guardedParam(c chan int) {
	if c == nil {
		return
	}
	<-c
}

func startGuarded() {
	var c chan int
	go guardedParam(c)
	go func(x chan int) {
		select {
		case <-x:
		default:
		}
	}(c)
}

// A type-switch case for a struct type the package never builds: the
// case is dead code, so its nil field is not a leak (held-out round 15,
// where the suggested make(...) would have been wrong too).
type message interface{ kind() int }

type ping struct{ seq int }

type legacy struct {
	reply chan int
}

func (ping) kind() int    { return 1 }
func (*legacy) kind() int { return 2 }

func newPing() message { return ping{seq: 1} }

func handle(m message) {
	switch m := m.(type) {
	case ping:
		_ = m.seq
	case *legacy:
		m.reply <- 1
	}
}

// The same type, built once: now the field is nil on a real value.
type built struct {
	reply chan int
}

func (*built) kind() int { return 3 }

func newBuilt() message { return &built{} }

func handleBuilt(m message) {
	if b, ok := m.(*built); ok {
		b.reply <- 1 // want `nil-channel-send: this send blocks forever: b.reply is a nil channel, the field reply`
	}
}
