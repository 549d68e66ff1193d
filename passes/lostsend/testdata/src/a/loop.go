package a

// fewerTaken starts ten fetchers and takes three results: seven block.
func fewerTaken(fetch func() int) int {
	c := make(chan int)
	for range 10 {
		go func() { c <- fetch() }() // want `10 goroutines send on c once each but fewerTaken receives 3 times \(the loop at line 10\): 7 block forever; give c a buffer of 10`
	}
	sum := 0
	for range 3 {
		sum += <-c
	}
	return sum
}

// threeTwo starts three fetchers by hand and takes two results.
func threeTwo(fetch func() int) int {
	c := make(chan int)
	go func() { c <- fetch() }() // want `3 goroutines send on c once each but threeTwo receives 2 times \(the loop at line 23\): 1 blocks forever; give c a buffer of 3`
	go func() { c <- fetch() }()
	go func() { c <- fetch() }()
	sum := 0
	for i := 0; i < 2; i++ {
		sum += <-c
	}
	return sum
}

// breaksEarly stops when told to, whether or not the result came: the
// break leaves the loop before it is in.
func breaksEarly(fetch func() int, stop <-chan struct{}) int {
	c := make(chan int)
	go func() { c <- fetch() }() // want `when breaksEarly returns at line 44 through the <-stop case, after a break left its loop at line 36 early, without receiving from c; give c a buffer of 1`
	sum := 0
loop:
	for {
		select {
		case v := <-c:
			sum += v
		case <-stop:
			break loop
		}
	}
	return sum
}

// allTaken takes as many as it starts: no leak.
func allTaken(fetch func() int) int {
	c := make(chan int)
	for range 10 {
		go func() { c <- fetch() }()
	}
	sum := 0
	for range 10 {
		sum += <-c
	}
	return sum
}

// countedBreak leaves its loop once every result is in.
func countedBreak(fetch func() int) int {
	c := make(chan int)
	go func() { c <- fetch() }()
	go func() { c <- fetch() }()
	sum, n := 0, 0
	for {
		sum += <-c
		n++
		if n == 2 {
			break
		}
	}
	return sum
}

// breakAfterSelect starts its watcher once, from the loop that takes its
// error or an event; an unlabelled break in the loop's body, after the
// select, leaves the loop and returns with the watcher still running
// (held-out round 17 rerun: tailscale's containerboot main.go:882).
func breakAfterSelect(notify <-chan int, f func() error) error {
	errc := make(chan error)
	started := false
	for {
		select {
		case err := <-errc:
			return err
		case n := <-notify:
			if n < 0 {
				continue
			}
		}
		if err := f(); err != nil {
			break
		}
		if !started {
			started = true
			go func() {
				if err := f(); err != nil {
					errc <- err // want `when breakAfterSelect returns at line 104 through the <-notify case, after a break left its loop at line 83 early, without receiving from errc; give errc a buffer of 1`
				}
			}()
		}
	}
	return nil
}
