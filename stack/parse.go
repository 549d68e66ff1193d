package stack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Options configure a Parser.
type Options struct {
	// Passthrough receives, unchanged, every line that is not part of a
	// goroutine dump or profile: test output, log lines, panic messages.
	// Nil discards them.
	Passthrough io.Writer
	// Lenient skips a line it cannot parse inside a goroutine block
	// instead of failing; Warn, when set, hears about each one.
	Lenient bool
	Warn    func(*SyntaxError)
	// Limits bound one goroutine; the zero value takes DefaultLimits.
	// Going past one stops the parser with a *LimitError, lenient or not.
	Limits Limits
}

// SyntaxError is a line the parser could not make sense of.
type SyntaxError struct {
	Line int    // 1-based line number in the input
	Text string // the line, cut to 120 bytes
	Msg  string
	// Truncated is set when the input ends before its format says it
	// should: after a call with no file:line, or before a debug=1
	// profile's records add up to its total.
	Truncated bool
}

func (e *SyntaxError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d: %s: %q", e.Line, e.Msg, e.Text)
}

// Parser reads goroutines from runtime tracebacks (runtime.Stack, panics,
// fatal errors, SIGQUIT, /debug/pprof/goroutine?debug=2, goroutineleak
// profiles), the goroutine sections of race reports, and debug=1 goroutine
// profiles, one goroutine at a time. Its memory is bounded by Limits for
// one goroutine and by a cap on the distinct names it keeps, not by the
// input.
//
// The states, each with the line it expects next:
//
//	text      anything; a header starts a goroutine     goroutine 7 [chan send]:
//	                     a record starts a profile stack 3 @ 0x43e1ce 0x4085a5
//	                     a race section header           Write at 0x00c0000 by goroutine 7:
//	                     a profile header (passed on)    goroutineleak profile: total 3
//	                     other text is passed on; after a profile header, only
//	                     once the records added up to its total
//	call      a call, or what ends the stack           main.worker(0xc000010000)
//	                     elided frames                   ...12 frames elided...
//	                     created by                      created by main.main in goroutine 1
//	                     ancestors                       [originating from goroutine 1]:
//	                     a blank line or other text ends the goroutine (-> text)
//	file      the position of the call just read         \t/src/main.go:12 +0x1d
//	created   the position of the go statement (-> call, for ancestors or the end)
//	profile   "# labels:" and "#\t0x.. func+0x.. file:line" lines (-> text)
//	race      "  func()" and "      file:line" pairs (-> text at a blank line)
//
// Race sections are passed on whole as well as parsed: a race report is the
// user's output.
type Parser struct {
	lr     *lineReader
	opt    Options
	g      Goroutine
	ready  bool // g holds a goroutine to hand out on the next call
	err    error
	names  map[string]string
	nameB  int                      // bytes held by names
	recent *[1 << recentBits]string // see intern
	// pending is a header line read while finishing the previous goroutine.
	pending []byte
	lim     Limits
	nframes int // frames and ancestors of the goroutine at hand
	labelB  int // bytes of its labels
	prof    profile
	counted int64 // goroutines the records counted so far
}

// maxGoroutines is more goroutines than any process holds (at 2 KiB of
// stack each, 2 PiB).
const maxGoroutines = 1 << 40

// profile is the debug=1 profile being read: the runtime writes
// "goroutine profile: total N" and then records whose counts add up to N,
// so a profile cut short can be told from a smaller one.
type profile struct {
	kind  profileKind
	total int64
	sum   int64
	open  bool // the records do not add up to total yet
}

type profileKind int

const (
	profNone profileKind = iota // records with no header: taken as goroutines
	profGoroutine
	profLeak  // goroutineleak: every record is a proven leak
	profOther // threadcreate and the like: records are text
)

// NewParser returns a parser reading from r.
func NewParser(r io.Reader, opt Options) *Parser {
	return &Parser{lr: newLineReader(r), opt: opt, names: make(map[string]string), recent: new([1 << recentBits]string),
		lim: opt.Limits.withDefaults()}
}

// Parse reads every goroutine from r.
func Parse(r io.Reader, opt Options) ([]*Goroutine, error) {
	p := NewParser(r, opt)
	var gs []*Goroutine
	for p.Next() {
		gs = append(gs, p.Goroutine().Clone())
	}
	return gs, p.Err()
}

