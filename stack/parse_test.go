package stack

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// forms covers every header and frame form the runtime printed from Go 1.17
// to Go 1.27, one synthetic dump each.
var forms = []struct {
	name string
	in   string
	want []Goroutine
	pass string // text that must pass through
}{
	{
		name: "plain",
		in: "goroutine 7 [chan send]:\n" +
			"main.leak.func1()\n\t/src/main.go:12 +0x1d\n" +
			"created by main.leak in goroutine 1\n\t/src/main.go:11 +0x5a\n\n",
		want: []Goroutine{{ID: 7, State: "chan send", Count: 1, Line: 1,
			Stack:     []Frame{{Func: "main.leak.func1", File: "/src/main.go", Line: 12}},
			CreatedBy: Frame{Func: "main.leak", File: "/src/main.go", Line: 11}, CreatorID: 1}},
	},
	{
		name: "go1.17 created by without goroutine",
		in: "goroutine 7 [chan receive, 12 minutes]:\n" +
			"main.f(0xc000010000, {0x4b1e20, 0x3})\n\t/src/main.go:12 +0x1d\n" +
			"created by main.main\n\t/src/main.go:11 +0x5a\n",
		want: []Goroutine{{ID: 7, State: "chan receive", Minutes: 12, Count: 1, Line: 1,
			Stack:     []Frame{{Func: "main.f", File: "/src/main.go", Line: 12}},
			CreatedBy: Frame{Func: "main.main", File: "/src/main.go", Line: 11}}},
	},
	{
		name: "nil chan leaked scan durable modifiers",
		in: "goroutine 9 [chan receive (nil chan) (leaked)]:\nmain.f(...)\n\t/src/main.go:3\n\n" +
			"goroutine 10 [select (no cases) (scan)]:\nmain.g()\n\t/src/main.go:4 +0x1\n\n" +
			"goroutine 11 [chan send (durable), 3 minutes, locked to thread, synctest bubble 4]:\nmain.h()\n\t/src/main.go:5 +0x1\n",
		want: []Goroutine{
			{ID: 9, State: "chan receive (nil chan)", Leaked: true, Count: 1, Line: 1,
				Stack: []Frame{{Func: "main.f", File: "/src/main.go", Line: 3, Inlined: true}}},
			{ID: 10, State: "select (no cases)", Scan: true, Count: 1, Line: 5,
				Stack: []Frame{{Func: "main.g", File: "/src/main.go", Line: 4}}},
			{ID: 11, State: "chan send", Durable: true, Minutes: 3, LockedToThread: true, Bubble: 4, Count: 1, Line: 9,
				Stack: []Frame{{Func: "main.h", File: "/src/main.go", Line: 5}}},
		},
	},
	{
		name: "GOTRACEBACK=system header and frames",
		in: "goroutine 1 gp=0xc000002380 m=0 mp=0x5e2f60 [running]:\n" +
			"runtime.gopark(0x0?, 0x0?, ...)\n\t/go/src/runtime/proc.go:435 +0xce fp=0xc00006ee30 sp=0xc00006ee10 pc=0x43a3ee\n" +
			"goroutine 2 gp=0xc000002e00 m=nil [force gc (idle)]:\n" +
			"runtime.forcegchelper()\n\t/go/src/runtime/proc.go:348 +0xb3 fp=0xc00006efe0 sp=0xc00006efc8 pc=0x43a4b3\n" +
			"created by runtime.init.7 in goroutine 1\n\t/go/src/runtime/proc.go:336 +0x1a\n",
		want: []Goroutine{
			{ID: 1, State: "running", Count: 1, Line: 1,
				Stack: []Frame{{Func: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 435}}},
			{ID: 2, State: "force gc (idle)", Count: 1, Line: 4,
				Stack:     []Frame{{Func: "runtime.forcegchelper", File: "/go/src/runtime/proc.go", Line: 348}},
				CreatedBy: Frame{Func: "runtime.init.7", File: "/go/src/runtime/proc.go", Line: 336}, CreatorID: 1},
		},
	},
	{
		name: "go1.26 labels in the bracket",
		in:   "goroutine 7 [chan receive labels:{\"k\": \"v\", \"a b\": \"x]\\\"y\"}]:\nmain.f()\n\t/src/main.go:3 +0x1\n",
		want: []Goroutine{{ID: 7, State: "chan receive", Count: 1, Line: 1,
			Labels: []Label{{"k", "v"}, {"a b", "x]\"y"}},
			Stack:  []Frame{{Func: "main.f", File: "/src/main.go", Line: 3}}}},
	},
	{
		name: "go1.27 labels after the bracket",
		in:   "goroutine 19 [chan receive, 2 minutes] {k: v, \"a b\": \"c, d\"}:\nmain.f()\n\t/src/main.go:3 +0x1\n",
		want: []Goroutine{{ID: 19, State: "chan receive", Minutes: 2, Count: 1, Line: 1,
			Labels: []Label{{"k", "v"}, {"a b", "c, d"}},
			Stack:  []Frame{{Func: "main.f", File: "/src/main.go", Line: 3}}}},
	},
	{
		name: "generics methods closures gowrap",
		in: "goroutine 5 [sync.Mutex.Lock]:\n" +
			"sync.(*Mutex).Lock(...)\n\t/go/src/sync/mutex.go:46\n" +
			"example.com/m/pkg.(*Cache[...]).Get(0xc0000a0000, {0x5, 0x6})\n\t/m/pkg/cache.go:20 +0x44\n" +
			"example.com/m/pkg.Map[...].func1.2(?)\n\t/m/pkg/map.go:9 +0x8\n" +
			"example.com/m/pkg.run.gowrap1()\n\t/m/pkg/run.go:7 +0x25\n" +
			"created by example.com/m/pkg.run in goroutine 33\n\t/m/pkg/run.go:7 +0x90\n",
		want: []Goroutine{{ID: 5, State: "sync.Mutex.Lock", Count: 1, Line: 1,
			Stack: []Frame{
				{Func: "sync.(*Mutex).Lock", File: "/go/src/sync/mutex.go", Line: 46, Inlined: true},
				{Func: "example.com/m/pkg.(*Cache[...]).Get", File: "/m/pkg/cache.go", Line: 20},
				{Func: "example.com/m/pkg.Map[...].func1.2", File: "/m/pkg/map.go", Line: 9},
				{Func: "example.com/m/pkg.run.gowrap1", File: "/m/pkg/run.go", Line: 7},
			},
			CreatedBy: Frame{Func: "example.com/m/pkg.run", File: "/m/pkg/run.go", Line: 7}, CreatorID: 33}},
	},
	{
		name: "elided frames with and without space, unavailable stack",
		in: "goroutine 3 [running]:\nmain.r()\n\t/src/r.go:3 +0x1\n...12 frames elided...\nmain.r()\n\t/src/r.go:3 +0x1\n\n" +
			"goroutine 4 [running]:\nmain.r()\n\t/src/r.go:3 +0x1\n ...7 frames elided...\n\n" +
			"goroutine 5 [running]:\n\tgoroutine running on other thread; stack unavailable\n" +
			"created by main.main in goroutine 1\n\t/src/main.go:9 +0x1\n",
		want: []Goroutine{
			{ID: 3, State: "running", Elided: 12, Count: 1, Line: 1,
				Stack: []Frame{{Func: "main.r", File: "/src/r.go", Line: 3}, {Func: "main.r", File: "/src/r.go", Line: 3}}},
			{ID: 4, State: "running", Elided: 7, Count: 1, Line: 8,
				Stack: []Frame{{Func: "main.r", File: "/src/r.go", Line: 3}}},
			{ID: 5, State: "running", Unavailable: true, Count: 1, Line: 13,
				CreatedBy: Frame{Func: "main.main", File: "/src/main.go", Line: 9}, CreatorID: 1},
		},
	},
	{
		name: "tracebackancestors",
		in: "goroutine 8 [chan send]:\nmain.w()\n\t/src/w.go:3 +0x1\ncreated by main.s in goroutine 6\n\t/src/w.go:9 +0x1\n" +
			"[originating from goroutine 6]:\nmain.s(...)\n\t/src/w.go:9 +0x1\n...additional frames elided...\n" +
			"created by main.main\n\t/src/w.go:19 +0x1\n" +
			"[originating from goroutine 1]:\nmain.main()\n\t/src/w.go:20 +0x1\n\n",
		want: []Goroutine{{ID: 8, State: "chan send", Count: 1, Line: 1,
			Stack:     []Frame{{Func: "main.w", File: "/src/w.go", Line: 3}},
			CreatedBy: Frame{Func: "main.s", File: "/src/w.go", Line: 9}, CreatorID: 6,
			Ancestors: []Ancestor{
				{ID: 6, Stack: []Frame{{Func: "main.s", File: "/src/w.go", Line: 9, Inlined: true}},
					CreatedBy: Frame{Func: "main.main", File: "/src/w.go", Line: 19}},
				{ID: 1, Stack: []Frame{{Func: "main.main", File: "/src/w.go", Line: 20}}},
			}}},
	},
	{
		name: "panic inside go test output passes text through",
		in: "=== RUN   TestX\npanic: boom\n\ngoroutine 21 [running]:\nexample.com/x.TestX(0xc000103040?)\n\t/x/x_test.go:9 +0x25\n" +
			"testing.tRunner(0xc000103040, 0x5b5e58)\n\t/go/src/testing/testing.go:1792 +0xf4\n" +
			"created by testing.(*T).Run in goroutine 1\n\t/go/src/testing/testing.go:1851 +0x413\nexit status 2\nFAIL\texample.com/x\t0.004s\n",
		pass: "=== RUN   TestX\npanic: boom\n\nexit status 2\nFAIL\texample.com/x\t0.004s\n",
		want: []Goroutine{{ID: 21, State: "running", Count: 1, Line: 4,
			Stack: []Frame{{Func: "example.com/x.TestX", File: "/x/x_test.go", Line: 9},
				{Func: "testing.tRunner", File: "/go/src/testing/testing.go", Line: 1792}},
			CreatedBy: Frame{Func: "testing.(*T).Run", File: "/go/src/testing/testing.go", Line: 1851}, CreatorID: 1}},
	},
	{
		name: "debug=1 profile with labels",
		in: "goroutine profile: total 3\n" +
			"2 @ 0x43e1ce 0x4085a5 0x46b861\n# labels: {\"k\":\"v\", \"x\":\"y\"}\n" +
			"#\t0x4085a4\truntime.chansend1+0x44\t/go/src/runtime/chan.go:161\n" +
			"#\t0x46b860\tmain.main.func1+0x20\t/src/main.go:8\n\n" +
			"1 @ 0x43e1ce 0x46b861\n#\t0x46b860\tmain.main+0x20\t/src/main.go:20\n",
		pass: "goroutine profile: total 3\n",
		want: []Goroutine{
			{Count: 2, Line: 2, Partial: true, Labels: []Label{{"k", "v"}, {"x", "y"}},
				Stack: []Frame{{Func: "runtime.chansend1", File: "/go/src/runtime/chan.go", Line: 161},
					{Func: "main.main.func1", File: "/src/main.go", Line: 8}}},
			{Count: 1, Line: 7, Partial: true, Stack: []Frame{{Func: "main.main", File: "/src/main.go", Line: 20}}},
		},
	},
	{
		name: "race report sections",
		in: "==================\nWARNING: DATA RACE\nWrite at 0x00c00001c0f8 by goroutine 7:\n  main.main.func1()\n      /src/race.go:9 +0x3c\n\n" +
			"Previous read at 0x00c00001c0f8 by main goroutine:\n  main.main()\n      /src/race.go:12 +0x88\n\n" +
			"Goroutine 7 (running) created at:\n  main.main()\n      /src/race.go:8 +0x7e\n==================\n",
		// The race report passes through whole: its sections are
		// goroutines for the parser and text for the user.
		pass: "==================\nWARNING: DATA RACE\nWrite at 0x00c00001c0f8 by goroutine 7:\n  main.main.func1()\n      /src/race.go:9 +0x3c\n\n" +
			"Previous read at 0x00c00001c0f8 by main goroutine:\n  main.main()\n      /src/race.go:12 +0x88\n\n" +
			"Goroutine 7 (running) created at:\n  main.main()\n      /src/race.go:8 +0x7e\n==================\n",
		want: []Goroutine{
			{ID: 7, State: "Write at 0x00c00001c0f8 by goroutine 7", Race: true, Count: 1, Line: 3,
				Stack: []Frame{{Func: "main.main.func1", File: "/src/race.go", Line: 9}}},
			{ID: 1, State: "Previous read at 0x00c00001c0f8 by main goroutine", Race: true, Count: 1, Line: 7,
				Stack: []Frame{{Func: "main.main", File: "/src/race.go", Line: 12}}},
			{ID: 7, State: "Goroutine 7 (running) created at", Race: true, Count: 1, Line: 11,
				Stack: []Frame{{Func: "main.main", File: "/src/race.go", Line: 8}}},
		},
	},
	{
		name: "go1.27 label values holding brackets, quoted and bare",
		in: "goroutine 19 [chan receive] {test: TestX/case[1]}:\nmain.f()\n\t/src/main.go:3 +0x1\n\n" +
			"goroutine 20 [select, 3 minutes] {test: \"TestX/case[2]\", \"a]b\": \"{x}: y\"}:\nmain.g()\n\t/src/main.go:4 +0x1\n",
		want: []Goroutine{
			{ID: 19, State: "chan receive", Count: 1, Line: 1, Labels: []Label{{"test", "TestX/case[1]"}},
				Stack: []Frame{{Func: "main.f", File: "/src/main.go", Line: 3}}},
			{ID: 20, State: "select", Minutes: 3, Count: 1, Line: 5, Labels: []Label{{"test", "TestX/case[2]"}, {"a]b", "{x}: y"}},
				Stack: []Frame{{Func: "main.g", File: "/src/main.go", Line: 4}}},
		},
	},
	{
		name: "byte order mark before the first header",
		in:   "\ufeffgoroutine 7 [chan send]:\nmain.f()\n\t/src/main.go:12 +0x1d\n",
		want: []Goroutine{{ID: 7, State: "chan send", Count: 1, Line: 1,
			Stack: []Frame{{Func: "main.f", File: "/src/main.go", Line: 12}}}},
	},
	{
		name: "byte order mark before text passes through",
		in:   "\ufeffhello\n",
		pass: "\ufeffhello\n",
	},
	{
		name: "debug=1 goroutineleak profile lists proven leaks",
		in: "goroutineleak profile: total 3\n" +
			"3 @ 0x43e1ce 0x4085a5\n#\t0x4085a4\truntime.chansend1+0x44\t/go/src/runtime/chan.go:161\n" +
			"#\t0x46b860\tmain.main.func1+0x20\t/src/main.go:8\n\n",
		pass: "goroutineleak profile: total 3\n",
		want: []Goroutine{{Count: 3, Line: 2, Partial: true, Leaked: true,
			Stack: []Frame{{Func: "runtime.chansend1", File: "/go/src/runtime/chan.go", Line: 161},
				{Func: "main.main.func1", File: "/src/main.go", Line: 8}}}},
	},
	{
		name: "records of other profiles are text",
		in:   "threadcreate profile: total 1\n1 @\n#\t0x0\n\n2 @ home\n",
		pass: "threadcreate profile: total 1\n1 @\n#\t0x0\n\n2 @ home\n",
	},
	{
		name: "windows line endings and paths",
		in:   "goroutine 7 [chan send]:\r\nmain.f()\r\n\tC:/src/main.go:12 +0x1d\r\n\r\n",
		want: []Goroutine{{ID: 7, State: "chan send", Count: 1, Line: 1,
			Stack: []Frame{{Func: "main.f", File: "C:/src/main.go", Line: 12}}}},
	},
}

