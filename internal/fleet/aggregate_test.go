package fleet

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/classify"
)

func finding(v classify.Verdict, class classify.Class, blocked string, line, count, proven int) *classify.Finding {
	return &classify.Finding{
		Verdict: v, Class: class, Count: count, Proven: proven,
		BlockedAt: classify.Location{Func: blocked, File: "/src/svc/" + blocked + ".go", Line: line, Source: "ch <- v"},
		Fix:       "fix of " + blocked,
	}
}

func TestAggregate(t *testing.T) {
	send := func(v classify.Verdict, n, proven int) *classify.Finding {
		return finding(v, classify.SendNoReceiver, "svc.fetch.func1", 12, n, proven)
	}
	in := []Instance{
		{Job: "api", URL: "http://10.0.0.1:6060", Groups: []Group{
			{Finding: send(classify.Suspect, 40, 0), Growing: true, Growth: 30},
			{Finding: finding(classify.Suspect, classify.ReceiveNoSender, "svc.wait", 7, 3, 0)},
		}},
		{Job: "api", URL: "http://10.0.0.2:6060", Groups: []Group{
			// proven and unproven parts of one group: one share
			{Finding: send(classify.Leak, 5, 5), Growth: 2},
			{Finding: send(classify.Suspect, 7, 0)},
		}},
		{Job: "api", URL: "http://10.0.0.3:6060"}, // clean
		{Job: "web", URL: "http://10.0.1.1:6060", Groups: []Group{
			{Finding: send(classify.Suspect, 100, 0), Growing: true, Growth: 90},
		}},
	}
	fs := Aggregate(in)
	if len(fs) != 3 {
		t.Fatalf("%d fleet findings, want 3: one per job and leak", len(fs))
	}
	web, api, wait := fs[0], fs[1], fs[2]
	if web.Job != "web" || web.Count != 100 || api.Job != "api" || api.Count != 52 || wait.Class != classify.ReceiveNoSender {
		t.Fatalf("ranked %s/%d, %s/%d, %s: want by goroutines held, web's 100 before api's 52", web.Job, web.Count, api.Job, api.Count, wait.Class)
	}
	if api.Verdict != classify.Leak || api.Proven != 5 || api.Growth != 32 || api.Growing != 1 || api.JobInstances != 3 {
		t.Errorf("api: verdict %s proven %d growth %d growing %d of %d instances", api.Verdict, api.Proven, api.Growth, api.Growing, api.JobInstances)
	}
	if len(api.PerInstance) != 2 || api.PerInstance[0].URL != "http://10.0.0.1:6060" || api.PerInstance[0].Count != 40 ||
		api.PerInstance[1].Count != 12 || api.PerInstance[1].Proven != 5 || api.PerInstance[1].Verdict != classify.Leak {
		t.Errorf("api per instance: %+v", api.PerInstance)
	}
	if strings.Join(api.Instances, " ") != "http://10.0.0.1:6060 http://10.0.0.2:6060" {
		t.Errorf("api instances %q", api.Instances)
	}
	if api.BlockedAt.Source != "" || api.Fix != "fix of svc.fetch.func1" {
		t.Errorf("api blocked at %+v, fix %q", api.BlockedAt, api.Fix)
	}
	if want := `leakhound_group_leaked_goroutines{job="api",class="send-no-receiver",blocked_at="svc.fetch.func1"}`; api.GroupSeries != want || api.Alert != AlertProven {
		t.Errorf("api tracked by %s, %s; want %s, %s", api.GroupSeries, api.Alert, want, AlertProven)
	}
	if want := `leakhound_goroutines{job="api",class="send-no-receiver",verdict="leak"}`; api.Series != want {
		t.Errorf("api counted by %s, want %s", api.Series, want)
	}
	if web.Alert != AlertGrowing {
		t.Errorf("web alert %s, want %s", web.Alert, AlertGrowing)
	}
}

// TestAlertsShipped checks that the alerts a finding names exist, and fire
// on the series it names.
func TestAlertsShipped(t *testing.T) {
	b, err := os.ReadFile("../../" + AlertsFile)
	if err != nil {
		t.Fatal(err)
	}
	for alert, metric := range map[string]string{AlertGrowing: "leakhound_group_goroutines", AlertProven: "leakhound_group_leaked_goroutines"} {
		re := regexp.MustCompile(`(?s)- alert: ` + alert + `\n\s+expr: [^\n]*\n?[^\n]*` + metric)
		if !re.Match(b) {
			t.Errorf("%s: no alert %s on %s", AlertsFile, alert, metric)
		}
	}
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	f := finding(classify.Suspect, classify.SendNoReceiver, "svc.\x1b[31mevil", 3, 9, 0)
	Text(&b, Aggregate([]Instance{{Job: "api", URL: "http://a:1", Restarts: 1, Groups: []Group{{Finding: f, Growth: 4, Growing: true}}}}), 1, 0)
	out := b.String()
	for _, want := range []string{
		"== fleet: 1 leak holding 9 goroutines",
		`1. SUSPECT send-no-receiver in job "api": 9 goroutines on 1 of 1 instances, +4 over the watch, growing on 1`,
		"instances: http://a:1 9 (since its restart)",
		`tracked by leakhound_goroutines{job="api",class="send-no-receiver",verdict="suspect"}, leakhound_group_goroutines{job="api"`,
		"the alert GoroutineLeakGrowing (deploy/prometheus/alerts.yml)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape sequence from a target reached the text:\n%q", out)
	}
	// No finding says no leak only of instances read.
	for _, c := range []struct {
		read, unread int
		want         string
	}{
		{3, 0, "no leak on any of the 3 instances"},
		{2, 1, "no leak on the 2 instances that answered; 1 never did"},
		{0, 4, "no instance answered, so nothing is known of their leaks"},
		{0, 0, "no instance answered"},
	} {
		b.Reset()
		Text(&b, nil, c.read, c.unread)
		if !strings.Contains(b.String(), c.want) {
			t.Errorf("empty fleet, %d read, %d not: %q, want %q", c.read, c.unread, b.String(), c.want)
		}
	}
}

// TestAggregateFoldsProfiles: instances read through profiles (no creation
// site) join the finding a full dump of another instance named, when it
// is the only one at that place.
func TestAggregateFoldsProfiles(t *testing.T) {
	at := func(created string, n int) *classify.Finding {
		f := finding(classify.Suspect, classify.SendNoReceiver, "svc.fetch.func1", 12, n, 0)
		if created != "" {
			f.CreatedAt = classify.Location{Func: created, File: "/src/svc/fetch.go", Line: 30}
		}
		return f
	}
	fs := Aggregate([]Instance{
		{Job: "api", URL: "http://a:1", Groups: []Group{{Finding: at("svc.fetch", 5)}}},
		{Job: "api", URL: "http://b:1", Groups: []Group{{Finding: at("", 50), Growing: true}}},
	})
	if len(fs) != 1 || fs[0].Count != 55 || fs[0].CreatedAt.Func != "svc.fetch" || len(fs[0].Instances) != 2 || fs[0].Instances[0] != "http://b:1" || fs[0].Growing != 1 {
		t.Fatalf("one site named: %+v", fs)
	}
	fs = Aggregate([]Instance{
		{Job: "api", URL: "http://a:1", Groups: []Group{{Finding: at("svc.fetch", 5)}, {Finding: at("svc.retry", 4)}}},
		{Job: "api", URL: "http://b:1", Groups: []Group{{Finding: at("", 50)}}},
	})
	if len(fs) != 3 {
		t.Fatalf("two sites named: %d findings, want 3: the profile's cannot be told to either", len(fs))
	}
}