// Goroutine returns the goroutine read by the last call to Next. It and its
// slices are reused by the next call: Clone what you keep.
func (p *Parser) Goroutine() *Goroutine { return &p.g }

// Err returns the error that stopped the parser, nil at the end of input:
// a *SyntaxError, a *LimitError, or the reader's error, wrapped.
func (p *Parser) Err() error { return p.err }

// Profiled reports whether the input was a debug=1 goroutine or
// goroutineleak profile, by its "goroutine profile: total N" header, so
// that a caller can tell an empty profile (a process with no leak proven)
// from input that holds no goroutines at all.
func (p *Parser) Profiled() bool { return p.prof.kind == profGoroutine || p.prof.kind == profLeak }

// Clone returns a copy of g that shares nothing with the parser.
func (g *Goroutine) Clone() *Goroutine {
	c := *g
	c.Stack = append([]Frame(nil), g.Stack...)
	c.Labels = append([]Label(nil), g.Labels...)
	c.Ancestors = nil
	for _, a := range g.Ancestors {
		a.Stack = append([]Frame(nil), a.Stack...)
		c.Ancestors = append(c.Ancestors, a)
	}
	return &c
}

type state int

const (
	stText state = iota
	stCall
	stFile
	stCreated
	stProfile
	stRace
)

// Next reads the next goroutine. It returns false at the end of the input
// or on an error, which Err returns.
func (p *Parser) Next() bool {
	if p.err != nil {
		return false
	}
	st := stText
	var frame *Frame // the call whose position the file state expects
	for {
		if p.err != nil {
			return false
		}
		var line []byte
		long := false
		if p.pending != nil {
			line, p.pending = p.pending, nil
		} else {
			line, long = p.lr.next()
		}
		if line == nil {
			if err := p.lr.err; err != io.EOF {
				// A read error is not the end of the dump: what was read
				// is not all there is.
				p.err = fmt.Errorf("after line %d: %w", p.lr.n, err)
				return false
			}
			if st == stFile && !p.skipCut("the input ends after a call, before its file:line", nil) {
				return false
			}
			if st == stText && !p.profileEnds(nil) {
				return false
			}
			return st != stText
		}
		if long {
			if st == stText {
				p.pass(line)
				for {
					more, _ := p.lr.next()
					if more == nil {
						break
					}
					p.lr.n-- // pieces of one line count once
					p.pass(more)
					if more[len(more)-1] == '\n' {
						break
					}
				}
				continue
			}
			ok := p.skip("line longer than 1 MiB inside a goroutine", line)
			p.lr.skipRest()
			if !ok {
				return false
			}
			continue
		}
		l := trim(line)
		switch st {
		case stText:
			if p.lr.n == 1 {
				// A UTF-8 byte order mark, which some editors and
				// Windows tools put first, is not part of the header.
				l = bytes.TrimPrefix(l, []byte("\ufeff"))
			}
			switch {
			case hasPrefix(l, "goroutine ") && p.header(l):
				st = stCall
			case len(l) > 0 && isDigit(l[0]) && p.record(l):
				st = stProfile
			case len(l) > 0 && p.raceHeader(l):
				// A race report is text for the user, and the parser's
				// goroutines besides: it passes through whole.
				p.pass(line)
				st = stRace
			case p.profileHeader(l):
				p.pass(line)
			default:
				if len(l) > 0 && !p.profileEnds(l) {
					return false
				}
				p.pass(line)
			}

		case stCall:
			switch {
			case len(l) == 0:
				return true
			case l[0] == '\t':
				if bytes.Equal(l, []byte("\tgoroutine running on other thread; stack unavailable")) {
					p.g.Unavailable = true
					continue
				}
				if !p.skip("a file:line with no call before it", l) {
					return false
				}
			case hasPrefix(l, "created by "):
				frame = p.createdBy(l[len("created by "):])
				st = stCreated
			case hasPrefix(l, "...") || hasPrefix(l, " ..."):
				if !p.elided(l) && !p.skip("malformed elided-frames line", l) {
					return false
				}
			case hasPrefix(l, "[originating from goroutine "):
				id, ok := parseInt(bytes.TrimSuffix(l[len("[originating from goroutine "):], []byte("]:")))
				if !ok && !p.skip("malformed ancestor header", l) {
					return false
				}
				if !p.addFrame() {
					return false
				}
				p.g.Ancestors = append(p.g.Ancestors, Ancestor{ID: id})
			case hasPrefix(l, "goroutine ") && isHeader(l):
				// No blank line between two goroutines: seen in hand-edited
				// dumps and some log collectors that drop empty lines.
				p.pending = line
				return true
			default:
				fn, inlined, ok := p.call(l)
				if !ok {
					// Text right after a stack ends the goroutine (go test
					// prints "exit status 2" with no blank line before it).
					if len(p.g.Stack) > 0 || p.g.Unavailable || p.g.CreatedBy.Func != "" {
						p.pass(line)
						return true
					}
					if !p.skip("expected a function call after the goroutine header", l) {
						return false
					}
					continue
				}
				if !p.addFrame() {
					return false
				}
				frames := p.frames()
				*frames = append(*frames, Frame{Func: fn, Inlined: inlined})
				frame = &(*frames)[len(*frames)-1]
				st = stFile
			}

		case stFile, stCreated:
			if len(l) == 0 || l[0] != '\t' {
				what := "expected the call's file:line"
				if st == stCreated {
					what = "expected the go statement's file:line"
				}
				if !p.skip(what, l) {
					return false
				}
				p.pending = line
				st = stCall
				continue
			}
			if !p.position(l[1:], frame) && !p.skip("malformed file:line", l) {
				return false
			}
			st = stCall

		case stProfile:
			switch {
			case hasPrefix(l, "#\t"):
				if !p.profileFrame(l[2:]) && !p.skip("malformed profile frame", l) {
					return false
				}
			case hasPrefix(l, "# labels: "):
				if lb := l[len("# labels: "):]; (len(lb) < 2 || lb[0] != '{' || lb[len(lb)-1] != '}' || !p.labels(lb[1:len(lb)-1], ":", false)) &&
					!p.skip("malformed profile labels", l) {
					return false
				}
			case len(l) == 0:
				return true
			default:
				if isDigit(l[0]) && isRecord(l) {
					p.pending = line
				} else {
					p.pass(line)
				}
				return true
			}

		case stRace:
			if len(l) == 0 {
				p.pass(line)
				return true
			}
			if !p.raceLine(l) {
				// Race sections end at a blank line or at the next section.
				p.pending = line
				return true
			}
			p.pass(line)
		}
	}
}

