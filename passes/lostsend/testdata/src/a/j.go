package a

import "context"

// pullEach takes the result or the error of each goroutine, whichever it
// sends, and may leave later through ctx.Done(): the goroutine already went
// its way (held-out round 10).
func pullEach(ctx context.Context, recv func() (int, error), use func(int)) error {
	for {
		resc := make(chan int)
		errc := make(chan error)
		go func() {
			v, err := recv()
			if err != nil {
				errc <- err
				return
			}
			resc <- v
		}()
		var v int
		select {
		case err := <-errc:
			return err
		case v = <-resc:
		}
		select {
		case <-ctx.Done():
			return nil
		default:
		}
		use(v)
	}
}

// pullOrQuit may leave through ctx.Done() before either arrives.
func pullOrQuit(ctx context.Context, recv func() (int, error)) (int, error) {
	resc := make(chan int)
	errc := make(chan error)
	go func() {
		v, err := recv()
		if err != nil {
			errc <- err // want `send-no-receiver: the goroutine blocks forever on this send or on its send on resc at line 45, whichever it takes, when pullOrQuit returns at line 53 through the ctx.Done\(\) case without receiving from errc or resc; give errc a buffer of 1 and resc a buffer of 1`
			return
		}
		resc <- v
	}()
	select {
	case err := <-errc:
		return 0, err
	case v := <-resc:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// perPass makes a channel and a goroutine on each pass and may leave
// through ctx.Done(): one sender per channel, so a buffer of 1.
func perPass(ctx context.Context, jobs []func() int) int {
	sum := 0
	for _, job := range jobs {
		ch := make(chan int)
		go func() { ch <- job() }() // want `when perPass returns at line 68 through the ctx.Done\(\) case without receiving from ch; give ch a buffer of 1`
		select {
		case v := <-ch:
			sum += v
		case <-ctx.Done():
			return sum
		}
	}
	return sum
}
