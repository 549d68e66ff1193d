package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/leakhound/leakhound/pprofstack"
	"github.com/leakhound/leakhound/stack"
)

// limitFlag is the repeatable --limit NAME=N: the readers' bounds on
// untrusted input (stack.Limits, pprofstack.Limits, input.Options.MaxProto),
// which a limit error names, raised for input that is genuine.
type limitFlag struct {
	text  []string
	stack stack.Limits
	proto pprofstack.Limits
	max   int64 // input.Options.MaxProto
}

// limitNames lists what --limit sets, for the help and the errors.
const limitNames = "Frames, LabelBytes, NameBytes (text and protobuf), Samples, Stacks, Locations, Functions, Mappings, Strings, TotalFrames, Bytes (protobuf), MaxProto (compressed input)"

func (l *limitFlag) String() string { return strings.Join(l.text, ",") }

func (l *limitFlag) Set(s string) error {
	name, val, ok := strings.Cut(s, "=")
	n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
	if !ok || err != nil || n == 0 {
		return fmt.Errorf("want NAME=N with N a number other than 0 (negative turns the bound off), got %q", s)
	}
	i := int(n)
	switch strings.TrimSpace(name) {
	case "Frames":
		l.stack.Frames, l.proto.Frames = i, i
	case "LabelBytes":
		l.stack.LabelBytes, l.proto.LabelBytes = i, i
	case "NameBytes":
		l.stack.NameBytes, l.proto.NameBytes = i, i
	case "Samples":
		l.proto.Samples = i
	case "Stacks":
		l.proto.Stacks = i
	case "Locations":
		l.proto.Locations = i
	case "Functions":
		l.proto.Functions = i
	case "Mappings":
		l.proto.Mappings = i
	case "Strings":
		l.proto.Strings = i
	case "TotalFrames":
		l.proto.TotalFrames = i
	case "Bytes":
		l.proto.Bytes = n
	case "MaxProto":
		l.max = n
	default:
		return fmt.Errorf("unknown limit %q; the limits are %s", name, limitNames)
	}
	l.text = append(l.text, s)
	return nil
}

// limitHint adds to a limit error the flag that raises it: the reader's
// message names a Go setting, which a user of the command cannot set.
func limitHint(err error) error {
	var le *stack.LimitError
	if !errors.As(err, &le) {
		return err
	}
	name := le.Limit[strings.LastIndexByte(le.Limit, '.')+1:]
	msg := strings.Replace(err.Error(), "raise "+le.Limit+" if the input is genuine",
		fmt.Sprintf("if the input is genuine, raise it with --limit %s=N", name), 1)
	return errors.New(msg)
}
