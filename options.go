package leakhound

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/stack"
)

// Option configures Find, VerifyNone, Track and VerifyTestMain.
type Option interface {
	apply(*opts)
}

// optionFunc lets a plain function be an Option.
type optionFunc func(*opts)

func (f optionFunc) apply(o *opts) { f(o) }

// SettleEnv names the environment variable that sets the default settle
// budget ("500ms", "2s"); the Settle option overrides it.
const SettleEnv = "LEAKHOUND_SETTLE"

// DefaultSettle is the settle budget when neither Settle nor SettleEnv sets
// one: what goleak v1.3.0 spends sleeping between its 21 dumps.
const DefaultSettle = 430 * time.Millisecond

// opts is every setting an entry point reads, with its default set in
// buildOpts.
type opts struct {
	// filters are goleak's kind of ignore: a goroutine any of them
	// accepts is not looked at.
	filters []func(*stack.Goroutine) bool
	// rules are classify's kind: matching goroutines are idle by design.
	rules        []classify.Rule
	idle         bool
	ignoreIDs    map[int64]bool
	settle       time.Duration
	cleanup      func(exitCode int)
	runOnFailure bool
	errs         []error
}

// entry names the function options were passed to, for wrong-entry errors.
type entry string

const (
	atFind       entry = "Find"
	atVerifyNone entry = "VerifyNone"
	atTrack      entry = "Track"
	atTestMain   entry = "VerifyTestMain"
)

// buildOpts sets every default, then applies the options, then checks that
// each option belongs to the entry point it was given to.
func buildOpts(at entry, options ...Option) (*opts, error) {
	o := &opts{settle: DefaultSettle}
	if s := os.Getenv(SettleEnv); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			o.errs = append(o.errs, fmt.Errorf("%s=%q is not a duration such as 500ms", SettleEnv, s))
		} else {
			o.settle = d
		}
	}
	for i, opt := range options {
		if opt == nil {
			o.errs = append(o.errs, fmt.Errorf("option %d of %s is nil", i+1, at))
			continue
		}
		opt.apply(o)
	}
	if o.cleanup != nil && at == atFind {
		o.errs = append(o.errs, errors.New("Cleanup can only be passed to VerifyNone, Track or VerifyTestMain, not Find"))
	}
	if o.runOnFailure && (at == atFind || at == atVerifyNone) {
		o.errs = append(o.errs, fmt.Errorf("RunOnFailure can only be passed to Track or VerifyTestMain, not %s", at))
	}
	if len(o.errs) > 0 {
		return nil, fmt.Errorf("leakhound: %w", errors.Join(o.errs...))
	}
	return o, nil
}

func filter(f func(*stack.Goroutine) bool) Option {
	return optionFunc(func(o *opts) { o.filters = append(o.filters, f) })
}

// IgnoreTopFunction ignores goroutines whose stack, as runtime.Stack prints
// it, starts with the function f, fully qualified: "example.com/m.(*Pool).worker".
// It matches as goleak's does: the first printed frame, which for a goroutine
// parked in the standard library is often that library's function
// ("time.Sleep", "internal/poll.runtime_pollWait", "sync.runtime_notifyListWait");
// "" ignores nothing. IgnoreBlockedIn skips those frames first.
func IgnoreTopFunction(f string) Option {
	return filter(func(g *stack.Goroutine) bool { return firstFunc(g) == f })
}

// IgnoreAnyFunction ignores goroutines with f anywhere in their stack (the
// "created by" line is not part of it), as goleak's does.
func IgnoreAnyFunction(f string) Option {
	return filter(func(g *stack.Goroutine) bool { return hasFunc(g, f) })
}

// IgnoreCreatedBy ignores goroutines started by a go statement in f.
func IgnoreCreatedBy(f string) Option {
	return filter(func(g *stack.Goroutine) bool { return string(g.CreatedBy.Func) == f })
}

