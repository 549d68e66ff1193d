package stack

import (
	"strings"
	"testing"
)

// TestUnnamedProfileFrame: Go 1.27's goroutineleak profile prints a record
// whose one frame is a PC with no function ("#\t0x0"); it parses, as a
// proven goroutine with an unnamed frame, instead of stopping the read.
func TestUnnamedProfileFrame(t *testing.T) {
	in := "goroutineleak profile: total 2\n1 @ 0x48c1aa 0x493081\n#\t0x6824bd\tmain.f+0x1d\t/x/main.go:9\n\n1 @\n#\t0x0\n\n"
	gs, err := Parse(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || !gs[1].Leaked || len(gs[1].Stack) != 1 || gs[1].Stack[0].Func != "" {
		t.Fatalf("goroutines %+v", gs)
	}
}
