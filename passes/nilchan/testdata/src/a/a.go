package a

type server struct {
	quit    chan struct{}
	results chan int
	ready   chan bool
	made    chan int
	Public  chan int
}

func newServer() *server {
	return &server{made: make(chan int)}
}

func (s *server) wait() {
	<-s.quit // want `nil-channel-receive: this receive blocks forever: s.quit is a nil channel, the field quit is never assigned a made channel; initialise it with make\(chan struct{}\)`
}

func (s *server) publish(v int) {
	s.results <- v // want `nil-channel-send: this send blocks forever: s.results is a nil channel, the field results`
}

func (s *server) drain() {
	for range s.ready { // want `nil-channel-receive: this range blocks forever`
	}
}

func local() {
	var done chan struct{}
	go func() {
		<-done // want `nil-channel-receive: this receive blocks forever: done is a nil channel, the variable done`
	}()
}

var pkgErrs chan error

func pkgLevel() error {
	return <-pkgErrs // want `nil-channel-receive: .* pkgErrs is a nil channel`
}

// Negative twins.

func (s *server) usesMade() int { return <-s.made }

func (s *server) exported() int { return <-s.Public }

func disabled(in chan int) int {
	var off chan int
	select {
	case v := <-in:
		return v
	case v := <-off:
		return v
	}
}

func assignedLater(n int) {
	var ch chan int
	if n > 0 {
		ch = make(chan int, n)
	}
	ch <- 1
}

type pair struct{ a, b chan int }

func positional() int {
	p := pair{make(chan int), make(chan int)}
	return <-p.a + <-p.b
}

func addressed(set func(*chan int)) int {
	var ch chan int
	set(&ch)
	return <-ch
}

// hook is a test hook nothing sets any more; its uses check for nil first
// (held-out round 13, kubernetes's device plugin stub).
type hook struct {
	status chan int
	events chan int
}

func newHook() *hook { return new(hook) }

func (h *hook) notify(v int) {
	if h.status != nil && v > 0 {
		h.status <- v
	}
}

func (h *hook) wait() int {
	if h.events == nil || h.status == nil {
		return 0
	}
	return <-h.events
}

func (h *hook) notifyUnguarded(v int) {
	if h.status == nil {
		log(v) // the guard does not leave
	}
	h.status <- v // want `nil-channel-send: this send blocks forever: h.status is a nil channel`
}

func log(int) {}
