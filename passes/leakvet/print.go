package leakvet

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/classify"
)

// printText writes one line per finding, in the file:line:col: form of go
// vet, in the order given (Run puts production code first); a finding in
// a test ends with its category in brackets.
func printText(w io.Writer, findings []Finding, _ string) error {
	for _, f := range findings {
		tag := ""
		if f.Category != Production && f.Category != "" {
			tag = " [" + f.Category + "]"
		}
		if _, err := fmt.Fprintf(w, "%s:%d:%d: %s%s\n", f.File, f.Line, f.Column, f.Message, tag); err != nil {
			return err
		}
	}
	return nil
}

// Report is the JSON output: the findings, always a list.
type Report struct {
	Findings []Finding `json:"findings"`
}

func printJSON(w io.Writer, findings []Finding, _ string) error {
	if findings == nil {
		findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Report{Findings: findings})
}

// SARIF 2.1.0, the subset code-scanning uploads read.
type (
	sarifLog struct {
		Version string     `json:"version"`
		Schema  string     `json:"$schema"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
		// OriginalURIBaseIDs tells consumers what %SRCROOT% stands for.
		OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string         `json:"id"`
		Name             string         `json:"name,omitempty"`
		ShortDescription sarifText      `json:"shortDescription"`
		FullDescription  sarifText      `json:"fullDescription"`
		HelpURI          string         `json:"helpUri,omitempty"`
		Properties       map[string]any `json:"properties,omitempty"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID     string          `json:"ruleId"`
		RuleIndex  int             `json:"ruleIndex"`
		Level      string          `json:"level"`
		Message    sarifText       `json:"message"`
		Locations  []sarifLocation `json:"locations"`
		Fixes      []sarifFix      `json:"fixes,omitempty"`
		Properties map[string]any  `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           sarifRegion           `json:"region"`
	}
	sarifArtifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
		EndLine     int `json:"endLine,omitempty"`
		EndColumn   int `json:"endColumn,omitempty"`
	}
	sarifFix struct {
		Description     sarifText             `json:"description"`
		ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
	}
	sarifArtifactChange struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Replacements     []sarifReplacement    `json:"replacements"`
	}
	sarifReplacement struct {
		DeletedRegion   sarifRegion `json:"deletedRegion"`
		InsertedContent sarifText   `json:"insertedContent"`
	}
)

func printSARIF(w io.Writer, findings []Finding, base string) error {
	analyzers := Analyzers()
	index := make(map[string]int)
	rules := make([]sarifRule, 0, len(analyzers))
	for i, a := range analyzers {
		index[a.Name] = i
		rules = append(rules, ruleOf(a))
	}
	results := make([]sarifResult, 0, len(findings))
	for _, f := range findings {
		r := sarifResult{
			RuleID:    f.Analyzer,
			RuleIndex: index[f.Analyzer],
			Level:     "warning",
			Message:   sarifText{f.Message},
			Locations: []sarifLocation{{sarifPhysical{artifact(f.File), sarifRegion{f.Line, f.Column, f.EndLine, f.EndColumn}}}},
		}
		r.Properties = map[string]any{"category": f.Category}
		if f.Class != "" {
			r.Properties["class"] = f.Class
		}
		if f.Category == FailedTest {
			r.Level = "note" // the test fails anyway; the leak goes with the failure
		}
		for _, fix := range f.Fixes {
			sf := sarifFix{Description: sarifText{fix.Message}}
			for _, e := range fix.Edits {
				sf.ArtifactChanges = append(sf.ArtifactChanges, sarifArtifactChange{
					ArtifactLocation: artifact(e.File),
					Replacements: []sarifReplacement{{
						DeletedRegion:   sarifRegion{e.Line, e.Column, e.EndLine, e.EndColumn},
						InsertedContent: sarifText{e.NewText},
					}},
				})
			}
			r.Fixes = append(r.Fixes, sf)
		}
		results = append(results, r)
	}
	log := sarifLog{
		Version: "2.1.0",
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Runs: []sarifRun{{
			Tool: sarifTool{sarifDriver{
				Name:           "leakvet",
				InformationURI: "https://github.com/leakhound/leakhound/blob/main/docs/leakvet.md",
				Rules:          rules,
			}},
			Results:            results,
			OriginalURIBaseIDs: map[string]sarifArtifactLocation{"SRCROOT": {URI: "file://" + filepath.ToSlash(base) + "/"}},
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// artifact locates a file: relative to %SRCROOT% when it is inside the
// analyzed directory, an absolute file URI otherwise.
func artifact(file string) sarifArtifactLocation {
	if filepath.IsAbs(file) {
		return sarifArtifactLocation{URI: "file://" + filepath.ToSlash(file)}
	}
	return sarifArtifactLocation{URI: filepath.ToSlash(file), URIBaseID: "SRCROOT"}
}

func ruleOf(a *analysis.Analyzer) sarifRule {
	short, _, _ := strings.Cut(a.Doc, "\n")
	if _, title, ok := strings.Cut(short, ": "); ok {
		short = title
	}
	r := sarifRule{
		ID:               a.Name,
		Name:             a.Name,
		ShortDescription: sarifText{short},
		FullDescription:  sarifText{a.Doc},
		HelpURI:          a.URL,
	}
	var classes []string
	for _, c := range classesOf(a.Name) {
		classes = append(classes, string(c))
	}
	if len(classes) > 0 {
		r.Properties = map[string]any{"classes": classes, "tags": []string{"goroutine-leak", "concurrency"}}
	}
	return r
}

// classesOf lists the leak classes each analyzer reports.
func classesOf(name string) []classify.Class {
	switch name {
	case "lostsend", "doublesend":
		return []classify.Class{classify.SendNoReceiver}
	case "nosender":
		return []classify.Class{classify.ReceiveNoSender, classify.RangeNeverClosed}
	case "nilchan":
		return []classify.Class{classify.NilChannelSend, classify.NilChannelReceive}
	case "blockforever":
		return []classify.Class{classify.SelectForever, classify.NilChannelReceive, classify.ReceiveNoSender}
	case "unreleased":
		return []classify.Class{classify.MutexDeadlock, classify.WaitGroupNeverDone}
	case "lostcancel":
		return []classify.Class{classify.ContextNeverDone}
	}
	return nil
}
