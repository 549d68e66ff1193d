package recall

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"time"
)

// Source: https://github.com/BishopFox/sliver/pull/1089
// The timer fires first; the sender of done blocks forever.
func sliverWaitDone(timer *time.Timer, work func()) error {
	done := make(chan bool)
	go func() {
		work()
		done <- true // leakvet:lostsend
	}()
	select {
	case <-done:
		return nil
	case <-timer.C:
		return errors.New("timed out")
	}
}

// Source: https://github.com/hellofresh/health-go/issues/224
// A health check that outlives its timeout keeps its goroutine forever.
func healthCheck(ctx context.Context, check func(context.Context) error, limit time.Duration) error {
	resCh := make(chan error)
	go func() {
		resCh <- check(ctx) // leakvet:lostsend
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-t.C:
		return errors.New("check timed out")
	case err := <-resCh:
		return err
	}
}

// Source: https://github.com/google/cadvisor/pull/2549
// A runner waits for a command with a timeout; on timeout the waiter leaks.
func cadvisorRun(cmd *exec.Cmd, limit time.Duration) error {
	done := make(chan error)
	go func() {
		done <- cmd.Wait() // leakvet:lostsend
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		return errors.New("command timed out")
	}
}

// Source: https://github.com/golang/go/pull/37148
// runtime/testdata/testprogcgo: ping is sent after the select gave up.
func cgoPing(call func()) string {
	ping := make(chan bool)
	go func() {
		call()
		ping <- false // leakvet:lostsend
	}()
	select {
	case <-ping:
		return "OK"
	case <-time.After(time.Second):
		return "timeout"
	}
}

// Source: https://github.com/prometheus/prometheus/pull/8274
// A test's helper goroutine sends done after the test timed out.
func promTestDone(fatal func(string), run func()) {
	done := make(chan struct{})
	go func() {
		run()
		done <- struct{}{} // leakvet:lostsend
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		fatal("timed out")
	}
}

// Source: https://github.com/kubernetes/kubernetes/pull/91160
// kube-aggregator: the discovery check's errCh outlives the timeout.
func aggregatorDiscovery(get func() error) error {
	errCh := make(chan error)
	go func() {
		errCh <- get() // leakvet:lostsend
	}()
	select {
	case err := <-errCh:
		return err
	case <-time.After(6 * time.Second):
		return errors.New("discovery timed out")
	}
}

// Source: https://github.com/tektoncd/pipeline/pull/10098
// The resolver's errChan and resourceChan both outlive a context timeout.
func tektonResolve(ctx context.Context, resolve func(context.Context) (string, error)) (string, error) {
	errChan := make(chan error)
	resourceChan := make(chan string)
	go func() {
		res, err := resolve(ctx)
		if err != nil {
			errChan <- err // leakvet:lostsend
			return
		}
		resourceChan <- res // reported with the send above: one goroutine, one finding
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case err := <-errChan:
		return "", err
	case res := <-resourceChan:
		return res, nil
	}
}

// Source: https://github.com/kubernetes-sigs/controller-runtime/pull/2527
// The manager's errChan is unbuffered; when Start's context ends first the
// runnable's send blocks forever.
func managerStart(ctx context.Context, run func(context.Context) error) error {
	errChan := make(chan error)
	go func() {
		if err := run(ctx); err != nil {
			errChan <- err // leakvet:lostsend
		}
	}()
	select {
	case <-ctx.Done():
		return nil
	case err := <-errChan:
		return err
	}
}

// Source: https://github.com/moby/moby/pull/5955
// done <- true blocks when the wait timed out.
func mobyWaitTimeout(wait func(), limit time.Duration) error {
	done := make(chan bool)
	go func() {
		wait()
		done <- true // leakvet:lostsend
	}()
	select {
	case <-time.After(limit):
		return errors.New("timed out")
	case <-done:
		return nil
	}
}

// Source: https://github.com/HDT3213/godis/pull/31
// Wait.WaitWithTimeout: c <- true after the timeout leaks one goroutine per call.
func godisWaitWithTimeout(wait func(), limit time.Duration) bool {
	c := make(chan bool)
	go func() {
		defer close(c)
		wait()
		c <- true // leakvet:lostsend
	}()
	select {
	case <-c:
		return false
	case <-time.After(limit):
		return true
	}
}

// Source: https://github.com/slok/goresilience/pull/30
// The timeout runner never drains errc when the job times out.
func resilienceTimeout(ctx context.Context, job func(context.Context) error, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	errc := make(chan error)
	go func() {
		errc <- job(ctx) // leakvet:lostsend
	}()
	select {
	case <-ctx.Done():
		return errors.New("timeout")
	case err := <-errc:
		return err
	}
}

// Source: https://github.com/PaesslerAG/gval/pull/107
// Evaluation under a context: errCh has no receiver once ctx is done.
func gvalEvaluate(ctx context.Context, eval func() (any, error)) (any, error) {
	type out struct {
		v   any
		err error
	}
	errCh := make(chan out)
	go func() {
		v, err := eval()
		errCh <- out{v, err} // leakvet:lostsend
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case o := <-errCh:
		return o.v, o.err
	}
}

// Source: https://github.com/sahilm/shouter/issues/1
// The scan goroutine hangs around when the read deadline passes first.
func shouterScan(conn net.Conn, scan func() bool, deadline time.Duration) bool {
	sc := make(chan bool)
	go func() {
		sc <- scan() // leakvet:lostsend
	}()
	select {
	case ok := <-sc:
		return ok
	case <-time.After(deadline):
		conn.Close()
		return false
	}
}

// Source: https://github.com/prometheus/prometheus/pull/213
// AppendSamples: the second error channel is never read once the first
// reports an error.
func promAppendSamples(index, watermark func() error) error {
	indexErrChan := make(chan error)
	watermarkErrChan := make(chan error)
	go func() { indexErrChan <- index() }()
	go func() { watermarkErrChan <- watermark() }() // leakvet:lostsend
	if err := <-indexErrChan; err != nil {
		return err
	}
	return <-watermarkErrChan
}
