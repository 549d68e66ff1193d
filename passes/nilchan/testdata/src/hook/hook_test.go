package hook

func newRequest() *request { return &request{reply: make(chan int, 1)} }
