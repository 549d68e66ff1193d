package recall

import (
	"errors"
	"sync"
)

// Source: https://github.com/flynn/flynn/pull/2591
// discoverd: the error path returns with the mutex held.
type discoverdStore struct {
	mu       sync.Mutex
	services map[string][]string
}

func (s *discoverdStore) addInstance(service, addr string) error {
	s.mu.Lock()
	list, ok := s.services[service]
	if !ok {
		return errors.New("unknown service") // leakvet:unreleased
	}
	s.services[service] = append(list, addr)
	s.mu.Unlock()
	return nil
}

// Source: https://github.com/wmnsk/go-m3ua/pull/11
// A handler that returns its error early keeps the connection's lock.
type m3uaConn struct {
	mu    sync.Mutex
	state int
}

func (c *m3uaConn) handleAspUp(decode func() error) error {
	c.mu.Lock()
	if err := decode(); err != nil {
		return err // leakvet:unreleased
	}
	c.state = 1
	c.mu.Unlock()
	return nil
}

// Source: https://github.com/scmhub/ibsync/pull/15
// Early returns that skip Unlock deadlock the next caller.
type ibState struct {
	mu     sync.RWMutex
	orders map[int]string
}

func (s *ibState) order(id int) (string, error) {
	s.mu.RLock()
	o, ok := s.orders[id]
	if !ok {
		return "", errors.New("no such order") // leakvet:unreleased
	}
	s.mu.RUnlock()
	return o, nil
}