func TestForms(t *testing.T) {
	for _, tc := range forms {
		t.Run(tc.name, func(t *testing.T) {
			var pass bytes.Buffer
			got, err := Parse(strings.NewReader(tc.in), Options{Passthrough: &pass})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d goroutines, want %d: %+v", len(got), len(tc.want), got)
			}
			for i := range got {
				g, w := *got[i], tc.want[i]
				normalise(&g)
				normalise(&w)
				if !reflect.DeepEqual(g, w) {
					t.Errorf("goroutine %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
			if pass.String() != tc.pass {
				t.Errorf("passthrough = %q, want %q", pass.String(), tc.pass)
			}
		})
	}
}

// normalise makes empty and nil slices compare equal.
func normalise(g *Goroutine) {
	if len(g.Stack) == 0 {
		g.Stack = nil
	}
	if len(g.Labels) == 0 {
		g.Labels = nil
	}
	if len(g.Ancestors) == 0 {
		g.Ancestors = nil
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		line     int
	}{
		{"call without position", "goroutine 1 [running]:\nmain.main()\nmain.g()\n", 3},
		{"bad line number", "goroutine 1 [running]:\nmain.main()\n\t/src/x.go:abc +0x1\n", 3},
		{"header then garbage", "goroutine 1 [running]:\n!!!\n", 2},
		{"truncated after call", "\n\ngoroutine 1 [running]:\nmain.main()", 4},
		{"bad profile frame", "1 @ 0x1\n#\tgarbage\n", 2},
		{"debug=1 profile cut short", "goroutine profile: total 5\n2 @ 0x1\n#\t0x1\tmain.f+0x1\t/x.go:1\n\n1 @ 0x1\n#\t0x1\tmain.g+0x1\t/x.go:2\n", 6},
		{"debug=1 profile cut short before text", "goroutine profile: total 5\n2 @ 0x1\n#\t0x1\tmain.f+0x1\t/x.go:1\n\nexit status 2\n", 5},
		{"debug=1 records past the total", "goroutine profile: total 1\n2 @ 0x1\n#\t0x1\tmain.f+0x1\t/x.go:1\n", 2},
		{"debug=1 record of none", "0 @ 0x1\n#\t0x1\tmain.f+0x1\t/x.go:1\n", 1},
		{"debug=1 counts past any process", "999999999999999999 @ 0x1\n#\t0x1\tmain.f+0x1\t/x.go:1\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.in), Options{})
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SyntaxError", err)
			}
			if se.Line != tc.line {
				t.Errorf("error on line %d, want %d: %v", se.Line, tc.line, se)
			}
			var warned []*SyntaxError
			_, err = Parse(strings.NewReader(tc.in), Options{Lenient: true, Warn: func(e *SyntaxError) { warned = append(warned, e) }})
			if err != nil || len(warned) == 0 {
				t.Errorf("lenient: err = %v, warnings = %v; want no error and a warning", err, warned)
			}
		})
	}
}

