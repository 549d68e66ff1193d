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
//
// A watch reads a service again and again; with Options.Memory, a service
// that answered 404 for the goroutineleak profile is not asked for it again
// until it restarts or ProofRecheck has passed, which halves the requests
// of each round of a fleet on older runtimes.
//
// Services that serve pprof over https with a private CA, or that want a
// client certificate, are read with the client TLS.Client returns.
package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
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
	// Proto bounds protobuf profiles; zero fields take pprofstack's
	// defaults.
	Proto pprofstack.Limits
	// Notify, when set, is told what the user should know before a
	// request that costs the service: a full dump of many goroutines
	// stops its world for seconds.
	Notify func(msg string)
	// Progress, when set, is called as a full dump is read, every few
	// thousand goroutines, with how many were read and how many the
	// service reported (0 when unknown).
	Progress func(read, total int)
	// Memory, when set, carries what Fetch learned of this service to
	// the next Fetch of it: one Memory per service (see Memory).
	Memory *Memory
	// Auth is the services' credentials, added to every request; a URL
	// with user:password@ takes none beside its own.
	Auth Auth
	// ProofRecheck is how long, with Memory, a service's 404 for the
	// goroutineleak profile is believed while its process stays the
	// same; 0 means DefaultProofRecheck, below 0 asks every time.
	ProofRecheck time.Duration
}

// DefaultProofRecheck is how often a watch asks a service that had no
// goroutineleak profile again, should its process not be seen to
// restart: a redeploy on Go 1.27 brings the profile, and once in ten
// minutes is one request in 60 at the default interval of 10 s.
const DefaultProofRecheck = 10 * time.Minute

// Memory is what Fetch remembers of one service between two fetches: that
// it has no goroutineleak profile, and which process said so. A watch
// keeps one per service, in the state it keeps for that service; the zero
// Memory knows nothing. It is forgotten when a Fetch fails (the service
// may come back as a new process), when the process that answers is
// another (pprofstack.Process; a profile that cannot tell, with no
// mappings, leaves only the other two), and after Options.ProofRecheck. A
// Memory is for one Fetch at a time.
type Memory struct {
	noProof bool
	process string    // the process that answered 404
	since   time.Time // when it did
}

// ask says whether to ask for the goroutineleak profile of process now.
func (m *Memory) ask(process string, now time.Time, recheck time.Duration) bool {
	return m == nil || !m.noProof || m.process != process || now.Sub(m.since) >= recheck
}

// answered records what process said of its goroutineleak profile.
func (m *Memory) answered(process string, has bool, now time.Time) {
	if m == nil {
		return
	}
	if has {
		*m = Memory{}
		return
	}
	*m = Memory{noProof: true, process: process, since: now}
}

// forget drops what was remembered.
func (m *Memory) forget() {
	if m != nil {
		*m = Memory{}
	}
}

// MaxRedirects is how many redirects a request follows, all within the
// target's scheme, host and port.
const MaxRedirects = 3

// ProofHint says what a service needs to serve the runtime's leak proof.
const ProofHint = "the goroutineleak profile needs Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile"

// Result says what Fetch read.
type Result struct {
	URLs  []string // every URL read, in order, without credentials
	Count int      // goroutines the service reported
	// Stacks is the number of distinct stacks a profile held (0 for a
	// full dump, where every goroutine has its own record).
	Stacks int
	Full   bool // a full dump was read (ids, wait minutes, created-by)
	Proof  bool // the goroutineleak profile was available and merged
	// NoProof is set when the service has no goroutineleak profile (see
	// ProofHint): it answered 404 to this Fetch, or, with
	// Options.Memory, to an earlier one of the same process.
	NoProof bool
	// Process identifies the process that answered (see
	// pprofstack.Process): a change between two fetches is a restart.
	// "" when it cannot be told, as from a text dump.
	Process string
}

