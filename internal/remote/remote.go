// Package remote reads the goroutines of a live service through its
// net/http/pprof endpoints, at a cost the service can bear.
//
// A full dump (/debug/pprof/goroutine?debug=2) stops the world while it
// formats every stack: about 0.4 s at 10k goroutines and 7 s at 100k,
// measured on 2 cores. The debug=1 profile pauses for under 0.1 ms. So
// Fetch first reads the debug=1 profile, which gives the count, and asks for
// a full dump only below a threshold; above it the profile is the answer.
// When the service has the goroutineleak profile (Go 1.26 with
// GOEXPERIMENT=goroutineleakprofile, Go 1.27 on), its proof is merged in.
package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/input"
	"github.com/leakhound/leakhound/pprofstack"
	"github.com/leakhound/leakhound/stack"
)

// Full says when to ask for a full dump.
type Full int

const (
	FullAuto   Full = iota // below Options.FullBelow goroutines
	FullAlways             // whatever the count: can pause a large service for seconds
	FullNever              // profiles only
)

// Options configure Fetch.
type Options struct {
	Client *http.Client // nil: http.DefaultClient with Timeout
	// Timeout bounds each request; 0 means 30 s.
	Timeout time.Duration
	// MaxBytes bounds each response; 0 means 256 MiB.
	MaxBytes int64
	Full     Full
	// FullBelow is the goroutine count under which FullAuto asks for a
	// full dump; 0 means 5000 (about 0.2 s of stopped world).
	FullBelow int
	Parse     stack.Options
}

// Result says what Fetch read.
type Result struct {
	URLs  []string // every URL read, in order
	Count int      // goroutines the service reported
	Full  bool     // a full dump was read (ids, wait minutes, created-by)
	Proof bool     // the goroutineleak profile was available and merged
	// Process identifies the process that answered (see
	// pprofstack.Process): a change between two fetches is a restart.
	// "" when it cannot be told, as from a text dump.
	Process string
}

// Fetch reads the goroutines of the service at target and feeds them to
// add. target is a base URL ("http://127.0.0.1:6060", pprof at
// /debug/pprof/ under it) or the URL of one profile, read as is.
func Fetch(ctx context.Context, target string, opt Options, add func(*stack.Goroutine)) (*Result, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: not an http(s) URL", target)
	}
	f := &fetcher{opt: opt, res: &Result{}}
	if f.opt.Timeout == 0 {
		f.opt.Timeout = 30 * time.Second
	}
	if f.opt.MaxBytes == 0 {
		f.opt.MaxBytes = 256 << 20
	}
	if f.opt.FullBelow == 0 {
		f.opt.FullBelow = 5000
	}
	if f.opt.Client == nil {
		f.opt.Client = http.DefaultClient
	}
	if strings.Contains(u.Path, "/debug/pprof/") && !strings.HasSuffix(u.Path, "/debug/pprof/") {
		return f.res, f.get(ctx, target, func(r io.Reader) error {
			n, err := input.Read(r, input.Options{Options: opt.Parse, MaxProto: f.opt.MaxBytes}, add)
			f.res.Count = n
			f.res.Full = u.Query().Get("debug") == "2"
			if err == nil && n == 0 {
				err = errors.New("no goroutine dump or profile in the response")
			}
			return err
		})
	}
	base := strings.TrimSuffix(target, "/")
	base = strings.TrimSuffix(base, "/debug/pprof")
	return f.res, f.fetch(ctx, base+"/debug/pprof/", add)
}

type fetcher struct {
	opt Options
	res *Result
}

func (f *fetcher) fetch(ctx context.Context, pprof string, add func(*stack.Goroutine)) error {
	// The debug=0 profile: cheap, keeps the runtime frames that tell the
	// wait, and its samples add up to the count.
	profile, process, err := f.proto(ctx, pprof+"goroutine?debug=0")
	if err != nil {
		return err
	}
	f.res.Process = process
	for _, g := range profile {
		f.res.Count += g.Count
	}
	full := f.opt.Full == FullAlways || (f.opt.Full == FullAuto && f.res.Count < f.opt.FullBelow)

	// The goroutineleak profile, when the service has it. At debug=2 it is
	// a full dump with proven leaks marked; at debug=1 it lists only them.
	var leaked []*stack.Goroutine
	if full {
		err = f.get(ctx, pprof+"goroutineleak?debug=2", func(r io.Reader) error {
			f.res.Proof, f.res.Full = true, true
			return f.dump(r, add)
		})
	} else {
		leaked, _, err = f.proto(ctx, pprof+"goroutineleak?debug=0")
		f.res.Proof = err == nil
	}
	var nf *notFound
	switch {
	case errors.As(err, &nf):
		f.res.Proof = false
	case err != nil:
		return err
	case f.res.Full:
		return nil
	}

	if full {
		return f.get(ctx, pprof+"goroutine?debug=2", func(r io.Reader) error {
			f.res.Full = true
			return f.dump(r, add)
		})
	}
	for _, g := range SplitProven(profile, leaked) {
		add(g)
	}
	return nil
}

