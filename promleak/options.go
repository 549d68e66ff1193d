package promleak

import "fmt"

// DefaultTopGroups is how many groups the per-group metrics cover unless
// TopGroups says otherwise.
const DefaultTopGroups = 10

// Option configures a Collector.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type options struct {
	topGroups int
}

// TopGroups sets how many groups the per-group metrics
// (leakhound_group_goroutines, leakhound_group_growth,
// leakhound_group_leaked_goroutines) cover: proven leaks first, then the
// groups that grew most. It bounds their cardinality at n series each; 0
// turns them off.
func TopGroups(n int) Option {
	return optionFunc(func(o *options) { o.topGroups = n })
}

func buildOptions(opts []Option) (options, error) {
	o := options{topGroups: DefaultTopGroups}
	for _, opt := range opts {
		if opt == nil {
			return o, fmt.Errorf("promleak: nil Option")
		}
		opt.apply(&o)
	}
	if o.topGroups < 0 {
		return o, fmt.Errorf("promleak: TopGroups(%d): want 0 or more", o.topGroups)
	}
	return o, nil
}