// Fetch reads the goroutines of the service at target and feeds them to
// add. target is a base URL ("http://127.0.0.1:6060", pprof at
// /debug/pprof/ under it) or the URL of one profile, read as is.
//
// Credentials in target (user:password@) are used for the requests and
// left out of every URL Fetch returns or puts in an error.
func Fetch(ctx context.Context, target string, opt Options, add func(*stack.Goroutine)) (*Result, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: not an http(s) URL", Redact(target))
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
	if f.opt.ProofRecheck == 0 {
		f.opt.ProofRecheck = DefaultProofRecheck
	}
	client := http.DefaultClient
	if f.opt.Client != nil {
		client = f.opt.Client
	}
	// A copy, so that the caller's client keeps its own redirect policy.
	c := *client
	c.CheckRedirect = sameHost
	f.opt.Client = &c
	if strings.Contains(u.Path, "/debug/pprof/") && !strings.HasSuffix(u.Path, "/debug/pprof/") {
		return f.res, f.get(ctx, target, func(r io.Reader) error {
			goroutines := 0
			stacks, err := input.Read(r, input.Options{Options: opt.Parse, MaxProto: f.opt.MaxBytes, Proto: opt.Proto}, func(g *stack.Goroutine) {
				goroutines += max(g.Count, 1)
				add(g)
			})
			f.res.Count = goroutines
			f.res.Full = u.Query().Get("debug") == "2"
			if stacks != goroutines {
				f.res.Stacks = stacks
			}
			switch {
			case errors.Is(err, input.ErrEmptyProfile):
				return nil // an empty goroutineleak profile: nothing proven
			case err == nil && stacks == 0:
				err = errors.New("no goroutine dump or profile in the response")
			}
			return err
		})
	}
	base := strings.TrimSuffix(target, "/")
	base = strings.TrimSuffix(base, "/debug/pprof")
	if err := f.fetch(ctx, base+"/debug/pprof/", add); err != nil {
		// A service that did not answer may come back as a new process,
		// on a new runtime.
		opt.Memory.forget()
		return f.res, err
	}
	return f.res, nil
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
	f.res.Stacks = len(profile)
	full := f.opt.Full == FullAlways || (f.opt.Full == FullAuto && f.res.Count < f.opt.FullBelow)
	if full && f.opt.Full == FullAlways && f.opt.Notify != nil {
		n := fmt.Sprintf("%d goroutines", f.res.Count)
		if f.res.Count == 1 {
			n = "1 goroutine"
		}
		f.opt.Notify(fmt.Sprintf("asking for a full dump of %s: the service stops the world while it formats them, about %v for this many (--full auto avoids it above --full-below)",
			n, StopEstimate(f.res.Count)))
	}

	// The goroutineleak profile, when the service has it. At debug=2 it is
	// a full dump with proven leaks marked; at debug=1 it lists only them.
	// A process that said it has none is not asked again (Memory).
	var leaked []*stack.Goroutine
	now := time.Now()
	switch {
	case !f.opt.Memory.ask(process, now, f.opt.ProofRecheck):
		f.res.NoProof = true
	case full:
		err = f.get(ctx, pprof+"goroutineleak?debug=2", func(r io.Reader) error {
			f.res.Proof, f.res.Full, f.res.Stacks = true, true, 0
			return f.dump(r, add)
		})
	default:
		leaked, _, err = f.proto(ctx, pprof+"goroutineleak?debug=0")
		f.res.Proof = err == nil
	}
	var nf *notFound
	switch {
	case errors.As(err, &nf):
		f.res.Proof, f.res.NoProof = false, true
		f.opt.Memory.answered(process, false, now)
	case err != nil:
		return err
	case f.res.Proof:
		f.opt.Memory.answered(process, true, now)
	}
	if f.res.Full {
		return nil
	}

	if full {
		return f.get(ctx, pprof+"goroutine?debug=2", func(r io.Reader) error {
			f.res.Full, f.res.Stacks = true, 0
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

// StopEstimate is about how long a service stops the world to format a
// full dump of n goroutines: 0.4 s at 10k and 7 s at 100k were measured on
// 2 cores, so about 70 µs a goroutine at the large end that matters.
func StopEstimate(n int) time.Duration {
	d := time.Duration(n) * 70 * time.Microsecond
	if d < time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// progressEvery is how many goroutines of a dump go by between two calls
// of Options.Progress.
const progressEvery = 10000

// dump streams a full text dump to add.
func (f *fetcher) dump(r io.Reader, add func(*stack.Goroutine)) error {
	p := stack.NewParser(r, f.opt.Parse)
	n := 0
	for p.Next() {
		add(p.Goroutine())
		n++
		if f.opt.Progress != nil && n%progressEvery == 0 {
			f.opt.Progress(n, f.res.Count)
		}
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
		p, err := pprofstack.Decode(r, f.opt.Proto)
		if err != nil {
			return err
		}
		process, gs = p.Process, p.Goroutines
		return nil
	})
	return gs, process, err
}

type notFound struct{ url string }

func (e *notFound) Error() string {
	switch {
	case strings.Contains(e.url, "/debug/pprof/goroutineleak"):
		return e.url + ": 404 not found: " + ProofHint
	case strings.Contains(e.url, "/debug/pprof/"):
		return e.url + ": 404 not found (is net/http/pprof served at /debug/pprof/?)"
	}
	return e.url + ": 404 not found"
}

// sameHost is the redirect policy: a few redirects, all to the scheme,
// host and port of the first request, so that a target cannot send
// leakhound, with the target's credentials, to another machine.
func sameHost(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("more than %d redirects", MaxRedirects)
	}
	if from := via[0].URL; origin(req.URL) != origin(from) {
		return fmt.Errorf("redirected to %s, another host than %s: leakhound follows redirects only within one scheme, host and port",
			Redact(req.URL.String()), origin(from))
	}
	return nil
}

// origin is a URL's scheme, host and port, the port spelled out.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// Redact returns s with the credentials (user:password@) of every URL in
// it left out, so that a URL, or an error that quotes one, can be printed,
// stored or logged. It works on the text, so even a URL that does not
// parse loses them.
func Redact(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			break
		}
		b.WriteString(s[:i+3])
		s = s[i+3:]
		end := strings.IndexAny(s, "/?#\"' \t\n<>")
		if end < 0 {
			end = len(s)
		}
		if at := strings.LastIndexByte(s[:end], '@'); at >= 0 {
			s = s[at+1:]
		}
	}
	b.WriteString(s)
	return b.String()
}

// get reads one URL, bounded in time and size, and hands the body to read.
//
// The body must arrive whole: a read error, a chunked body cut short or
// fewer bytes than Content-Length declares is an error, never a smaller
// dump.
func (f *fetcher) get(ctx context.Context, target string, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, f.opt.Timeout)
	defer cancel()
	u := Redact(target)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("%s: %v", u, redactErr(err))
	}
	if f.opt.Auth.Set() {
		if err := f.opt.Auth.Check(req.URL.User != nil); err != nil {
			return fmt.Errorf("%s: %v", u, err)
		}
		if err := f.opt.Auth.Apply(req); err != nil {
			return err
		}
	}
	f.res.URLs = append(f.res.URLs, u)
	resp, err := f.opt.Client.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("%s: no complete answer within %v", u, f.opt.Timeout)
		}
		return fmt.Errorf("cannot read %s: %v%s", u, redactErr(unwrap(err)), tlsHint(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return &notFound{u}
	case resp.StatusCode != http.StatusOK:
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		hint := ""
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			hint = " (check --pprof-token-file or --pprof-user)"
			if req.URL.User != nil {
				hint = " (check the URL's user:password@)"
			}
		}
		// The body and the reason phrase are the service's to choose: the
		// one quoted, the other left out, so that no escape sequence or
		// newline from them reaches a terminal or a log line.
		return fmt.Errorf("%s: %d %s: %s%s", u, resp.StatusCode, http.StatusText(resp.StatusCode), strconv.Quote(firstLine(msg)), hint)
	}
	whole := &counted{r: resp.Body}
	body := &capped{r: whole, n: f.opt.MaxBytes}
	err = read(body)
	if err == nil {
		// What the reader left, up to the cap, so that a body cut short
		// after the last goroutine is still noticed.
		_, err = io.Copy(io.Discard, body)
	}
	switch {
	case body.hit:
		return fmt.Errorf("%s: response larger than %d bytes (raise --max-bytes)", u, f.opt.MaxBytes)
	case err == nil && whole.err == nil && (resp.ContentLength < 0 || whole.n == resp.ContentLength):
		return nil
	case ctx.Err() == context.DeadlineExceeded:
		return fmt.Errorf("%s: no complete answer within %v", u, f.opt.Timeout)
	case whole.err != nil:
		return fmt.Errorf("%s: the response was cut short after %d bytes: %v", u, whole.n, unwrap(whole.err))
	case resp.ContentLength >= 0 && whole.n != resp.ContentLength:
		return fmt.Errorf("%s: the response was cut short: %d of the %d bytes it declared", u, whole.n, resp.ContentLength)
	}
	return fmt.Errorf("%s: %w", u, err)
}

// counted counts the bytes read through it and keeps the first error other
// than io.EOF: a transport error, io.ErrUnexpectedEOF for a short body.
type counted struct {
	r   io.Reader
	n   int64
	err error
}

func (c *counted) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// redactErr drops credentials from the URLs an error's text may quote.
func redactErr(err error) error {
	if s := err.Error(); strings.Contains(s, "@") {
		return errors.New(Redact(s))
	}
	return err
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
