package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Each /leak/ handler below leaves one goroutine blocked per request; its
// /fixed/ twin does the same work without leaving any. The handlers answer
// 200 with a line saying what happened, so a person can try them in a browser.

const (
	// patience is how long a handler waits for its worker; work is how long
	// the worker takes. The gap makes the timeout path certain.
	patience = 10 * time.Millisecond
	work     = 100 * time.Millisecond
)

func reply(w http.ResponseWriter, format string, args ...any) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	fmt.Fprintf(w, format+"\n", args...)
}

// lookup stands for a slow backend call that reports on result.
func lookup(result chan<- string) {
	time.Sleep(work)
	result <- "found"
}

// leakTimeout is the article's timeout pattern: the result channel has no
// buffer, so when the handler gives up through time.After, lookup blocks
// forever on its send.
func leakTimeout(w http.ResponseWriter, r *http.Request) {
	result := make(chan string)
	go lookup(result)
	select {
	case v := <-result:
		reply(w, "lookup: %s", v)
	case <-time.After(patience):
		reply(w, "lookup timed out; its goroutine is now stuck sending the result nobody reads")
	}
}

// fixedTimeout gives the result channel a buffer of one, so lookup's send
// completes even after the handler has stopped listening.
func fixedTimeout(w http.ResponseWriter, r *http.Request) {
	result := make(chan string, 1)
	go lookup(result)
	select {
	case v := <-result:
		reply(w, "lookup: %s", v)
	case <-time.After(patience):
		reply(w, "lookup timed out; its goroutine will still finish into the buffered channel")
	}
}

// query stands for a slow database call that reports on result.
func query(result chan<- int) {
	time.Sleep(work)
	result <- 42
}

// leakDeadline is the same leak with context.WithTimeout: the handler
// returns on ctx.Done() and query's send on the unbuffered channel never
// completes.
func leakDeadline(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), patience)
	defer cancel()
	result := make(chan int)
	go query(result)
	select {
	case n := <-result:
		reply(w, "query: %d", n)
	case <-ctx.Done():
		reply(w, "query: %v; its goroutine is now stuck sending", ctx.Err())
	}
}

// fixedDeadline buffers the result channel, as the article does.
func fixedDeadline(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), patience)
	defer cancel()
	result := make(chan int, 1)
	go query(result)
	select {
	case n := <-result:
		reply(w, "query: %d", n)
	case <-ctx.Done():
		reply(w, "query: %v; its goroutine will still finish", ctx.Err())
	}
}

// watch waits for ctx to end and then releases what the request held.
func watch(ctx context.Context) {
	<-ctx.Done()
}

// session keeps the cancel function that its Close would call.
type session struct{ cancel context.CancelFunc }

// Close ends the session.
func (s *session) Close() { s.cancel() }

// leakContext derives a context from context.Background() and keeps its
// cancel function in a session that nobody closes, so watch waits forever.
func leakContext(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(context.Background())
	_ = &session{cancel: cancel} // never closed
	go watch(ctx)
	reply(w, "session opened; its watcher waits for a cancel that never comes")
}

// fixedContext derives the context from the request's and cancels it when
// the handler returns.
func fixedContext(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go watch(ctx)
	reply(w, "session opened and closed")
}

// job reports its outcome on done.
type job struct{ done chan error }

func (j *job) run() {
	j.done <- nil
}

// leakNilChannel starts a job whose done channel was never made: the send
// on a nil channel blocks forever.
func leakNilChannel(w http.ResponseWriter, r *http.Request) {
	j := &job{}
	go j.run()
	reply(w, "job started; it will block forever reporting on a nil channel")
}

// fixedNilChannel makes the channel, with room for the one report.
func fixedNilChannel(w http.ResponseWriter, r *http.Request) {
	j := &job{done: make(chan error, 1)}
	go j.run()
	reply(w, "job started with a made channel")
}

// notify waits for the one event of a request.
func notify(events <-chan string) {
	if e, ok := <-events; ok {
		_ = e
	}
}

var errInvalid = errors.New("invalid request")

// validate fails every request, standing for the error path.
func validate(*http.Request) error { return errInvalid }

// leakNoProducer starts a consumer and then returns on an error before
// producing: nothing will ever send to or close events.
func leakNoProducer(w http.ResponseWriter, r *http.Request) {
	events := make(chan string, 1)
	go notify(events)
	if err := validate(r); err != nil {
		reply(w, "%v; the notifier now waits for an event that will never come", err)
		return
	}
	events <- r.URL.Path
}

