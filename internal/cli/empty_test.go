package cli

import (
	"os"
	"strings"
	"testing"
)

// TestAnalyzeEmptyLeakProfile: a healthy service's goroutineleak profile
// lists no goroutine. That is the runtime's answer, "nothing proven", not
// input without a dump: exit 0, in both forms the profile is served in.
func TestAnalyzeEmptyLeakProfile(t *testing.T) {
	for _, file := range []string{
		"../../testdata/healthy/nats-server-go1.27/fresh.leak1.txt",
		"../../testdata/healthy/nats-server-go1.27/fresh.leak.pb.gz",
	} {
		if _, err := os.Stat(file); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := run(t, "", "analyze", "--color", "never", file)
		if code != ExitOK || !strings.Contains(out, "0 goroutines in ") || !strings.Contains(out, "no leak found") ||
			!strings.Contains(out, "the profile lists no goroutines") {
			t.Errorf("%s: exit %d\n%s%s", file, code, out, errOut)
		}
	}
	// Text with no goroutine and no profile header is still an error.
	if code, _, errOut := run(t, "hello\n", "analyze"); code != ExitError || !strings.Contains(errOut, "no goroutine dump or profile found") {
		t.Errorf("plain text: exit %d, %s", code, errOut)
	}
}
