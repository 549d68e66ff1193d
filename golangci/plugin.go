// Package golangci is the golangci-lint module plugin for leakvet's
// goroutine-leak analyzers. Build a custom golangci-lint that includes it
// with `golangci-lint custom` (see docs/leakvet-golangci.md) and enable the
// linter named leakvet.
package golangci

import (
	"fmt"
	"slices"
	"strings"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/passes/leakvet"
)

func init() {
	register.Plugin("leakvet", New)
}

// Settings are the plugin's settings in .golangci.yml.
type Settings struct {
	// Disable names analyzers not to run (lostsend, doublesend, nosender,
	// nilchan, blockforever, unreleased).
	Disable []string `json:"disable"`
	// Lostcancel also runs x/tools' lostcancel, which golangci-lint's govet
	// already runs by default; off to avoid reporting it twice.
	Lostcancel bool `json:"lostcancel"`
	// Show lists the categories of findings to report: production, test
	// (a path on which the test passes), failed-test (only a path on which
	// it has already failed), or "all". Default: production and test.
	Show []string `json:"show"`
}

// Plugin is leakvet as a golangci-lint linter.
type Plugin struct {
	analyzers []*analysis.Analyzer
}

var _ register.LinterPlugin = (*Plugin)(nil)

// New builds the plugin from its settings.
func New(raw any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](raw)
	if err != nil {
		return nil, fmt.Errorf("leakvet settings: %w", err)
	}
	all := leakvet.Analyzers()
	for _, name := range s.Disable {
		if !slices.ContainsFunc(all, func(a *analysis.Analyzer) bool { return a.Name == name }) {
			return nil, fmt.Errorf("leakvet settings: disable: no analyzer %q", name)
		}
	}
	show := leakvet.Show(leakvet.DefaultShow)
	if len(s.Show) > 0 {
		if err := show.Set(strings.Join(s.Show, ",")); err != nil {
			return nil, fmt.Errorf("leakvet settings: show: %w", err)
		}
	}
	var keep []*analysis.Analyzer
	for _, a := range all {
		if slices.Contains(s.Disable, a.Name) || (a.Name == "lostcancel" && !s.Lostcancel) {
			continue
		}
		keep = append(keep, a)
	}
	return &Plugin{analyzers: leakvet.Shown(keep, &show)}, nil
}

// BuildAnalyzers returns the analyzers to run.
func (p *Plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) { return p.analyzers, nil }

// GetLoadMode asks for type information, which every analyzer needs.
func (p *Plugin) GetLoadMode() string { return register.LoadModeTypesInfo }
