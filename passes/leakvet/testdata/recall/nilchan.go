package recall

import "fmt"

// Source: https://github.com/DefangLabs/defang/pull/1625
// errChan is declared but never made: every goroutine's send blocks forever.
func defangTail(groups []string, exists func(string) bool) error {
	var errChan chan error
	for _, g := range groups {
		go func() {
			if !exists(g) {
				errChan <- fmt.Errorf("log group %s does not exist", g) // leakvet:nilchan
			}
		}()
	}
	return <-errChan // leakvet:nilchan
}

// Source: https://github.com/go-lang-plugin-org/go-lang-idea-plugin/issues/2246
// A nil result channel: the workers and the reader block forever.
func ideaFirstResult() int {
	var ch chan int
	for i := 0; i < 3; i++ {
		go func(idx int) {
			ch <- (idx + 1) * 2 // leakvet:nilchan
		}(i)
	}
	return <-ch // leakvet:nilchan
}
