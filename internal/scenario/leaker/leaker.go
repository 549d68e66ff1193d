package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	rpprof "runtime/pprof"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/scenario"
)

// format is one way to print the dump.
type format struct {
	name string
	// godebug, when set, makes the leaker run itself again with this
	// setting added to GODEBUG (read only at start-up) and print the
	// child's runtime.Stack dump.
	godebug string
	// traceback is passed to debug.SetTraceback before the scenarios start.
	traceback string
	// leak formats need the goroutineleak profile.
	leak bool
	dump func() error
}

var formats = []format{
	{name: "stack", dump: stack},
	{name: "debug2", dump: fetcher("goroutine", 2, 1)},
	{name: "debug1", dump: fetcher("goroutine", 1, 1)},
	{name: "proto", dump: fetcher("goroutine", 0, 1)},
	// The goroutineleak profile is fetched twice: one leak-detecting GC
	// does not always prove a deadlock on a small mutex.
	{name: "leak2", leak: true, dump: fetcher("goroutineleak", 2, 2)},
	{name: "leak1", leak: true, dump: fetcher("goroutineleak", 1, 2)},
	{name: "leakproto", leak: true, dump: fetcher("goroutineleak", 0, 2)},
	{name: "leakstack", leak: true, dump: stackAfterLeakGC},
	{name: "panic", traceback: "all", dump: panicking},
	{name: "crash", traceback: "crash", dump: crash},
	{name: "sigquit", dump: sigquit},
	{name: "ancestors", godebug: "tracebackancestors=5"},
	{name: "labels", godebug: "tracebacklabels=1"},
	{name: "deadlock", traceback: "all", dump: deadlock},
}

func formatNames() string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// exitError carries the process exit code of an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 2
}

func run(formatName, list string) error {
	var f *format
	for i := range formats {
		if formats[i].name == formatName {
			f = &formats[i]
		}
	}
	if f == nil {
		return fmt.Errorf("unknown -format %q (want one of %s)", formatName, formatNames())
	}
	names := scenario.Names()
	if f.name == "deadlock" {
		names = scenario.DeadlockSet
	}
	if list != "" {
		names = strings.Split(list, ",")
		for i := range names {
			names[i] = strings.TrimSpace(names[i])
		}
	}
	if f.godebug != "" {
		return reexec(f.godebug, names)
	}
	if f.leak && rpprof.Lookup("goroutineleak") == nil {
		return &exitError{3, fmt.Errorf("-format %s: this runtime has no goroutineleak profile (%s; build with GOEXPERIMENT=goroutineleakprofile)", f.name, runtime.Version())}
	}
	if f.traceback != "" {
		debug.SetTraceback(f.traceback)
	}
	if err := scenario.Start(names...); err != nil {
		return err
	}
	return f.dump()
}

// reexec runs the leaker again with setting added to GODEBUG and passes its
// stack dump through.
func reexec(setting string, names []string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	godebug := setting
	if old := os.Getenv("GODEBUG"); old != "" {
		godebug = old + "," + setting
	}
	cmd := exec.Command(self, "-format", "stack", "-scenarios", strings.Join(names, ","))
	cmd.Env = append(os.Environ(), "GODEBUG="+godebug)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return &exitError{ee.ExitCode(), fmt.Errorf("child with GODEBUG=%s: %v", godebug, err)}
		}
		return err
	}
	return nil
}

func stack() error {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			_, err := os.Stdout.Write(buf[:n])
			return err
		}
		buf = make([]byte, 2*len(buf))
	}
}

// stackAfterLeakGC runs the leak-detecting GC (twice, as the leak formats
// fetch their profile) and then prints runtime.Stack: a goroutine the GC
// proved stays marked for good, so every later dump of the process, not only
// the leak profile, prints it "(leaked)".
func stackAfterLeakGC() error {
	p := rpprof.Lookup("goroutineleak")
	for range 2 {
		if err := p.WriteTo(io.Discard, 0); err != nil {
			return err
		}
	}
	return stack()
}

// fetcher returns a dump func that serves net/http/pprof on loopback and
// prints the profile name at the debug level, fetched times times (the last
// answer is printed).
func fetcher(name string, level, times int) func() error {
	return func() error {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: scenario.PprofMux(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()

		url := fmt.Sprintf("http://%s/debug/pprof/%s?debug=%d", ln.Addr(), name, level)
		client := &http.Client{Timeout: 30 * time.Second}
		var body []byte
		for i := 0; i < times; i++ {
			if body, err = get(client, url); err != nil {
				return err
			}
		}
		_, err = os.Stdout.Write(body)
		return err
	}
}

func get(client *http.Client, url string) ([]byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		line, _, _ := strings.Cut(string(body), "\n")
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, line)
	}
	return body, nil
}

// panicking panics on a new goroutine; with traceback "all" the runtime
// prints every goroutine and exits with status 2.
func panicking() error {
	go func() {
		panic("leaker: panic requested by -format panic")
	}()
	select {}
}

// crash is panicking with GOTRACEBACK=crash: headers carry gp=, m= and mp=,
// frames carry fp=, sp= and pc=, and the runtime aborts with SIGABRT.
func crash() error {
	noCoreDump()
	return panicking()
}

// deadlock blocks the main goroutine too, so nothing can run and the runtime
// reports "all goroutines are asleep - deadlock!".
func deadlock() error {
	select {}
}
