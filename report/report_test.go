package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/stack"
)

func sample() *classify.Report {
	c := classify.New(classify.Config{KeepGoroutines: true})
	for i := 0; i < 3; i++ {
		c.Add(&stack.Goroutine{ID: int64(10 + i), State: "chan send", Minutes: i, Leaked: i == 0, Count: 1,
			Labels:    []stack.Label{{Key: "handler", Value: "/fetch"}},
			Stack:     []stack.Frame{{Func: "main.fetch.func1", File: "/src/main.go", Line: 18}},
			CreatedBy: stack.Frame{Func: "main.fetch", File: "/src/main.go", Line: 16}, CreatorID: 1})
	}
	c.Add(&stack.Goroutine{ID: 1, State: "IO wait", Count: 1,
		Stack: []stack.Frame{{Func: "net.(*netFD).accept", File: "/go/fd.go", Line: 1}, {Func: "main.main", File: "/src/main.go", Line: 40}}})
	return c.Report()
}

// TestJSONRoundTrip: what JSON writes, a reader gets back whole.
func TestJSONRoundTrip(t *testing.T) {
	r := sample()
	var buf bytes.Buffer
	if err := JSON(&buf, "dump.txt", r); err != nil {
		t.Fatal(err)
	}
	var doc Document
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// A classifier's goroutine entries also link to their findings, for
	// Report.Keep; that is no data, and JSON has no place for it: the
	// entries must come back with every field they were written with.
	got, want := *doc.Report, *r
	got.Goroutines, want.Goroutines = nil, nil
	ge, _ := json.Marshal(doc.Report.Goroutines)
	we, _ := json.Marshal(r.Goroutines)
	if doc.Schema != Schema || doc.Input != "dump.txt" || !reflect.DeepEqual(got, want) || len(doc.Report.Goroutines) != len(r.Goroutines) || !bytes.Equal(ge, we) {
		t.Errorf("round trip lost data:\n got %+v\nwant %+v", doc.Report, r)
	}
	for _, field := range []string{`"verdict": "leak"`, `"class": "send-no-receiver"`, `"wait_reason": "chan send"`,
		`"goroutine_ids": [`, `"max_minutes": 2`, `"blocked_at": {`, `"created_at": {`, `"created_by_goroutine": 1`,
		`"labels": {`, `"stack": [`, `"explanation": "`, `"fix": "`, `"goroutines": [`, `"function": "main.fetch.func1"`} {
		if !strings.Contains(buf.String(), field) {
			t.Errorf("JSON lacks %s", field)
		}
	}
}

func TestText(t *testing.T) {
	var plain, color bytes.Buffer
	if err := Text(&plain, "dump.txt", sample(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := plain.String()
	for _, want := range []string{
		"4 goroutines in dump.txt: 1 proven leaked, 0 suspect; 2 parked with no evidence of a leak",
		"LEAK    send-no-receiver  1 goroutine, 1 proven by the runtime",
		"  blocked main.go:18  main.fetch.func1",
		"  created main.go:16  main.fetch  by goroutine 1",
		"  ids     10\n",
		"parked: waiting in a leak class, but nothing read shows a leak",
		"  parked  send-no-receiver  2 goroutines  main.go:18  main.fetch.func1",
		"  labels  handler=/fetch",
		"  fix     Give the channel a buffer",
		"not leaks: 1 goroutine in 1 group (idle 1); -v lists them",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes without Color")
	}
	Text(&color, "dump.txt", sample(), TextOptions{Color: true, Verbose: true})
	if !strings.Contains(color.String(), "\x1b[1;31mLEAK") || !strings.Contains(color.String(), "net.(*netFD).accept") {
		t.Errorf("colour or verbose output missing:\n%s", color.String())
	}
	if Color(&color) {
		t.Error("a buffer is not a terminal")
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"main.fetch.func1":       "main.fetch.func1",
		"/src/héllo/世界.go":       "/src/héllo/世界.go",
		"case[1] ok":             "case[1] ok",
		"a\x1b[31mred\x1b[0m":    `a\x1b[31mred\x1b[0m`,
		"line\nnext\r":           `line\nnext\r`,
		"tab\there":              `tab\there`,
		"bell\a\x9b2J":           `bell\a\x9b2J`,
		"\u202eevil\u2066":       `\u202eevil\u2066`,
		"c1 \u009b and del \x7f": `c1 \u009b and del \x7f`,
		"back\\slash \"quoted\"": "back\\slash \"quoted\"",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTextHostile: whatever the input holds in labels, names, paths and
// source, the text output has no control character but the newlines it
// writes itself, and the hostile text is still there to read, escaped.
func TestTextHostile(t *testing.T) {
	evil := "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\r\nLEAK fake line\u202e"
	c := classify.New(classify.Config{})
	for i := range 3 {
		c.Add(&stack.Goroutine{ID: int64(10 + i), State: "chan send", Count: 1, CreatorID: int64(1 + i%2),
			Labels:    []stack.Label{{Key: "k" + evil, Value: "v" + evil}},
			Stack:     []stack.Frame{{Func: stack.Func("main.fetch" + evil), File: "/src/x" + evil + ".go", Line: 18}},
			CreatedBy: stack.Frame{Func: stack.Func("main.start" + evil), File: "/src/main.go", Line: 16}})
	}
	var buf bytes.Buffer
	opt := TextOptions{Verbose: true, Notes: []string{"note" + evil}}
	if err := Text(&buf, "http://h/"+evil, c.Report(), opt); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for i, r := range out {
		if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e') {
			t.Fatalf("raw %U at byte %d:\n%s", r, i, out)
		}
	}
	for _, want := range []string{`k\x1b]52;c;cm0gLXJmIH4=\a\x1b[2J\r\nLEAK fake line\u202e=v\x1b]52`, `main.fetch\x1b]52`, `x\x1b]52;c;cm0gLXJmIH4=\a\x1b[2J\r\nLEAK fake line\u202e.go:18`, `note\x1b]52`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\nLEAK fake line") {
		t.Errorf("a label started a line of its own:\n%s", out)
	}
}

// TestTextCreators: one creator id only when one goroutine started them all.
func TestTextCreators(t *testing.T) {
	add := func(c *classify.Classifier, id, creator int64) {
		c.Add(&stack.Goroutine{ID: id, State: "chan send", Count: 1,
			Stack:     []stack.Frame{{Func: "main.fetch.func1", File: "/src/main.go", Line: 18}},
			CreatedBy: stack.Frame{Func: "main.fetch", File: "/src/main.go", Line: 16}, CreatorID: creator})
	}
	one, many := classify.New(classify.Config{}), classify.New(classify.Config{})
	add(one, 10, 1)
	add(one, 11, 1)
	for i := range int64(3) {
		add(many, 10+i, 1+i)
	}
	for _, c := range []struct {
		r    *classify.Report
		want string
	}{
		{one.Report(), "main.fetch  by goroutine 1\n"},
		{many.Report(), "main.fetch  by 3 goroutines\n"},
	} {
		var out bytes.Buffer
		Text(&out, "", c.r, TextOptions{Verbose: true})
		if !strings.Contains(out.String(), c.want) {
			t.Errorf("output lacks %q:\n%s", c.want, out.String())
		}
	}
}
