package cli

import (
	"strings"
	"testing"
)

// TestLimitFlag: a limit error names the flag that raises it, and the flag
// does raise it; a bad name or value is a flag error.
func TestLimitFlag(t *testing.T) {
	const file = "../../testdata/hostile/many-samples.pb.gz"
	code, _, errOut := run(t, "", "analyze", file)
	if code != ExitError || !strings.Contains(errOut, "raise it with --limit Stacks=N") || strings.Contains(errOut, "pprofstack.Limits") {
		t.Errorf("exit %d, %q; want the --limit flag named", code, errOut)
	}
	if code, _, errOut := run(t, "", "analyze", "--limit", "Stacks=1000000", "--color", "never", file); code == ExitError {
		t.Errorf("--limit Stacks=1000000: exit %d, %q", code, errOut)
	}
	for _, bad := range []string{"Nope=3", "Stacks", "Stacks=x", "Stacks=0"} {
		if code, _, errOut := run(t, "", "analyze", "--limit", bad, file); code != ExitError || !strings.Contains(errOut, "-limit") {
			t.Errorf("--limit %s: exit %d, %q", bad, code, errOut)
		}
	}
}