// skip reports a line it cannot parse: an error that stops the parser, or
// in lenient mode a warning, after which parsing goes on.
func (p *Parser) skip(msg string, l []byte) bool {
	return p.skipError(&SyntaxError{Msg: msg}, l)
}

// skipCut is skip for an input that ends early.
func (p *Parser) skipCut(msg string, l []byte) bool {
	return p.skipError(&SyntaxError{Msg: msg, Truncated: true}, l)
}

func (p *Parser) skipError(e *SyntaxError, l []byte) bool {
	if p.err != nil {
		return false // a limit, which no leniency skips
	}
	if len(l) > 120 {
		l = l[:120]
	}
	e.Line, e.Text = p.lr.n, string(l)
	if p.opt.Lenient {
		if p.opt.Warn != nil {
			p.opt.Warn(e)
		}
		return true
	}
	p.err = e
	return false
}

func (p *Parser) pass(line []byte) {
	if p.opt.Passthrough != nil {
		p.opt.Passthrough.Write(line)
	}
}

// reset clears g for a new goroutine, keeping its slices' storage.
func (p *Parser) reset() {
	g := &p.g
	stk, lbl, anc := g.Stack[:0], g.Labels[:0], g.Ancestors[:0]
	*g = Goroutine{Stack: stk, Labels: lbl, Ancestors: anc, Count: 1, Line: p.lr.n}
	p.nframes, p.labelB = 0, 0
}

// addFrame counts one more frame or ancestor against Limits.Frames.
func (p *Parser) addFrame() bool {
	p.nframes++
	if over(p.nframes, p.lim.Frames) {
		p.limit("Frames", "frames in one goroutine", p.lim.Frames)
		return false
	}
	return true
}

