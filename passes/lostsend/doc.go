// Package lostsend defines an Analyzer that reports goroutines left blocked
// on a send because the function that made the channel can return without
// receiving.
//
// # Analyzer lostsend
//
// lostsend: report goroutines that block forever sending a result nobody receives
//
// A function makes an unbuffered channel, starts a goroutine that sends its
// result on it, and then receives from it on some paths only: it returns
// early on an error, through the timeout or ctx.Done() case of a select,
// after the first of N results, after a loop that took other cases on
// every pass or that a break left early, or after fewer receives than
// sends (ten started, three taken). On those paths the goroutine blocks
// on the send forever, holding everything it references:
//
//	ch := make(chan result)
//	go func() { ch <- fetch() }()
//	select {
//	case r := <-ch:
//		return r, nil
//	case <-ctx.Done():
//		return result{}, ctx.Err() // the sender leaks
//	}
//
// The diagnostic carries the class send-no-receiver and the path that
// leaks most often: a normal return before a timeout or cancellation
// case, before an error return, before a path on which a test has already
// failed (t.Error, t.Fatal, t.FailNow, testify's require and assert.Fail
// and FailNow, runtime.Goexit, all alike; a require assertion such as
// require.NoError is a way out on the path where it fails). The
// goroutine must have reached the send on that path: not while it is
// parked at an earlier send or receive the owner has not taken, nor in an
// Accept no client has dialled.
// A path that dereferences a pointer still nil (the result the timeout
// left unset) panics and leaves nowhere. Nor is a path named once the
// goroutine has shown it went another way: the owner took its value on a
// second channel it sends on only where it cannot reach the send, or shut
// down the http.Server whose ErrServerClosed it does not send. A return
// from package main's main ends the process and leaks nothing.
//
// The fix fits the shape: a buffer as large as the number of sends (a
// goroutine that can send twice on one path counts twice, or should
// return after its first send); for a goroutine started on each pass of
// an unbounded loop, or one that sends in a loop, a select with a case on
// ctx.Done(). Alternative sends of one goroutine on different channels
// (an error or a result) are one finding that names them all.
//
// The channel must be made in the function and every use of it visible
// there; a channel passed to another function, stored, or returned is left
// alone, and so is a send that is a select case beside another case, and
// a goroutine that defers a bare recover() and throws its value away, which
// its author expects to end by a panic before the send.
package lostsend
