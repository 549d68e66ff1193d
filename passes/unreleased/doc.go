// Package unreleased defines an Analyzer that reports return paths that
// skip a mutex Unlock or a WaitGroup Done that the other paths make.
//
// # Analyzer unreleased
//
// unreleased: report returns that skip the Unlock or wg.Done the other paths make
//
// A function locks a sync.Mutex or RWMutex and unlocks it by hand (not with
// defer) on its way out, but one return between the two skips the Unlock:
// the next Lock blocks forever (class mutex-deadlock). A goroutine or
// worker calls wg.Done() at its end, but an early return skips it: wg.Wait
// blocks forever (class waitgroup-never-done).
//
//	mu.Lock()
//	if err != nil {
//		return err // mu stays locked
//	}
//	mu.Unlock()
//
// To stay precise, a path is reported only when the function's last return
// (in source order) does release: a function whose normal exit keeps the
// lock is a lock helper, not a bug. Also left alone: a function named for
// locking (lockForAppend, acquire...), a return that hands back the locked
// value, a function entered with the lock held (its first call unlocks), a
// lock taken only under an if (paired with an unlock under a flag that a
// path-insensitive CFG cannot follow), a defer of the release, a release
// inside a function literal (a lock handed to a goroutine), and a call to
// any function whose name mentions unlock or release. Adding to a
// WaitGroup inside the goroutine it counts is left to vet's waitgroup check.
package unreleased
