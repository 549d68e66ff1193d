package a

// forward returns once the producer closed end, which it does by a defer
// that runs after its last send (held-out round 8).
func forward(next func() (string, bool), handle func(string)) {
	lines := make(chan string)
	end := make(chan struct{})
	go func() {
		defer close(end)
		for {
			s, ok := next()
			if !ok {
				return
			}
			lines <- s
		}
	}()
	for {
		select {
		case <-end:
			return
		case s := <-lines:
			handle(s)
		}
	}
}

// forwardUntilStop leaves when a watcher, not the producer, closes end:
// the producer may be left on its send.
func forwardUntilStop(next func() (string, bool), stop <-chan struct{}, handle func(string)) {
	lines := make(chan string)
	end := make(chan struct{})
	go func() {
		for {
			s, ok := next()
			if !ok {
				return
			}
			lines <- s // want `send-no-receiver: the goroutine blocks forever on this send when forwardUntilStop returns at line 49`
		}
	}()
	go func() {
		defer close(end)
		<-stop
	}()
	for {
		select {
		case <-end:
			return
		case s := <-lines:
			handle(s)
		}
	}
}
