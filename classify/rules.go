package classify

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/leakhound/leakhound/stack"
)

// A Rule marks goroutines that block by design. A goroutine matching any rule
// is class Idle, verdict ok.
//
// Patterns match fully qualified function names: an exact name, a prefix
// ending in "*" ("net/http.(*conn).*"), or a regular expression between
// slashes ("/^example.com/m\\.worker/").
type Rule struct {
	Where  Where
	Match  string
	Reason string // why it is not a leak, shown with -v
	// OnlyIn limits the rule to goroutines in this wait reason. Frames that
	// call user code (an HTTP server connection runs its handlers) are idle
	// only while they wait for the network, not while a handler blocks.
	OnlyIn string

	re *regexp.Regexp
}

// Where says which frames a rule looks at.
type Where string

const (
	Top       Where = "top"     // the first frame outside the runtime (goleak's IgnoreTopFunction)
	Any       Where = "any"     // any frame (goleak's IgnoreAnyFunction)
	CreatedBy Where = "created" // the function whose go statement started it (goleak's IgnoreCreatedBy)
	State     Where = "state"   // the wait reason, "IO wait"
)

// ParseRule reads a rule written as "where:pattern", e.g.
// "any:net/http.(*Server).Serve" or "created:example.com/m.startPool*".
// A pattern with no "where:" matches any frame.
func ParseRule(s string) (Rule, error) {
	r := Rule{Where: Any, Match: s, Reason: "your rule " + s}
	if i := strings.IndexByte(s, ':'); i > 0 {
		switch w := Where(s[:i]); w {
		case Top, Any, CreatedBy, State:
			r.Where, r.Match = w, s[i+1:]
		}
	}
	if err := r.compile(); err != nil {
		return Rule{}, err
	}
	return r, nil
}

func (r *Rule) compile() error {
	if r.Match == "" {
		return fmt.Errorf("rule %q: empty pattern", r.Match)
	}
	if n := len(r.Match); n > 2 && r.Match[0] == '/' && r.Match[n-1] == '/' {
		re, err := regexp.Compile(r.Match[1 : n-1])
		if err != nil {
			return fmt.Errorf("rule %q: %v", r.Match, err)
		}
		r.re = re
	}
	return nil
}

func (r *Rule) matchName(s string) bool {
	switch {
	case r.re != nil:
		return r.re.MatchString(s)
	case strings.HasSuffix(r.Match, "*"):
		return strings.HasPrefix(s, r.Match[:len(r.Match)-1])
	}
	return s == r.Match
}

// matches reports whether the rule covers g, whose first frame outside the
// runtime is top and whose wait reason, read or inferred, is state.
func (r *Rule) matches(g *stack.Goroutine, state string, top int) bool {
	if r.OnlyIn != "" && state != r.OnlyIn {
		return false
	}
	switch r.Where {
	case Top:
		return top < len(g.Stack) && r.matchName(string(g.Stack[top].Func))
	case CreatedBy:
		return r.matchName(string(g.CreatedBy.Func))
	case State:
		return r.matchName(state)
	}
	for _, f := range g.Stack {
		if r.matchName(string(f.Func)) {
			return true
		}
	}
	return false
}

func mustRule(w Where, match, reason string) Rule {
	r := Rule{Where: w, Match: match, Reason: reason}
	if err := r.compile(); err != nil {
		panic(err)
	}
	return r
}

func ioIdle(match, reason string) Rule {
	r := mustRule(Any, match, reason)
	r.OnlyIn = "IO wait"
	return r
}

// DefaultRules are the goroutines of the standard library and well-known
// modules that block by design. Users extend the list; they cannot shrink it
// except by turning defaults off as a whole.
var DefaultRules = []Rule{
	mustRule(Any, "net/http.(*Server).Serve", "an HTTP server's accept loop"),
	ioIdle("net/http.(*conn).serve", "an HTTP server connection waiting for the next request"),
	mustRule(Any, "net/http.(*connReader).backgroundRead", "an HTTP server watching its connection"),
	mustRule(Any, "net/http.(*persistConn).readLoop", "an HTTP client keep-alive connection"),
	mustRule(Any, "net/http.(*persistConn).writeLoop", "an HTTP client keep-alive connection"),
	mustRule(Any, "net/http.(*http2ClientConn).readLoop", "an HTTP/2 client connection"),
	ioIdle("net/http.(*http2serverConn).readFrames", "an HTTP/2 server connection"),
	mustRule(Any, "net/http/httptest.(*Server).goServe.func1", "an httptest server's accept loop"),
	mustRule(Any, "net.(*netFD).accept", "a listener's accept loop"),
	mustRule(Any, "os/signal.signal_recv", "the os/signal delivery loop"),
	mustRule(Any, "os/signal.loop", "the os/signal delivery loop"),
	mustRule(Top, "os/signal.NotifyContext.func1", "signal.NotifyContext waiting for a signal"),
	mustRule(Any, "testing.(*T).Run", "the testing runner waiting for a test"),
	mustRule(Any, "testing.(*T).Parallel", "a parallel test waiting for its turn"),
	mustRule(Any, "testing.runTests", "the testing runner"),
	mustRule(Any, "testing.(*M).Run", "the testing runner"),
	mustRule(Any, "testing.(*M).startAlarm*", "the test timeout alarm"),
	mustRule(Any, "testing.tRunner.func1", "the testing runner waiting for subtests"),
	mustRule(Any, "testing.(*F).Fuzz*", "the fuzzing engine"),
	mustRule(Top, "testing.(*B).run1", "the benchmark runner"),
	mustRule(Top, "testing.(*B).doBench", "the benchmark runner"),
	mustRule(Top, "testing.(*B).RunParallel", "the benchmark runner"),
	mustRule(Any, "testing/internal/testdeps.*", "the fuzzing engine"),
	mustRule(Any, "runtime/pprof.profileWriter", "the CPU profile writer"),
	mustRule(Any, "database/sql.(*DB).connectionOpener", "database/sql's connection opener"),
	mustRule(Any, "database/sql.(*DB).connectionCleaner", "database/sql's connection cleaner"),
	mustRule(Any, "github.com/golang/glog.(*fileSink).flushDaemon", "glog's flush loop"),
	mustRule(Any, "github.com/golang/glog.(*loggingT).flushDaemon", "glog's flush loop"),
	mustRule(Any, "k8s.io/klog/v2.(*flushDaemon).run*", "klog's flush loop"),
	mustRule(Any, "k8s.io/klog.(*loggingT).flushDaemon", "klog's flush loop"),
	mustRule(Any, "go.opencensus.io/stats/view.(*worker).start", "OpenCensus's stats worker"),
	mustRule(Any, "google.golang.org/grpc.(*Server).Serve", "a gRPC server's accept loop"),
	mustRule(Any, "google.golang.org/grpc/internal/transport.(*http2Server).keepalive", "gRPC server keepalive"),
	mustRule(Any, "google.golang.org/grpc/internal/transport.(*http2Client).reader", "a gRPC client connection"),
	mustRule(Any, "google.golang.org/grpc/internal/transport.(*controlBuffer).get", "a gRPC connection writer"),
	mustRule(Any, "google.golang.org/grpc/internal/grpcsync.(*CallbackSerializer).run", "gRPC's callback serializer"),
	mustRule(Any, "go.opentelemetry.io/otel/sdk/trace.(*batchSpanProcessor).processQueue", "OpenTelemetry's span exporter"),
	mustRule(Any, "github.com/leakhound/leakhound/monitor.(*Monitor).loop", "leakhound's own monitor"),
}