// fixedNoProducer closes events on every path, which releases the consumer.
func fixedNoProducer(w http.ResponseWriter, r *http.Request) {
	events := make(chan string, 1)
	defer close(events)
	go notify(events)
	if err := validate(r); err != nil {
		reply(w, "%v; the notifier was released by close", err)
		return
	}
	events <- r.URL.Path
}

// tally sums items until the channel is closed.
func tally(items <-chan int, total chan<- int) {
	sum := 0
	for v := range items {
		sum += v
	}
	total <- sum
}

// leakRange sends its items and returns without close(items), so tally's
// for-range never ends.
func leakRange(w http.ResponseWriter, r *http.Request) {
	items := make(chan int)
	go tally(items, make(chan int, 1))
	for i := 1; i <= 3; i++ {
		items <- i
	}
	reply(w, "sent 3 items; the tally waits for a close that never comes")
}

// fixedRange closes items once all are sent.
func fixedRange(w http.ResponseWriter, r *http.Request) {
	items := make(chan int)
	total := make(chan int, 1)
	go tally(items, total)
	for i := 1; i <= 3; i++ {
		items <- i
	}
	close(items)
	reply(w, "total %d", <-total)
}

// poll handles jobs until quit is closed.
func poll(jobs <-chan int, quit <-chan struct{}) {
	for {
		select {
		case <-jobs:
		case <-quit:
			return
		}
	}
}

// leakSelect starts a poller and never closes quit, and nothing else will
// send on jobs: the select waits forever.
func leakSelect(w http.ResponseWriter, r *http.Request) {
	go poll(make(chan int), make(chan struct{}))
	reply(w, "poller started; nothing will ever wake its select")
}

// fixedSelect closes quit when the handler is done with the poller.
func fixedSelect(w http.ResponseWriter, r *http.Request) {
	quit := make(chan struct{})
	defer close(quit)
	go poll(make(chan int), quit)
	reply(w, "poller started and stopped")
}

// account has a withdraw with a leaky and a fixed form.
type account struct {
	mu      sync.Mutex
	balance int
}

var errFunds = errors.New("insufficient funds")

func (a *account) withdrawLeaky(n int) error {
	a.mu.Lock()
	if a.balance < n {
		return errFunds // the leak: a.mu stays locked
	}
	a.balance -= n
	a.mu.Unlock()
	return nil
}

func (a *account) withdraw(n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.balance < n {
		return errFunds
	}
	a.balance -= n
	return nil
}

// audit reads the balance under the lock.
func (a *account) audit() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

// leakMutex withdraws through a path that returns without Unlock, so the
// audit goroutine blocks in Lock forever.
func leakMutex(w http.ResponseWriter, r *http.Request) {
	a := &account{}
	err := a.withdrawLeaky(10)
	go a.audit()
	reply(w, "withdraw: %v; the audit now waits for a lock nobody will release", err)
}

// fixedMutex unlocks with defer right after Lock.
func fixedMutex(w http.ResponseWriter, r *http.Request) {
	a := &account{}
	err := a.withdraw(10)
	go a.audit()
	reply(w, "withdraw: %v; the audit got the lock", err)
}

// collect waits for the workers and reports.
func collect(wg *sync.WaitGroup, done chan<- struct{}) {
	wg.Wait()
	done <- struct{}{}
}

// leakWaitGroup fans out three workers; the one that fails returns without
// Done, so collect waits forever.
func leakWaitGroup(w http.ResponseWriter, r *http.Request) {
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			if i == 1 {
				return // the leak: no wg.Done on the error path
			}
			wg.Done()
		}()
	}
	done := make(chan struct{}, 1)
	go collect(&wg, done)
	select {
	case <-done:
		reply(w, "all workers done")
	case <-time.After(patience):
		reply(w, "gave up; the collector waits for a Done that never comes")
	}
}

// fixedWaitGroup defers wg.Done first thing in each worker.
func fixedWaitGroup(w http.ResponseWriter, r *http.Request) {
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 1 {
				return
			}
		}()
	}
	done := make(chan struct{}, 1)
	go collect(&wg, done)
	select {
	case <-done:
		reply(w, "all workers done")
	case <-time.After(patience):
		reply(w, "gave up; the collector will still finish")
	}
}

