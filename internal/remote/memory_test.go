package remote

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/leakhound/leakhound/internal/remote/pproftest"
)

// childEnv makes the test binary a service: net/http/pprof on loopback,
// its address on stdout, until its stdin closes.
const childEnv = "LEAKHOUND_REMOTE_TEST_SERVICE"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		serveChild()
		return
	}
	os.Exit(m.Run())
}

func serveChild() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	http.Serve(ln, mux)
}

// startChild runs this test binary as a separate service process and
// returns its URL and a func that ends it.
func startChild(t *testing.T) (*url.URL, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// Its stdin stays open until this process ends, however it ends.
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := sync.OnceFunc(func() { cmd.Process.Kill(); cmd.Wait() })
	t.Cleanup(stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("service: %v", err)
	}
	u, _ := url.Parse("http://" + strings.TrimSpace(line))
	return u, stop
}

const leakPath = pproftest.LeakProfile

// TestMemoryAsksOnce: rounds of a watch on a service without the
// goroutineleak profile ask for it once, not each round, and each round
// still says it has none; without a Memory, as analyze fetches, each
// Fetch asks.
func TestMemoryAsksOnce(t *testing.T) {
	for _, full := range []Full{FullNever, FullAlways} {
		c := pproftest.NewFront(t, http.HandlerFunc(pprof.Index))
		var m Memory
		const rounds = 5
		for i := range rounds {
			res, n, err := fetch(t, c.URL, Options{Full: full, Memory: &m})
			if err != nil || n == 0 || !res.NoProof || res.Proof {
				t.Fatalf("full=%v round %d: %d goroutines, %+v, %v", full, i, n, res, err)
			}
			if full == FullAlways && !res.Full {
				t.Errorf("full=%v round %d: no full dump: %+v", full, i, res)
			}
		}
		if got := c.Count(leakPath); got != 1 {
			t.Errorf("full=%v: %d rounds asked %d times for the goroutineleak profile, want 1", full, rounds, got)
		}
		if got := c.Count("/debug/pprof/goroutine"); got < rounds {
			t.Errorf("full=%v: %d goroutine requests in %d rounds", full, got, rounds)
		}
	}

	c := pproftest.NewFront(t, http.HandlerFunc(pprof.Index))
	for range 3 {
		if res, _, err := fetch(t, c.URL, Options{}); err != nil || !res.NoProof {
			t.Fatalf("%+v, %v", res, err)
		}
	}
	if got := c.Count(leakPath); got != 3 {
		t.Errorf("without a Memory: 3 fetches asked %d times, want 3", got)
	}
}

// TestMemoryForgets: a failed round (the service may come back as
// another process) and the passing of ProofRecheck make the next round
// ask again.
func TestMemoryForgets(t *testing.T) {
	c := pproftest.NewFront(t, http.HandlerFunc(pprof.Index))
	var m Memory
	round := func(wantAsks int) {
		t.Helper()
		res, _, err := fetch(t, c.URL, Options{Full: FullNever, Memory: &m})
		if err != nil || !res.NoProof {
			t.Fatalf("%+v, %v", res, err)
		}
		if got := c.Count(leakPath); got != wantAsks {
			t.Fatalf("asked %d times for the goroutineleak profile, want %d", got, wantAsks)
		}
	}
	round(1)
	round(1)
	c.Down.Store(true)
	if _, _, err := fetch(t, c.URL, Options{Full: FullNever, Memory: &m}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("a service down: %v", err)
	}
	c.Down.Store(false)
	round(2)
	round(2)
	// Ten minutes on, in the Memory's eyes.
	m.since = m.since.Add(-DefaultProofRecheck)
	round(3)
	round(3)
	res, _, err := fetch(t, c.URL, Options{Full: FullNever, Memory: &m, ProofRecheck: -1})
	if err != nil || !res.NoProof || c.Count(leakPath) != 4 {
		t.Errorf("ProofRecheck below zero asks every time: %d asks, %+v, %v", c.Count(leakPath), res, err)
	}
}

// TestMemoryRestart: a service replaced by another process between two
// rounds, with no failed request (behind a proxy, as in a rolling deploy),
// is asked again: the new process may run a newer Go.
func TestMemoryRestart(t *testing.T) {
	first, stopFirst := startChild(t)
	c := pproftest.NewFront(t, pproftest.ProxyTo(first))
	var m Memory
	var processes []string
	round := func(wantAsks int) {
		t.Helper()
		res, n, err := fetch(t, c.URL, Options{Full: FullNever, Memory: &m})
		if err != nil || n == 0 || !res.NoProof {
			t.Fatalf("%d goroutines, %+v, %v", n, res, err)
		}
		processes = append(processes, res.Process)
		if got := c.Count(leakPath); got != wantAsks {
			t.Fatalf("asked %d times for the goroutineleak profile, want %d", got, wantAsks)
		}
	}
	round(1)
	round(1)
	round(1)
	second, _ := startChild(t)
	c.Use(pproftest.ProxyTo(second))
	stopFirst()
	res, _, err := fetch(t, c.URL, Options{Full: FullNever})
	if err != nil {
		t.Fatal(err)
	}
	if res.Process == processes[0] {
		t.Skip("the two processes cannot be told apart from their profiles (is ASLR off?)")
	}
	round(3) // the fetch above, without the Memory, asked too
	round(3)
}