// SplitProven marks the goroutines of a profile that a goroutineleak
// profile proved leaked: a stack with n goroutines of which k are proven
// becomes k leaked and n-k others. Profiles carry no ids, so stacks are
// matched by their frames.
func SplitProven(all, leaked []*stack.Goroutine) []*stack.Goroutine {
	if len(leaked) == 0 {
		return all
	}
	proven := make(map[string]int, len(leaked))
	for _, g := range leaked {
		proven[key(g)] += g.Count
	}
	out := make([]*stack.Goroutine, 0, len(all)+len(leaked))
	for _, g := range all {
		k := key(g)
		n := min(proven[k], g.Count)
		if n == 0 {
			out = append(out, g)
			continue
		}
		proven[k] -= n
		l := g.Clone()
		l.Count, l.Leaked = n, true
		out = append(out, l)
		if g.Count > n {
			g.Count -= n
			out = append(out, g)
		}
	}
	return out
}

func key(g *stack.Goroutine) string {
	var b strings.Builder
	for _, f := range g.Stack {
		fmt.Fprintf(&b, "%s %s:%d\n", f.Func, f.File, f.Line)
	}
	return b.String()
}

// dump streams a full text dump to add.
func (f *fetcher) dump(r io.Reader, add func(*stack.Goroutine)) error {
	p := stack.NewParser(r, f.opt.Parse)
	n := 0
	for p.Next() {
		add(p.Goroutine())
		n++
	}
	if p.Err() == nil && n == 0 {
		return errors.New("not a goroutine dump: no goroutine in it")
	}
	return p.Err()
}

// proto reads a protobuf profile: its goroutines and the process that
// wrote it.
func (f *fetcher) proto(ctx context.Context, u string) ([]*stack.Goroutine, string, error) {
	var gs []*stack.Goroutine
	var process string
	err := f.get(ctx, u, func(r io.Reader) error {
		p, err := pprofstack.Read(r)
		if err != nil {
			return err
		}
		process = pprofstack.Process(p)
		gs, err = pprofstack.Goroutines(p)
		return err
	})
	return gs, process, err
}

type notFound struct{ url string }

func (e *notFound) Error() string { return e.url + ": 404 not found" }

// get reads one URL, bounded in time and size, and hands the body to read.
func (f *fetcher) get(ctx context.Context, u string, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, f.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%s: %v", u, err)
	}
	f.res.URLs = append(f.res.URLs, u)
	resp, err := f.opt.Client.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("%s: no complete answer within %v", u, f.opt.Timeout)
		}
		return fmt.Errorf("cannot read %s: %v", u, unwrap(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return &notFound{u}
	case resp.StatusCode != http.StatusOK:
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("%s: %s: %s", u, resp.Status, firstLine(msg))
	}
	body := &capped{r: resp.Body, n: f.opt.MaxBytes}
	if err := read(body); err != nil {
		if body.hit {
			return fmt.Errorf("%s: response larger than %d bytes (raise --max-bytes)", u, f.opt.MaxBytes)
		}
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("%s: no complete answer within %v", u, f.opt.Timeout)
		}
		return fmt.Errorf("%s: %v", u, err)
	}
	if body.hit {
		return fmt.Errorf("%s: response larger than %d bytes (raise --max-bytes)", u, f.opt.MaxBytes)
	}
	return nil
}

// capped reads at most n bytes and remembers whether there was more.
type capped struct {
	r   io.Reader
	n   int64
	hit bool
}

func (c *capped) Read(p []byte) (int, error) {
	if c.n <= 0 {
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			c.hit = true
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 80 {
		b = b[:80]
	}
	return string(bytes.TrimSpace(b))
}

// unwrap drops the Go-syntax prefix of *url.Error, keeping the cause:
// "dial tcp 127.0.0.1:1: connect: connection refused".
func unwrap(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
