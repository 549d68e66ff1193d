package recall

import "sync"

// Source: https://github.com/sabloger/sitemap-generator/issues/10
// saveSitemaps: a goroutine that returns early on error never calls Done.
func saveSitemaps(sitemaps []string, save func(string) error) {
	var wg sync.WaitGroup
	for _, s := range sitemaps {
		wg.Add(1)
		go func() {
			if err := save(s); err != nil {
				return // leakvet:unreleased
			}
			wg.Done()
		}()
	}
	wg.Wait()
}

// Source: https://github.com/trickstercache/trickster/pull/356
// A second return in the worker skips wg.Done.
func tricksterFetch(wg *sync.WaitGroup, fetch func() ([]byte, error), out *[]byte) {
	body, err := fetch()
	if err != nil {
		return // leakvet:unreleased
	}
	*out = body
	wg.Done()
}

// Source: https://github.com/codecrafters-io/redis-tester/pull/222
// Returning on the first error of a range over the workers' errors leaves the others blocked on their sends (written here with WaitGroup.Go).
func redisTesterClients(clients []func() error) error {
	var wg sync.WaitGroup
	errc := make(chan error)
	for _, run := range clients {
		wg.Go(func() {
			errc <- run() // leakvet:lostsend
		})
	}
	go func() {
		wg.Wait()
		close(errc)
	}()
	for err := range errc {
		if err != nil {
			return err
		}
	}
	return nil
}
