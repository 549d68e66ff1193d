package a

import "fmt"

// pollThenCollect checks that no worker answered before the gate opened,
// then collects every answer: the poll cannot return (held-out round 7).
func pollThenCollect(work func(int) int) []int {
	results := make(chan int)
	gate := make(chan struct{})
	for i := 0; i < 5; i++ {
		go func() {
			<-gate
			results <- work(i)
		}()
	}
	select {
	case r := <-results:
		panic(fmt.Sprintf("worker answered before the gate opened: %d", r))
	default:
	}
	close(gate)
	out := make([]int, 0, 5)
	for i := 0; i < 5; i++ {
		out = append(out, <-results)
	}
	return out
}

// pollReturns gives up with the first early answer: the other four block.
func pollReturns(work func(int) int) []int {
	results := make(chan int)
	gate := make(chan struct{})
	for i := 0; i < 5; i++ {
		go func() {
			<-gate
			results <- work(i) // want `send-no-receiver: the goroutine blocks forever on this send when pollReturns returns after the first result`
		}()
	}
	close(gate)
	select {
	case r := <-results:
		return []int{r}
	default:
	}
	out := make([]int, 0, 5)
	for i := 0; i < 5; i++ {
		out = append(out, <-results)
	}
	return out
}
