package a

import (
	"context"
	"errors"
	"time"
)

// Timeouts: a goroutine that sends on a timeout and then its result.

var errSlow = errors.New("slow")

// timeoutThenResult's timeout case sends and does not return: the owner
// takes the timeout, and the result's send blocks forever.
func timeoutThenResult(done <-chan struct{}, slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case <-time.After(time.Second):
			errc <- errSlow
		case <-done:
		}
		errc <- slow() // want `send-no-receiver: the goroutine blocks forever on this send when it already sent on errc at line 20: the only receive of errc \(line 25\) takes one value; return after the send at line 20`
	}()
	return <-errc
}

// trySendThenResult offers a value for a second, then sends its result:
// when the owner took the first, the second blocks forever.
func trySendThenResult(slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case errc <- errSlow:
		case <-time.After(time.Second):
		}
		errc <- slow() // want `blocks forever on this send when it already sent on errc at line 34: .* return after the send at line 34`
	}()
	return <-errc
}

// cancelOrSendThenResult gives up on its first send when ctx ends, and
// returns then; when the first send is taken the second blocks.
func cancelOrSendThenResult(ctx context.Context, slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case errc <- errSlow:
		case <-ctx.Done():
			return
		}
		errc <- slow() // want `blocks forever on this send when it already sent on errc at line 48: .*; give errc a buffer of 2, or receive every value sent`
	}()
	return <-errc
}

// Negative twins.

// timeoutThenResultOrCancel is timeoutThenResult with an owner that gives
// up on ctx: lostsend reports it once, naming both sends, so doublesend
// does not repeat the second.
func timeoutThenResultOrCancel(ctx context.Context, done <-chan struct{}, slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case <-time.After(time.Second):
			errc <- errSlow
		case <-done:
		}
		errc <- slow()
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sendOrFallThrough returns after its first send; only the case that did
// not send goes on to the second.
func sendOrFallThrough(ctx context.Context, slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case errc <- errSlow:
			return
		case <-ctx.Done():
		}
		errc <- slow()
	}()
	return <-errc
}

// timeoutReturns returns after its timeout send: one send on every path.
func timeoutReturns(done <-chan struct{}, slow func() error) error {
	errc := make(chan error)
	go func() {
		select {
		case <-time.After(time.Second):
			errc <- errSlow
			return
		case <-done:
		}
		errc <- slow()
	}()
	return <-errc
}

// resultThenGiveUp sends its result, then a second value only if someone
// takes it before ctx ends: that send has a way out.
func resultThenGiveUp(ctx context.Context, slow func() error) error {
	errc := make(chan error)
	go func() {
		errc <- slow()
		select {
		case errc <- errSlow:
		case <-ctx.Done():
		}
	}()
	return <-errc
}

// offersThenContinues goes back round its loop after the offer: a return
// added at the end of that case would never run, so there is no edit.
func offersThenContinues(slow func() error) error {
	errc := make(chan error)
	go func() {
		for i := 0; i < 3; i++ {
			select {
			case errc <- errSlow:
				continue
			case <-time.After(time.Second):
			}
			break
		}
		errc <- slow() // want `when it already sent on errc at line 131: .*; return after the send at line 131`
	}()
	return <-errc
}
