package fleet

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// selector is a PromQL series selector without a metric name, matched
// against a target's labels: {job="api", env=~"prod|eu", zone!="b"}.
// Prometheus's targets endpoint takes no selector, so it is matched here.
type selector []matcher

type matcher struct {
	name  string
	op    string // =, !=, =~, !~
	value string
	re    *regexp.Regexp // for =~ and !~, anchored as in PromQL
}

// maxSelector bounds the selector's text: it is typed by a person.
const maxSelector = 4096

// parseSelector reads a selector; "" matches every target.
//
// The grammar is PromQL's for label matchers: braces are optional, label
// names are [a-zA-Z_][a-zA-Z0-9_]*, values are double-, single- or
// back-quoted strings, matchers are separated by commas.
func parseSelector(s string) (selector, error) {
	if len(s) > maxSelector {
		return nil, fmt.Errorf("longer than %d bytes", maxSelector)
	}
	rest := strings.TrimSpace(s)
	if rest == "" {
		return nil, nil
	}
	if strings.HasPrefix(rest, "{") {
		if !strings.HasSuffix(rest, "}") {
			return nil, fmt.Errorf("%s: no closing brace", strconv.Quote(s))
		}
		rest = strings.TrimSpace(rest[1 : len(rest)-1])
	}
	var sel selector
	for rest != "" {
		var m matcher
		i := 0
		for i < len(rest) && (rest[i] == '_' || 'a' <= rest[i] && rest[i] <= 'z' || 'A' <= rest[i] && rest[i] <= 'Z' || i > 0 && '0' <= rest[i] && rest[i] <= '9') {
			i++
		}
		if i == 0 {
			return nil, fmt.Errorf("%s: want a label name at %s", strconv.Quote(s), strconv.Quote(clip(rest)))
		}
		m.name = rest[:i]
		rest = strings.TrimSpace(rest[i:])
		for _, op := range []string{"=~", "!~", "!=", "="} {
			if strings.HasPrefix(rest, op) {
				m.op = op
				break
			}
		}
		if m.op == "" {
			return nil, fmt.Errorf("%s: want =, !=, =~ or !~ after %s", strconv.Quote(s), m.name)
		}
		rest = strings.TrimSpace(rest[len(m.op):])
		v, after, err := quoted(rest)
		if err != nil {
			return nil, fmt.Errorf("%s: the value of %s: %v", strconv.Quote(s), m.name, err)
		}
		m.value = v
		if m.op == "=~" || m.op == "!~" {
			if m.re, err = regexp.Compile("^(?:" + v + ")$"); err != nil {
				return nil, fmt.Errorf("%s: the regexp of %s: %s", strconv.Quote(s), m.name, strconv.Quote(err.Error()))
			}
		}
		sel = append(sel, m)
		rest = strings.TrimSpace(after)
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return nil, fmt.Errorf("%s: want a comma at %s", strconv.Quote(s), strconv.Quote(clip(rest)))
		}
		rest = strings.TrimSpace(rest[1:])
	}
	return sel, nil
}

// quoted reads the string literal at the start of s and returns its value
// and what follows it.
func quoted(s string) (string, string, error) {
	if s == "" || !strings.ContainsRune("\"'`", rune(s[0])) {
		return "", "", fmt.Errorf("want a quoted string")
	}
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && q != '`':
			i++
		case s[i] == q:
			lit := s[:i+1]
			if q == '\'' {
				// Go reads single quotes as a rune: requote the content.
				lit = `"` + strings.ReplaceAll(strings.ReplaceAll(s[1:i], `\'`, `'`), `"`, `\"`) + `"`
			}
			v, err := strconv.Unquote(lit)
			if err != nil {
				return "", "", fmt.Errorf("bad string %s", clip(s[:i+1]))
			}
			return v, s[i+1:], nil
		}
	}
	return "", "", fmt.Errorf("unterminated string")
}

// matches reports whether labels satisfy every matcher; an absent label
// is the empty string, as in PromQL.
func (sel selector) matches(labels map[string]string) bool {
	for _, m := range sel {
		v := labels[m.name]
		var ok bool
		switch m.op {
		case "=":
			ok = v == m.value
		case "!=":
			ok = v != m.value
		case "=~":
			ok = m.re.MatchString(v)
		case "!~":
			ok = !m.re.MatchString(v)
		}
		if !ok {
			return false
		}
	}
	return true
}