// mailbox hands one message from a producer to a consumer.
type mailbox struct {
	mu     sync.Mutex
	cond   *sync.Cond
	msg    string
	closed bool
}

func newMailbox() *mailbox {
	m := &mailbox{}
	m.cond = sync.NewCond(&m.mu)
	return m
}

// take waits for a message or for the mailbox to close.
func (m *mailbox) take() (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.msg == "" && !m.closed {
		m.cond.Wait()
	}
	return m.msg, m.msg != ""
}

func (m *mailbox) close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cond.Broadcast()
}

// leakCond returns on an error before putting a message or signalling, so
// take waits on the Cond forever.
func leakCond(w http.ResponseWriter, r *http.Request) {
	m := newMailbox()
	go m.take()
	if err := validate(r); err != nil {
		reply(w, "%v; the consumer waits for a signal that never comes", err)
		return
	}
}

// fixedCond closes the mailbox on every path, and close broadcasts.
func fixedCond(w http.ResponseWriter, r *http.Request) {
	m := newMailbox()
	defer m.close()
	go m.take()
	if err := validate(r); err != nil {
		reply(w, "%v; the consumer was woken by close", err)
		return
	}
}

// silentBackend accepts TCP connections on loopback and never answers,
// like a peer that hangs.
type silentBackend struct {
	once sync.Once
	err  error
	ln   net.Listener

	mu    sync.Mutex
	conns []net.Conn
}

func (b *silentBackend) start() error {
	b.once.Do(func() {
		b.ln, b.err = net.Listen("tcp", "127.0.0.1:0")
		if b.err == nil {
			go b.accept()
		}
	})
	return b.err
}

func (b *silentBackend) accept() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns = append(b.conns, c)
		b.mu.Unlock()
	}
}

// close stops the backend; readers blocked on its connections get EOF.
func (b *silentBackend) close() error {
	if b.ln == nil {
		return nil
	}
	err := b.ln.Close()
	b.mu.Lock()
	for _, c := range b.conns {
		c.Close()
	}
	b.conns = nil
	b.mu.Unlock()
	return err
}

// readReply reads the backend's answer and passes it on.
func readReply(c net.Conn, answer chan<- error) {
	defer c.Close()
	_, err := c.Read(make([]byte, 512))
	answer <- err
}

// dial connects to the backend, or answers the request with the error.
func (b *silentBackend) dial(w http.ResponseWriter, r *http.Request) (net.Conn, bool) {
	if err := b.start(); err != nil {
		http.Error(w, "backend: "+err.Error(), http.StatusInternalServerError)
		return nil, false
	}
	c, err := (&net.Dialer{Timeout: time.Second}).DialContext(r.Context(), "tcp", b.ln.Addr().String())
	if err != nil {
		http.Error(w, "backend: "+err.Error(), http.StatusBadGateway)
		return nil, false
	}
	return c, true
}

// await answers with the reader's result, or says why it gave up.
func await(w http.ResponseWriter, answer <-chan error, silent string) {
	select {
	case err := <-answer:
		if err == nil || errors.Is(err, io.EOF) {
			reply(w, "backend answered")
		} else {
			reply(w, "backend: %v", err)
		}
	case <-time.After(patience):
		reply(w, "%s", silent)
	}
}

// leakIO reads from a backend that never answers, with no read deadline:
// the reader waits forever.
func (b *silentBackend) leakIO(w http.ResponseWriter, r *http.Request) {
	c, ok := b.dial(w, r)
	if !ok {
		return
	}
	answer := make(chan error, 1)
	go readReply(c, answer)
	await(w, answer, "backend is silent; the reader has no deadline and waits forever")
}

// fixedIO sets a read deadline, so the reader returns with a timeout error.
func (b *silentBackend) fixedIO(w http.ResponseWriter, r *http.Request) {
	c, ok := b.dial(w, r)
	if !ok {
		return
	}
	if err := c.SetReadDeadline(time.Now().Add(2 * patience)); err != nil {
		c.Close()
		http.Error(w, "backend: "+err.Error(), http.StatusBadGateway)
		return
	}
	answer := make(chan error, 1)
	go readReply(c, answer)
	await(w, answer, "backend is silent; the reader gives up at its deadline")
}
