package pprofstack

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// nilStates counts the goroutines of a profile by the wait nilChanState
// gave them.
func nilStates(t *testing.T, data []byte) map[string]int {
	t.Helper()
	gs, err := Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, g := range gs {
		n[g.State] += g.Count
	}
	return n
}

// TestNilChanOldGo: profiles written by Go 1.21 and 1.23 (each parks one
// goroutine on a nil channel's send and one on its receive, and one on each
// of a made channel nobody uses; see the program in the test's comment
// below) tell the nil ones apart, from the distance between the park and
// the start of chansend and chanrecv.
//
//	var nilc chan int
//	go func() { nilc <- 1 }()
//	go func() { <-nilc }()
//	go func() { c := make(chan int); c <- 1 }()
//	go func() { c := make(chan int); <-c }()
func TestNilChanOldGo(t *testing.T) {
	for _, v := range []string{"1.21", "1.23"} {
		data, err := os.ReadFile(filepath.Join("testdata", "nilchan-go"+v+".pb.gz"))
		if err != nil {
			t.Fatal(err)
		}
		n := nilStates(t, data)
		if n["chan send (nil chan)"] != 1 || n["chan receive (nil chan)"] != 1 {
			t.Errorf("go%s: waits %v, want one nil-channel send and one receive", v, n)
		}
	}
}

var nilForTest chan int

// TestNilChanThisGo: the same, on a profile of this process, written by
// the Go that runs the test.
func TestNilChanThisGo(t *testing.T) {
	made := make(chan int)
	for range 3 {
		go func() { nilForTest <- 1 }()
		go func() { <-nilForTest }()
		go func() { made <- 1 }()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		dump := string(buf[:runtime.Stack(buf, true)])
		if strings.Count(dump, "[chan send (nil chan)") >= 3 && strings.Count(dump, "[chan receive (nil chan)") >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("goroutines not parked within 30 s")
		}
		time.Sleep(time.Millisecond)
	}
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 0); err != nil {
		t.Fatal(err)
	}
	n := nilStates(t, b.Bytes())
	if n["chan send (nil chan)"] < 3 || n["chan receive (nil chan)"] < 3 {
		t.Errorf("waits %v, want 3 nil-channel sends and 3 receives", n)
	}
	// The three sends on a made channel must not read as nil: the states
	// a profile leaves empty are inferred later from the frames.
	if n["chan send (nil chan)"] > 3 || n["chan receive (nil chan)"] > 3 {
		t.Errorf("waits %v: more nil channels than parked on one", n)
	}
}