// IgnoreBlockedIn ignores goroutines whose first function outside the
// runtime and the standard library's waiting internals (runtime.*,
// internal/*, sync.runtime_*, sync.(*Mutex).Lock and the like, time.Sleep)
// is f: the function that made the goroutine wait. It is
// Ignore("top:"+f) with an exact name, and an empty f is an error.
func IgnoreBlockedIn(f string) Option {
	return optionFunc(func(o *opts) {
		if f == "" {
			o.errs = append(o.errs, errors.New("IgnoreBlockedIn: empty function name"))
			return
		}
		o.rules = append(o.rules, classify.Rule{Where: classify.Top, Match: f, Reason: "IgnoreBlockedIn " + f})
	})
}

// Ignore ignores goroutines matching a rule written as "where:pattern",
// where is top, any, created or state, and pattern is an exact name, a
// prefix ending in "*", or a regular expression between slashes:
//
//	leakhound.Ignore("any:example.com/m/internal/pool.*")
//	leakhound.Ignore("created:/^example\\.com/m\\.start/")
//
// A pattern with no "where:" matches any frame. "top:" skips the runtime's
// and the standard library's waiting frames, as IgnoreBlockedIn does.
func Ignore(rule string) Option {
	r, err := classify.ParseRule(rule)
	return optionFunc(func(o *opts) {
		if err != nil {
			o.errs = append(o.errs, fmt.Errorf("Ignore: %w", err))
			return
		}
		if r.Reason == "" {
			r.Reason = "Ignore " + rule
		}
		o.rules = append(o.rules, r)
	})
}

// IgnoreIdle ignores the goroutines that block by design in a long-running
// program: HTTP servers and their keep-alive connections, accept loops,
// database/sql's pool, os/signal, gRPC, OpenTelemetry exporters and the
// rest of classify.DefaultRules, the list leakhound's monitor and analyze
// use. In a test these are usually leaks (a server never closed, a pool
// never shut down), so goleak reports them and so does leakhound unless
// given this option.
func IgnoreIdle() Option {
	return optionFunc(func(o *opts) { o.idle = true })
}

// IgnoreCurrent ignores the goroutines that exist when it is called.
func IgnoreCurrent() Option {
	ids := make(map[int64]bool)
	_, err := snapshotAll(false, func(g *stack.Goroutine, _ map[int64]origin, _ bool) (bool, bool) {
		ids[g.ID] = true
		return false, true // the ids are all it needs: keep no copies
	}, nil)
	return optionFunc(func(o *opts) {
		if err != nil {
			o.errs = append(o.errs, fmt.Errorf("IgnoreCurrent: %w", err))
			return
		}
		if o.ignoreIDs == nil {
			o.ignoreIDs = make(map[int64]bool, len(ids))
		}
		for id := range ids {
			o.ignoreIDs[id] = true
		}
	})
}

// Settle sets how long, in total, goroutines may take to exit before they
// count as leaked. Goroutines the runtime proves leaked are reported without
// waiting. It overrides SettleEnv.
func Settle(d time.Duration) Option {
	return optionFunc(func(o *opts) {
		if d < 0 {
			o.errs = append(o.errs, fmt.Errorf("Settle(%v): negative budget", d))
			return
		}
		o.settle = d
	})
}

// Cleanup runs f at the end of the check: with the exit code of the test
// binary under VerifyTestMain (f replaces os.Exit there), with 0 under
// VerifyNone and Track. Find rejects it.
func Cleanup(f func(exitCode int)) Option {
	return optionFunc(func(o *opts) { o.cleanup = f })
}

// RunOnFailure checks for leaks even when tests failed. By default
// VerifyTestMain checks only after a successful run and Track only after a
// passing test, since a failing test often leaves goroutines behind on
// purpose. VerifyNone and Find always check and reject it.
func RunOnFailure() Option {
	return optionFunc(func(o *opts) { o.runOnFailure = true })
}
