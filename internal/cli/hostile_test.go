package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	rpprof "runtime/pprof"
	"strings"
	"testing"
)

// pb builds protobuf messages by hand, so that a test can write what no
// well-behaved encoder would: ids that point nowhere, millions of empty
// records.
type pb []byte

func (b pb) varint(v uint64) pb { return binary.AppendUvarint(b, v) }

// uint appends a varint field.
func (b pb) uint(field int, v uint64) pb { return b.varint(uint64(field)<<3 | 0).varint(v) }

// bytes appends a length-delimited field.
func (b pb) bytes(field int, data []byte) pb {
	return append(b.varint(uint64(field)<<3|2).varint(uint64(len(data))), data...)
}

// goroutineProfile is the start of a goroutine profile: its sample type
// and string table, "goroutine" "count".
func goroutineProfile() pb {
	var p pb
	p = p.bytes(1, pb(nil).uint(1, 1).uint(2, 2)) // sample_type {type, unit}
	for _, s := range []string{"", "goroutine", "count"} {
		p = p.bytes(6, []byte(s)) // string_table
	}
	return p
}

// missingLocation is a profile whose one sample points at location 99,
// which the profile does not have.
func missingLocation() []byte {
	sample := pb(nil).bytes(1, pb(nil).varint(99)).bytes(2, pb(nil).varint(1))
	return goroutineProfile().bytes(2, sample)
}

// emptySamples is a small gzip of n empty samples.
func emptySamples(n int) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(goroutineProfile())
	empty := bytes.Repeat([]byte{2<<3 | 2, 0}, 1<<16)
	for i := 0; i < n; i += 1 << 16 {
		zw.Write(empty)
	}
	zw.Close()
	return buf.Bytes()
}

// hostile serves body as every pprof profile.
func hostile(t *testing.T, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func serve(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.Write(body) }
}

// TestWatchHostile: beside a healthy service, targets that serve hostile
// answers each get their own clear error, and the healthy one is watched
// to the end and reported.
func TestWatchHostile(t *testing.T) {
	healthy, _ := startTarget(t, "leak", "127.0.0.1:0")
	var real bytes.Buffer
	rpprof.Lookup("goroutine").WriteTo(&real, 0)
	// Just past pprofstack's default of 2M samples: millions of records
	// that cost nothing to send.
	bomb := emptySamples(1<<21 + 1<<16)
	if len(bomb) > 64<<10 {
		t.Fatalf("the bomb is %d bytes, want a small one", len(bomb))
	}
	targets := []struct {
		name string
		url  string
		want string // in the target's last error
	}{
		{"missing location", hostile(t, serve(missingLocation())), "location 99"},
		{"empty samples", hostile(t, serve(bomb)), "samples"},
		{"500 with escapes", hostile(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("\x1b[2J\x1b]0;pwned\x07oops\nLEAK fake"))
		}), `500 Internal Server Error: "\x1b[2J\x1b]0;pwned\aoops"`},
		{"redirect away", hostile(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, healthy+r.URL.RequestURI(), http.StatusFound)
		}), "another host"},
		{"cut short", hostile(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(real.Len()))
			w.Write(real.Bytes()[:real.Len()/2])
		}), "cut short"},
	}
	args := []string{healthy}
	for _, h := range targets {
		args = append(args, h.url)
	}
	// Five rounds: the group appears in the second and rises in the
	// next three.
	rounds := func(round int) bool {
		leakMore(t, healthy, 3)
		return round < 5
	}
	code, doc := watchJSON(t, rounds, args...)
	if code != ExitError || len(doc.Targets) != len(targets)+1 {
		t.Fatalf("exit %d, %d targets; want 2 (targets never answered), %d", code, len(doc.Targets), len(targets)+1)
	}
	h := doc.Targets[0]
	if h.Samples != 5 || h.Errors != 0 || len(h.Groups) == 0 || h.Groups[0].Class != "send-no-receiver" || !h.Groups[0].Growing {
		t.Errorf("the healthy target was not watched through: %+v", h)
	}
	for i, want := range targets {
		got := doc.Targets[i+1]
		switch {
		case got.Samples != 0 || got.LastErr == "":
			t.Errorf("%s: %d samples, last error %q; want an error every time", want.name, got.Samples, got.LastErr)
		case !strings.Contains(got.LastErr, want.want) || strings.ContainsAny(got.LastErr, "\x1b\x07\n"):
			t.Errorf("%s: last error %q, want %q", want.name, got.LastErr, want.want)
		}
	}

	// The same in text: nothing from the hostile targets reaches the
	// terminal raw.
	code, out, errOut := runRounds(t, func(round int) bool { return round < 2 },
		append([]string{"watch", "--interval", "1h", "--timeout", "1m", "--color", "never", healthy}, args[3:]...)...)
	for _, s := range []string{out, errOut} {
		if strings.ContainsAny(s, "\x1b\x07") || strings.Contains(s, "\nLEAK fake") {
			t.Errorf("exit %d, raw control characters in the output:\n%s", code, s)
		}
	}
	if !strings.Contains(out, "== "+healthy+": 2 samples") {
		t.Errorf("the healthy target is not reported:\n%s", out)
	}
}
