package captured

import (
	"context"
	"errors"
	"time"
)

type watcher struct{ watch func() error }

func run(ctx context.Context, w *watcher) error { return w.watch() }

// relist is the client-go reflector test's shape: the closure made first
// cancels whichever context was assigned last, so no context is lost.
func relist(ctx context.Context) error {
	var cancel context.CancelCauseFunc
	w := &watcher{watch: func() error {
		cancel(errors.New("done"))
		return nil
	}}
	var cctx context.Context
	cctx, cancel = context.WithCancelCause(ctx)
	if err := run(cctx, w); err != nil {
		return err
	}
	cctx, cancel = context.WithCancelCause(ctx)
	return run(cctx, w)
}

// lost leaks its timer on the error path: still reported.
func lost(ctx context.Context, fail bool) error {
	ctx, cancel := context.WithTimeout(ctx, 1) // want `the cancel function is not used on all paths`
	if fail {
		return errors.New("failed") // want `this return statement may be reached without using the cancel var defined on line 32`
	}
	defer cancel()
	return ctx.Err()
}

// inside runs in a closure of its own, which does not excuse it.
func inside(ctx context.Context, do func(func() error) error) error {
	return do(func() error {
		ctx, cancel := context.WithCancel(ctx) // want `the cancel function is not used on all paths`
		if ctx.Err() != nil {
			return ctx.Err() // want `this return statement may be reached without using the cancel var defined on line 43`
		}
		cancel()
		return nil
	})
}

// later captures the cancel after the assignment, in a closure that may
// never run: lostcancel's own judgement stands.
func later(ctx context.Context, fail bool) (func(), error) {
	ctx, cancel := context.WithCancel(ctx) // want `the cancel function is not used on all paths`
	if fail {
		return nil, ctx.Err() // want `this return statement may be reached without using the cancel var defined on line 55`
	}
	return func() { cancel() }, nil
}

// expired contexts are done as they are made: nothing to cancel.
func expired(ctx context.Context) (context.Context, context.Context) {
	past, _ := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	zero, _ := context.WithTimeout(ctx, 0)
	return past, zero
}

// future still runs its timer until the deadline: reported.
func future(ctx context.Context) context.Context {
	later, _ := context.WithDeadline(ctx, time.Now().Add(time.Hour)) // want `the cancel function returned by context.WithDeadline should be called, not discarded`
	return later
}

type dispatcher struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// newDispatcher fails before it stores the context it made: a context of
// Background with no timer, which nothing refers to on that path, is
// garbage there (held-out round 7).
func newDispatcher(connect func() error) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	if connect() != nil {
		return nil
	}
	return &dispatcher{ctx: ctx, cancel: cancel}
}

// newTracer names Background first, then derives from it.
func newTracer(connect func() error) *dispatcher {
	ctx := context.Background()
	ctx, cancel := context.WithCancel(ctx)
	if connect() != nil {
		return nil
	}
	return &dispatcher{ctx: ctx, cancel: cancel}
}

// newWatcher starts a goroutine on the context first: it waits forever
// on the failing path.
func newWatcher(connect func() error, watch func(context.Context)) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background()) // want `the cancel function is not used on all paths`
	go watch(ctx)
	if connect() != nil {
		return nil // want `this return statement may be reached without using the cancel var defined on line 104`
	}
	return &dispatcher{ctx: ctx, cancel: cancel}
}

// newChild stays registered with its parent until the parent ends.
func newChild(parent context.Context, connect func() error) *dispatcher {
	ctx, cancel := context.WithCancel(parent) // want `the cancel function is not used on all paths`
	if connect() != nil {
		return nil // want `this return statement may be reached without using the cancel var defined on line 114`
	}
	return &dispatcher{ctx: ctx, cancel: cancel}
}
