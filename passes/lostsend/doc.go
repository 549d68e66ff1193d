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
// early on an error, through the timeout or ctx.Done() case of a select, or
// after the first of N results. On those paths the goroutine blocks on the
// send forever, holding everything it references:
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
// The diagnostic carries the class send-no-receiver and a suggested fix:
// a buffer as large as the number of sends, so every sender can finish.
//
// The channel must be made in the function and every use of it visible
// there; a channel passed to another function, stored, or returned is left
// alone, and so is a send that is a select case beside another case, and
// a goroutine that defers a bare recover() and throws its value away, which
// its author expects to end by a panic before the send.
package lostsend
