package leakvet

import (
	"bytes"
	"os"
	"regexp"
	"strings"
)

// nolintComment matches golangci-lint's suppression comment, with its
// optional list of linters: //nolint, //nolint:govet,leakvet // reason.
var nolintComment = regexp.MustCompile(`//\s*nolint(?::([\w,-]+))?`)

// nolint remembers the source lines that carry a //nolint comment, so that
// leakvet, run on its own, honours the suppressions a golangci-lint user
// already wrote: a finding is dropped when its line, or a comment line
// just above it, says //nolint, or names leakvet, its analyzer, or, for
// lostcancel, govet, which runs the same analyzer in golangci-lint.
type nolint struct {
	files map[string]map[int][]string // file -> line -> names ("" for all)
}

func (n *nolint) suppressed(file string, line int, analyzer string) bool {
	if n.files == nil {
		n.files = make(map[string]map[int][]string)
	}
	lines, ok := n.files[file]
	if !ok {
		lines = scanNolint(file)
		n.files[file] = lines
	}
	for _, name := range lines[line] {
		if name == "" || name == "leakvet" || name == analyzer || (name == "govet" && analyzer == "lostcancel") {
			return true
		}
	}
	return false
}

// scanNolint returns the names each //nolint comment in file lists, by line.
func scanNolint(file string) map[int][]string {
	src, err := os.ReadFile(file)
	if err != nil || !bytes.Contains(src, []byte("nolint")) {
		return nil
	}
	out := make(map[int][]string)
	for i, line := range bytes.Split(src, []byte("\n")) {
		m := nolintComment.FindSubmatch(line)
		if m == nil {
			continue
		}
		names := []string{""}
		if len(m[1]) > 0 {
			names = strings.Split(string(m[1]), ",")
		}
		out[i+1] = append(out[i+1], names...)
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("//")) {
			// On a line of its own it is about the statement below.
			out[i+2] = append(out[i+2], names...)
		}
	}
	return out
}
