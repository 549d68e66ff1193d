package golangci_test

import (
	"strings"
	"testing"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis/analysistest"

	_ "github.com/leakhound/leakhound/golangci"
)

func build(t *testing.T, settings any) ([]string, error) {
	t.Helper()
	newPlugin, err := register.GetPlugin("leakvet")
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlugin(settings)
	if err != nil {
		return nil, err
	}
	if p.GetLoadMode() != register.LoadModeTypesInfo {
		t.Errorf("load mode %q, want %q", p.GetLoadMode(), register.LoadModeTypesInfo)
	}
	as, err := p.BuildAnalyzers()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range as {
		names = append(names, a.Name)
	}
	return names, nil
}

func TestSettings(t *testing.T) {
	for _, tc := range []struct {
		settings any
		want     string
		err      string
	}{
		{nil, "lostsend doublesend nosender nilchan blockforever unreleased", ""},
		{map[string]any{"disable": []string{"blockforever"}, "lostcancel": true}, "lostsend doublesend nosender nilchan unreleased lostcancel", ""},
		{map[string]any{"disable": []string{"nope"}}, "", `no analyzer "nope"`},
		{map[string]any{"disabel": []string{"nilchan"}}, "", `unknown field "disabel"`},
		{map[string]any{"show": []string{"all"}}, "lostsend doublesend nosender nilchan blockforever unreleased", ""},
		{map[string]any{"show": []string{"production", "nope"}}, "", `show: no category "nope"`},
	} {
		names, err := build(t, tc.settings)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("settings %v: error %v, want %q", tc.settings, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("settings %v: %v", tc.settings, err)
			continue
		}
		if got := strings.Join(names, " "); got != tc.want {
			t.Errorf("settings %v: analyzers %q, want %q", tc.settings, got, tc.want)
		}
	}
}

func TestAnalyzers(t *testing.T) {
	newPlugin, _ := register.GetPlugin("leakvet")
	p, err := newPlugin(nil)
	if err != nil {
		t.Fatal(err)
	}
	as, _ := p.BuildAnalyzers()
	if as[0].Name != "lostsend" {
		t.Fatalf("first analyzer is %s, want lostsend", as[0].Name)
	}
	// The testdata's one leak is lostsend's; its discarded cancel is not
	// reported because lostcancel is off by default.
	analysistest.Run(t, analysistest.TestData(), as[0], "a")
}

// TestShow: by default the plugin drops a leak only on a failed test's
// path and keeps the others; show: [all] keeps it too.
func TestShow(t *testing.T) {
	for _, tc := range []struct {
		settings any
		pkg      string
	}{
		{nil, "b"},
		{map[string]any{"show": []string{"all"}}, "c"},
	} {
		newPlugin, _ := register.GetPlugin("leakvet")
		p, err := newPlugin(tc.settings)
		if err != nil {
			t.Fatal(err)
		}
		as, _ := p.BuildAnalyzers()
		analysistest.Run(t, analysistest.TestData(), as[0], tc.pkg)
	}
}
