package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/leakhound/leakhound/stack"
)

// Drive sends requestsPerEndpoint GET requests over HTTP to every leaky and
// fixed endpoint, then waits until the goroutines those requests started
// have either finished or parked where their leak blocks, so a dump taken
// next is the same every time: requestsPerEndpoint goroutines per leak, none
// from the fixed twins.
func (s *Service) Drive(ctx context.Context, requestsPerEndpoint int) error {
	base := s.URL()
	if base == "" {
		return errors.New("demo: Drive needs a serving service (use Start)")
	}
	if requestsPerEndpoint < 1 {
		return fmt.Errorf("demo: Drive: %d requests per endpoint, want at least 1", requestsPerEndpoint)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(s.endpoints))
	for i, e := range s.endpoints {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range requestsPerEndpoint {
				if errs[i] = s.get(ctx, base+e.Path); errs[i] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return s.settle(ctx)
}

func (s *Service) get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("demo: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("demo: GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("demo: GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// settleLimit bounds the wait for the workers of fixed endpoints, which
// finish within a few multiples of work.
const settleLimit = 10 * time.Second

// settle polls the process's goroutines until none started by a fixed
// endpoint is left and every one started by a leaky endpoint waits with its
// leak's wait reason.
func (s *Service) settle(ctx context.Context) error {
	byHandler := make(map[string]*Endpoint, len(s.endpoints))
	for i := range s.endpoints {
		byHandler[s.endpoints[i].Handler] = &s.endpoints[i]
	}
	deadline := time.Now().Add(settleLimit)
	for {
		pending := unsettled(allStacks(), byHandler)
		if pending == "" {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("demo: goroutines still moving (%s): %w", pending, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo: goroutines still moving after %v: %s", settleLimit, pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// unsettled describes a goroutine that is not settled, or returns "".
func unsettled(dump []byte, byHandler map[string]*Endpoint) string {
	gs, err := stack.Parse(bytes.NewReader(dump), stack.Options{Lenient: true})
	if err != nil {
		return err.Error()
	}
	for _, g := range gs {
		e := byHandler[string(g.CreatedBy.Func)]
		if e != nil && (!e.Leak || g.State != e.Wait) {
			return fmt.Sprintf("goroutine %d [%s] created by %s", g.ID, g.State, g.CreatedBy.Func)
		}
	}
	return ""
}

func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
