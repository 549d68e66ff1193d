// Package nosender defines an Analyzer that reports goroutines that wait
// on a channel nothing will ever send to or close.
//
// # Analyzer nosender
//
// nosender: report goroutines that receive from or range over a channel nothing sends to or closes
//
// A function makes a channel and starts a goroutine that receives from it,
// but no statement anywhere sends on it or closes it: the receive can never
// finish (class receive-no-sender). Or the goroutine ranges over the
// channel, which ends only when the channel is closed, and nothing closes
// it: after the last send the goroutine waits forever (class
// range-never-closed):
//
//	results := make(chan int)
//	go func() {
//		for r := range results { // never ends: results is never closed
//			sum += r
//		}
//	}()
//	for _, x := range xs {
//		results <- x
//	}
//
// The channel must be made in the function and every use of it visible
// there, and the function must be able to return after starting the
// goroutine (a worker fed by a function that runs forever lives on by
// design). When the sends are all in the function, or all in one other
// goroutine, a suggested fix closes the channel after them.
package nosender
