// Package conc has the shape of github.com/sourcegraph/conc's WaitGroup
// that leakvet recognises.
package conc

import "sync"

type WaitGroup struct{ wg sync.WaitGroup }

func (h *WaitGroup) Go(f func()) { h.wg.Go(f) }

func (h *WaitGroup) Wait() { h.wg.Wait() }
