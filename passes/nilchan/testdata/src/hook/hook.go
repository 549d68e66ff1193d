package hook

// request's reply channel is made only by a test hook in hook_test.go.
type request struct {
	reply chan int
}

func handle(r *request) {
	r.reply <- 1
}