func TestLongLines(t *testing.T) {
	huge := strings.Repeat("x", 3<<20)
	var pass bytes.Buffer
	in := huge + "\ngoroutine 1 [running]:\nmain.main()\n\t/src/x.go:1 +0x1\n"
	got, err := Parse(strings.NewReader(in), Options{Passthrough: &pass})
	if err != nil || len(got) != 1 || got[0].Line != 2 {
		t.Fatalf("got %v, %v; want one goroutine on line 2", got, err)
	}
	if pass.String() != huge+"\n" {
		t.Errorf("long text line not passed through whole (%d bytes)", pass.Len())
	}
	_, err = Parse(strings.NewReader("goroutine 1 [running]:\nmain.main("+huge+")\n"), Options{})
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("huge call line: err = %v, want an error on line 2", err)
	}
}

func TestOwnStack(t *testing.T) {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	gs, err := Parse(bytes.NewReader(buf), Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, g := range gs {
		for _, f := range g.Stack {
			if f.Func == "github.com/leakhound/leakhound/stack.TestOwnStack" && strings.HasSuffix(f.File, "parse_test.go") {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("this test's frame is not in the parsed stacks:\n%s", buf)
	}
}

func TestFunc(t *testing.T) {
	for _, tc := range []struct{ f, pkg, recv, name string }{
		{"net/http.(*Server).Serve", "net/http", "*Server", "Serve"},
		{"main.main.func1.2", "main", "", "main.func1.2"},
		{"main.T.Method", "main", "T", "Method"},
		{"gopkg.in/yaml.v3.(*parser).parse", "gopkg.in/yaml.v3", "*parser", "parse"},
		{"example.com/m.F[...]", "example.com/m", "", "F[...]"},
		{"example.com/m.(*Cache[...]).Get", "example.com/m", "*Cache[...]", "Get"},
		{"runtime.gopark", "runtime", "", "gopark"},
	} {
		f := Func(tc.f)
		if f.PkgPath() != tc.pkg || f.Receiver() != tc.recv || f.Name() != tc.name {
			t.Errorf("%s: got (%q, %q, %q), want (%q, %q, %q)", tc.f,
				f.PkgPath(), f.Receiver(), f.Name(), tc.pkg, tc.recv, tc.name)
		}
	}
}

// TestTestdata parses the real dumps kept as fuzz seeds, strictly.
func TestTestdata(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	healthy, _ := filepath.Glob(filepath.Join("..", "testdata", "healthy", "*", "*.debug[12].txt"))
	files = append(files, healthy...)
	if len(files) < 20 {
		t.Fatalf("only %d dumps in testdata", len(files))
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		gs, err := Parse(bytes.NewReader(b), Options{})
		if err != nil || len(gs) == 0 {
			t.Errorf("%s: %d goroutines, %v", file, len(gs), err)
		}
	}
}
