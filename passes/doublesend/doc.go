// Package doublesend defines an Analyzer that reports a goroutine that can
// send twice on a channel whose only receiver takes one value.
//
// # Analyzer doublesend
//
// doublesend: report goroutines that send a second value nobody receives
//
// A function makes an unbuffered channel, starts one goroutine that sends
// on it, and receives from it exactly once. If the goroutine can send twice
// on one path (an error send without a return after it, or a send in a
// loop), the second send blocks forever (class send-no-receiver):
//
//	errc := make(chan error)
//	go func() {
//		if err := step(); err != nil {
//			errc <- err // missing return
//		}
//		errc <- finish() // blocks forever after an error
//	}()
//	return <-errc
//
// The first send may be a select case beside a timeout; the second, the one
// reported, is one with no way out. When the first send ends an if block or
// a case, a suggested fix adds the missing return after it; when every path
// to the second passes the first, it gives the channel a slot for each. A
// goroutine whose function can also leave without receiving is left to
// lostsend, whose one finding names both sends. A send in a loop counts
// twice only when it runs on every pass: one behind an if or a continue
// sends once per matching value, and how many values match is in the data.
package doublesend
