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
	rules        []classify.Rule
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

// rule adds an exact-name rule; names never end in "*" nor sit between
// slashes, so classify matches them exactly.
func rule(w classify.Where, f, reason string) Option {
	return optionFunc(func(o *opts) {
		if f == "" {
			o.errs = append(o.errs, fmt.Errorf("%s: empty function name", reason))
			return
		}
		o.rules = append(o.rules, classify.Rule{Where: w, Match: f, Reason: reason + " " + f})
	})
}

// IgnoreTopFunction ignores goroutines whose first function outside the
// runtime is f, a fully qualified name such as
// "example.com/m.(*Pool).worker".
func IgnoreTopFunction(f string) Option {
	return rule(classify.Top, f, "IgnoreTopFunction")
}

// IgnoreAnyFunction ignores goroutines with f anywhere in their stack.
func IgnoreAnyFunction(f string) Option {
	return rule(classify.Any, f, "IgnoreAnyFunction")
}

// IgnoreCreatedBy ignores goroutines started by a go statement in f.
func IgnoreCreatedBy(f string) Option {
	return rule(classify.CreatedBy, f, "IgnoreCreatedBy")
}

// Ignore ignores goroutines matching a rule written as "where:pattern",
// where is top, any, created or state, and pattern is an exact name, a
// prefix ending in "*", or a regular expression between slashes:
//
//	leakhound.Ignore("any:example.com/m/internal/pool.*")
//	leakhound.Ignore("created:/^example\\.com/m\\.start/")
//
// A pattern with no "where:" matches any frame.
func Ignore(rule string) Option {
	r, err := classify.ParseRule(rule)
	return optionFunc(func(o *opts) {
		if err != nil {
			o.errs = append(o.errs, fmt.Errorf("Ignore: %w", err))
			return
		}
		o.rules = append(o.rules, r)
	})
}

// IgnoreCurrent ignores the goroutines that exist when it is called.
func IgnoreCurrent() Option {
	ids := make(map[int64]bool)
	_, _, err := snapshot(func(g *stack.Goroutine) bool {
		ids[g.ID] = true
		return false // the ids are all it needs: keep no copies
	}, false)
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