// name returns b interned, or "" and false when it passes
// Limits.NameBytes.
func (p *Parser) name(b []byte) (string, bool) {
	if over(len(b), p.lim.NameBytes) {
		p.limit("NameBytes", "bytes in one name", p.lim.NameBytes)
		return "", false
	}
	return p.intern(b), true
}

// limit stops the parser with a *LimitError on the current line.
func (p *Parser) limit(field, what string, max int) {
	if p.err == nil {
		p.err = &LimitError{Limit: "stack.Limits." + field, What: what, Max: int64(max), Line: p.lr.n}
	}
}

// frames returns the frame list new calls go to: the goroutine's own, or
// the last ancestor's once an ancestor section started.
func (p *Parser) frames() *[]Frame {
	if n := len(p.g.Ancestors); n > 0 {
		return &p.g.Ancestors[n-1].Stack
	}
	return &p.g.Stack
}

// intern returns b as a string, allocating each distinct name once. A
// small direct-mapped cache keyed by the length and the first and last
// eight bytes answers most lookups with one comparison, before the map's
// hash of the whole name.
func (p *Parser) intern(b []byte) string {
	var slot *string
	if n := len(b); n >= 8 {
		k := uint64(n) ^ binary.LittleEndian.Uint64(b) ^ binary.LittleEndian.Uint64(b[n-8:])*0x9e3779b97f4a7c15
		slot = &p.recent[(k*0xbf58476d1ce4e5b9)>>(64-recentBits)]
		if *slot == string(b) {
			return *slot
		}
	}
	if s, ok := p.names[string(b)]; ok {
		if slot != nil {
			*slot = s
		}
		return s
	}
	s := string(b)
	if p.nameB < maxInterned {
		p.names[s] = s
		p.nameB += len(s)
	}
	if slot != nil {
		*slot = s
	}
	return s
}

const recentBits = 10

// maxInterned bounds the bytes of distinct names the parser keeps: past
// it, names are allocated per use, and memory no longer grows with an
// input that names something new on every line.
const maxInterned = 32 << 20

// isHeader reports whether l looks like a goroutine header, without
// side effects.
func isHeader(l []byte) bool {
	return bytes.HasSuffix(l, []byte(":")) && bytes.IndexByte(l, '[') > 0
}

// header parses "goroutine 7 [chan send, 3 minutes]:" and its variants:
//
//	goroutine 1 gp=0xc000002380 m=0 mp=0x5e2f60 [running]:
//	goroutine 9 [chan receive (leaked)]:
//	goroutine 7 [select labels:{"k": "v"}]:      Go 1.26, GODEBUG=tracebacklabels=1
//	goroutine 19 [chan receive] {k: v}:          Go 1.27
//
// A wait reason and its modifiers never hold ']', so the first one ends
// them; labels may hold any character, ']' in a subtest's name included.
func (p *Parser) header(l []byte) bool {
	rest := l[len("goroutine "):]
	sp := bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return false
	}
	id, ok := parseInt(rest[:sp])
	if !ok {
		return false
	}
	open := bytes.IndexByte(rest, '[')
	if open < 0 || !bytes.HasSuffix(rest, []byte(":")) {
		return false
	}
	body := rest[open+1 : len(rest)-1]
	closing := bytes.IndexByte(body, ']')
	if closing < 0 {
		return false
	}
	var labels26, labels27 []byte
	if i := bytes.Index(body, []byte(" labels:{")); i >= 0 && i < closing {
		// Go 1.26: the labels, quoted, end the bracket.
		if !bytes.HasSuffix(body, []byte("}]")) {
			return false
		}
		labels26 = body[i+len(" labels:{") : len(body)-2]
		body = body[:i]
	} else {
		after := body[closing+1:]
		body = body[:closing]
		switch {
		case len(after) == 0:
		case hasPrefix(after, " {") && after[len(after)-1] == '}':
			labels27 = after[2 : len(after)-1]
		default:
			return false
		}
	}
	p.reset()
	g := &p.g
	g.ID = id
	if labels26 != nil && !p.labels(labels26, ": ", false) {
		return false
	}
	if labels27 != nil && !p.labels(labels27, ": ", true) {
		return false
	}
	// The status comes first; ", "-separated modifiers follow.
	status := body
	if i := bytes.Index(body, []byte(", ")); i >= 0 {
		status = body[:i]
		for _, m := range bytes.Split(body[i+2:], []byte(", ")) {
			switch {
			case bytes.HasSuffix(m, []byte(" minutes")):
				n, _ := parseInt(m[:len(m)-len(" minutes")])
				g.Minutes = int(n)
			case bytes.Equal(m, []byte("locked to thread")):
				g.LockedToThread = true
			case hasPrefix(m, "synctest bubble "):
				g.Bubble, _ = parseInt(m[len("synctest bubble "):])
			}
		}
	}
	for {
		switch {
		case bytes.HasSuffix(status, []byte(" (leaked)")):
			g.Leaked = true
			status = status[:len(status)-len(" (leaked)")]
			continue
		case bytes.HasSuffix(status, []byte(" (scan)")):
			g.Scan = true
			status = status[:len(status)-len(" (scan)")]
			continue
		case bytes.HasSuffix(status, []byte(" (durable)")):
			g.Durable = true
			status = status[:len(status)-len(" (durable)")]
			continue
		}
		break
	}
	g.State, ok = p.name(status)
	return ok
}

