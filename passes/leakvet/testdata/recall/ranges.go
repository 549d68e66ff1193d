package recall

import "sync"

// Source: https://github.com/deepfence/YaraHunter/pull/93
// The results consumer ranges over a channel that nobody closes, so its
// wg.Done never runs and wg.Wait hangs.
func yaraScan(files []string, scan func(string) []string, report func(string)) {
	results := make(chan []string)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for malwares := range results { // leakvet:nosender
			for _, m := range malwares {
				report(m)
			}
		}
	}()
	for _, f := range files {
		results <- scan(f)
	}
	wg.Wait()
}
