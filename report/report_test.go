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
	if doc.Schema != Schema || doc.Input != "dump.txt" || !reflect.DeepEqual(doc.Report, r) {
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