// labels parses a label list: `"k": "v", "k2": "v2"` in Go 1.26 headers,
// `"k":"v", "k2":"v2"` in debug=1 profiles (sep ":"), and Go 1.27's
// `k: v, "k 2": "v,2"`, where only strings with characters outside
// [A-Za-z0-9./_] are quoted (bare).
func (p *Parser) labels(b []byte, sep string, bare bool) bool {
	token := func(b []byte, stop string) (string, []byte, bool) {
		if len(b) > 0 && b[0] == '"' || !bare {
			return quoted(b)
		}
		i := bytes.Index(b, []byte(stop))
		if i < 0 {
			i = len(b)
		}
		return string(b[:i]), b[i:], true
	}
	for len(b) > 0 {
		k, rest, ok := token(b, sep)
		if !ok || !hasPrefix(rest, sep) {
			return false
		}
		v, rest, ok := token(rest[len(sep):], ", ")
		if !ok {
			return false
		}
		p.labelB += len(k) + len(v) + 2
		if over(p.labelB, p.lim.LabelBytes) {
			p.limit("LabelBytes", "bytes of labels in one goroutine", p.lim.LabelBytes)
			return false
		}
		p.g.Labels = append(p.g.Labels, Label{k, v})
		if len(rest) == 0 {
			return true
		}
		if !hasPrefix(rest, ", ") {
			return false
		}
		b = rest[2:]
	}
	return true
}

// quoted reads a double-quoted Go string at the start of b.
func quoted(b []byte) (string, []byte, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", nil, false
	}
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			s, err := strconv.Unquote(string(b[:i+1]))
			return s, b[i+1:], err == nil
		}
	}
	return "", nil, false
}

// call parses a call line, "pkg.F(0x1, {0x2, 0x3})" or "pkg.G[...](...)",
// returning the function name without its arguments.
func (p *Parser) call(l []byte) (Func, bool, bool) {
	n := len(l)
	if n < 3 || l[n-1] != ')' || l[0] == ' ' || l[0] == '\t' {
		return "", false, false
	}
	// Arguments never contain parentheses, so the last "(" opens them.
	open := bytes.LastIndexByte(l, '(')
	if open <= 0 {
		return "", false, false
	}
	name := l[:open]
	// Every function name has a package but runtime.gopanic, which the
	// runtime prints as "panic".
	if (bytes.IndexByte(name, '.') < 0 && string(name) != "panic") || bytes.IndexByte(name, ' ') >= 0 {
		return "", false, false
	}
	inlined := n-open == 5 && l[open+1] == '.' && l[open+2] == '.' && l[open+3] == '.'
	s, ok := p.name(name)
	return Func(s), inlined, ok
}

// createdBy parses "main.main in goroutine 1" (Go 1.21+) or "main.main",
// and returns the frame the next position belongs to: the goroutine's own,
// or inside an ancestor section the ancestor's.
func (p *Parser) createdBy(b []byte) *Frame {
	var id int64
	if i := bytes.Index(b, []byte(" in goroutine ")); i >= 0 {
		id, _ = parseInt(b[i+len(" in goroutine "):])
		b = b[:i]
	}
	f := &p.g.CreatedBy
	if n := len(p.g.Ancestors); n > 0 {
		f = &p.g.Ancestors[n-1].CreatedBy
	} else {
		p.g.CreatorID = id
	}
	s, _ := p.name(b) // past the limit, p.err stops the parser
	*f = Frame{Func: Func(s)}
	return f
}

