package leakhound

import (
	"testing"
	"time"

	"github.com/leakhound/leakhound/stack"
	"io"
	"slices"
	"strings"
)

// SetTestMainOutput redirects VerifyTestMain's report and exit for a test.
func SetTestMainOutput(w io.Writer, exit func(int)) (restore func()) {
	oldW, oldExit := stderr, osExit
	stderr, osExit = func() io.Writer { return w }, exit
	return func() { stderr, osExit = oldW, oldExit }
}

// CurrentLabels returns the caller's pprof labels as sorted "k=v" pairs
// joined by commas, as tracebacks show them.
func CurrentLabels() (string, int64) {
	id, ls := current(true)
	var kv []string
	for _, l := range ls {
		kv = append(kv, l.Key+"="+l.Value)
	}
	slices.Sort(kv)
	return strings.Join(kv, ","), id
}

func TestBuildOptsDefaults(t *testing.T) {
	t.Setenv(SettleEnv, "")
	o, err := buildOpts(atFind)
	if err != nil {
		t.Fatal(err)
	}
	if o.settle != DefaultSettle || o.cleanup != nil || o.runOnFailure || len(o.rules) != 0 || o.ignoreIDs != nil {
		t.Errorf("defaults: %+v", o)
	}
	t.Setenv(SettleEnv, "2s")
	if o, _ := buildOpts(atTrack); o.settle != 2*time.Second {
		t.Errorf("%s=2s: settle %v", SettleEnv, o.settle)
	}
	if o, _ := buildOpts(atTrack, Settle(time.Millisecond)); o.settle != time.Millisecond {
		t.Errorf("Settle does not override %s: %v", SettleEnv, o.settle)
	}
}

func TestEntryPoints(t *testing.T) {
	for _, tc := range []struct {
		at   entry
		opt  Option
		fail bool
	}{
		{atFind, Cleanup(func(int) {}), true},
		{atVerifyNone, Cleanup(func(int) {}), false},
		{atTrack, Cleanup(func(int) {}), false},
		{atTestMain, Cleanup(func(int) {}), false},
		{atFind, RunOnFailure(), true},
		{atVerifyNone, RunOnFailure(), true},
		{atTrack, RunOnFailure(), false},
		{atTestMain, RunOnFailure(), false},
	} {
		_, err := buildOpts(tc.at, tc.opt)
		if (err != nil) != tc.fail {
			t.Errorf("%s: err = %v, want failure %v", tc.at, err, tc.fail)
		}
	}
}

func TestTestFunc(t *testing.T) {
	for f, want := range map[stack.Func]string{
		"example.com/m.TestServe":              "TestServe",
		"example.com/m_test.TestServe.func1.2": "TestServe",
		"example.com/m.BenchmarkX.func3":       "BenchmarkX",
		"example.com/m.FuzzParse.func1":        "FuzzParse",
		"example.com/m.Test":                   "Test",
		"example.com/m.Testify":                "",
		"example.com/m.startWorker":            "",
		"example.com/m.(*Suite).TestX":         "",
		"testing.tRunner":                      "",
		"example.com/m.Example_suffix":         "Example_suffix",
		"example.com/m.TestÄpfel.func1":        "TestÄpfel",
		"example.com/m.Testäpfel":              "",
	} {
		if got := testFunc(f); got != want {
			t.Errorf("testFunc(%s) = %q, want %q", f, got, want)
		}
	}
}