// position parses "/src/x.go:12 +0x1d", with " fp=0x.. sp=0x.. pc=0x.." under
// GOTRACEBACK=system, or a bare "/src/x.go:12" for inlined calls.
func (p *Parser) position(b []byte, f *Frame) bool {
	if i := bytes.Index(b, []byte(" fp=")); i >= 0 {
		b = b[:i]
	}
	if i := bytes.LastIndexByte(b, ' '); i >= 0 && hasPrefix(b[i+1:], "+0x") {
		b = b[:i]
	}
	colon := bytes.LastIndexByte(b, ':')
	if colon <= 0 {
		return false
	}
	n, ok := parseInt(b[colon+1:])
	if !ok {
		return false
	}
	f.File, ok = p.name(b[:colon])
	f.Line = int(n)
	return ok
}

// elided parses "...12 frames elided..." and "...additional frames elided...".
func (p *Parser) elided(l []byte) bool {
	l = bytes.TrimSpace(l)
	if bytes.Equal(l, []byte("...additional frames elided...")) {
		if len(p.g.Ancestors) == 0 {
			p.g.Elided = -1
		}
		return true
	}
	l = bytes.TrimPrefix(l, []byte("..."))
	i := bytes.Index(l, []byte(" frames elided..."))
	if i < 0 {
		return false
	}
	n, ok := parseInt(l[:i])
	p.g.Elided = int(n)
	return ok
}

// isRecord reports whether l is a debug=1 profile record, "3 @ 0x43e1ce
// 0x4085a5": a count, "@", then program counters in hex.
func isRecord(l []byte) bool {
	i := bytes.IndexByte(l, ' ')
	if i <= 0 || !hasPrefix(l[i:], " @") {
		return false
	}
	for _, w := range bytes.Split(l[i+2:], []byte(" ")) {
		if len(w) == 0 {
			continue
		}
		if len(w) < 3 || w[0] != '0' || w[1] != 'x' {
			return false
		}
		for _, c := range w[2:] {
			if !isDigit(c) && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// record starts a profile stack from "3 @ 0x43e1ce 0x4085a5". Records of
// a profile other than goroutine or goroutineleak are text.
func (p *Parser) record(l []byte) bool {
	if !isRecord(l) || p.prof.kind == profOther {
		return false
	}
	n, ok := parseInt(l[:bytes.IndexByte(l, ' ')])
	if !ok {
		return false
	}
	if n == 0 && !p.skip("a record of 0 goroutines", l) {
		return false
	}
	// Counts that add up to more goroutines than a process can hold are
	// not true, and would overflow a total.
	if n > maxGoroutines-p.counted {
		p.skip(fmt.Sprintf("a record of %d goroutines, which takes the total past what a process can hold", n), l)
		return false
	}
	p.counted += n
	if pr := &p.prof; pr.kind != profNone {
		if !pr.open || n > pr.total-pr.sum {
			p.skip(fmt.Sprintf("the records add up to more than the profile's total of %d", pr.total), l)
			if p.err != nil {
				return false
			}
			pr.kind = profNone // lenient: stop checking this profile
		} else {
			pr.sum += n
			pr.open = pr.sum < pr.total
		}
	}
	p.reset()
	p.g.Count = int(n)
	p.g.Partial = true
	// The goroutineleak profile lists only the goroutines the runtime
	// proved leaked, whatever its debug level.
	p.g.Leaked = p.prof.kind == profLeak
	return true
}

// profileHeader reads "goroutine profile: total 12", which starts a
// debug=1 profile, and reports whether l was one. The profile before it
// must be whole.
func (p *Parser) profileHeader(l []byte) bool {
	i := bytes.Index(l, []byte(" profile: total "))
	if i <= 0 {
		return false
	}
	total, ok := parseInt(l[i+len(" profile: total "):])
	if !ok || bytes.IndexByte(l[:i], ' ') >= 0 {
		return false
	}
	if !p.profileEnds(l) {
		return true
	}
	kind := profOther
	switch string(l[:i]) {
	case "goroutine":
		kind = profGoroutine
	case "goroutineleak":
		kind = profLeak
	}
	p.prof = profile{kind: kind, total: total, open: total > 0}
	return true
}

// profileEnds checks, at the text line l after a profile's records or at
// the end of the input (nil), that the records added up to the total: a
// profile cut short is an error, never a smaller profile.
func (p *Parser) profileEnds(l []byte) bool {
	pr := &p.prof
	if pr.kind == profNone || pr.kind == profOther || !pr.open {
		return true
	}
	where := "the input ends"
	if l != nil {
		where = "text follows"
	}
	msg := fmt.Sprintf("%s when the records add up to %d of the profile's total of %d: the profile was cut short", where, pr.sum, pr.total)
	pr.open = false
	if l == nil {
		return p.skipCut(msg, l)
	}
	return p.skip(msg, l)
}

// profileFrame parses "0x4744e0\tmain.main.func1+0x3f\t/tmp/x.go:10".
func (p *Parser) profileFrame(b []byte) bool {
	// Columns are tab-separated, with a second tab before the position
	// when the function name is short.
	f := bytes.FieldsFunc(b, func(r rune) bool { return r == '\t' })
	if len(f) == 1 && hasPrefix(f[0], "0x") {
		// A PC the runtime could not name ("#\t0x0"): a frame with no
		// function, which Go 1.27's goroutineleak profile prints.
		if !p.addFrame() {
			return false
		}
		p.g.Stack = append(p.g.Stack, Frame{})
		return true
	}
	if len(f) < 2 {
		return false
	}
	name := f[1]
	if i := bytes.LastIndex(name, []byte("+0x")); i > 0 {
		name = name[:i]
	}
	fn, ok := p.name(name)
	if !ok || !p.addFrame() {
		return false
	}
	fr := Frame{Func: Func(fn)}
	if len(f) >= 3 && !p.position(f[2], &fr) {
		return false
	}
	p.g.Stack = append(p.g.Stack, fr)
	return true
}

// raceHeader starts a goroutine section of a race report:
//
//	Write at 0x00c00001c0f8 by goroutine 7:
//	Previous read at 0x00c00001c0f8 by main goroutine:
//	Goroutine 7 (running) created at:
func (p *Parser) raceHeader(l []byte) bool {
	if l[len(l)-1] != ':' || l[0] == ' ' || l[0] == '\t' {
		return false
	}
	var id int64
	switch {
	case hasPrefix(l, "Goroutine ") && bytes.HasSuffix(l, []byte(" created at:")):
		rest := l[len("Goroutine "):]
		sp := bytes.IndexByte(rest, ' ')
		n, ok := parseInt(rest[:max(sp, 0)])
		if !ok {
			return false
		}
		id = n
	case bytes.Contains(l, []byte(" at 0x")) && bytes.Contains(l, []byte(" by ")):
		by := l[bytes.LastIndex(l, []byte(" by "))+4 : len(l)-1]
		switch {
		case bytes.Equal(by, []byte("main goroutine")):
			id = 1
		case hasPrefix(by, "goroutine "):
			n, ok := parseInt(by[len("goroutine "):])
			if !ok {
				return false
			}
			id = n
		default:
			return false
		}
	default:
		return false
	}
	p.reset()
	p.g.ID = id
	p.g.Race = true
	var ok bool
	p.g.State, ok = p.name(l[:len(l)-1])
	return ok
}

// raceLine reads the two-space call lines and six-space position lines of
// a race section.
func (p *Parser) raceLine(l []byte) bool {
	switch {
	case hasPrefix(l, "      "):
		n := len(p.g.Stack)
		if n == 0 {
			return false
		}
		return p.position(bytes.TrimLeft(l, " "), &p.g.Stack[n-1])
	case hasPrefix(l, "  "):
		fn, inlined, ok := p.call(l[2:])
		if !ok || !p.addFrame() {
			return false
		}
		p.g.Stack = append(p.g.Stack, Frame{Func: fn, Inlined: inlined})
		return true
	}
	return false
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseInt parses a non-negative decimal without allocating.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// ErrNoDump reports input that held no goroutine at all.
var ErrNoDump = errors.New("no goroutine dump or profile found")
