package stack

import "strings"

// Goroutine is one goroutine of a dump, or one stack of a goroutine profile
// with the number of goroutines that share it.
type Goroutine struct {
	ID int64 // 0 in profiles, which carry no ids

	// State is the wait reason or status as the runtime prints it, with the
	// modifiers below removed: "chan send", "chan receive (nil chan)",
	// "select (no cases)", "running", "IO wait". Profiles carry no state; the
	// parser leaves it empty and the classifier infers it from runtime frames.
	State string

	Minutes        int   // how long it has waited; the runtime prints it from 1 minute on
	Leaked         bool  // "(leaked)": the goroutineleak profile proved it can never run again
	Durable        bool  // "(durable)": durably blocked inside a synctest bubble
	Scan           bool  // "(scan)": the GC was scanning its stack
	LockedToThread bool  // ", locked to thread"
	Bubble         int64 // ", synctest bubble N"; 0 when outside a bubble

	Labels []Label // pprof labels, as printed under GODEBUG=tracebacklabels=1 or in profiles

	// Stack lists the frames, innermost first.
	Stack []Frame
	// Elided is the number of frames the runtime left out ("...N frames
	// elided..."); -1 when it said only "...additional frames elided...".
	Elided int
	// Partial is set for debug=1 text profiles, whose frames leave out the
	// runtime functions that would tell what the goroutine waits on.
	Partial bool
	// Unavailable is set for "goroutine running on other thread; stack unavailable".
	Unavailable bool

	CreatedBy Frame // the go statement; zero for goroutine 1 and runtime goroutines
	CreatorID int64 // "created by F in goroutine N"; 0 before Go 1.21

	// Ancestors are the tracebackancestors sections: the stacks of the
	// goroutines that created this one, nearest first.
	Ancestors []Ancestor

	// Count is the number of goroutines with this stack: 1 in dumps, the
	// sample count in profiles.
	Count int

	// Race is set for the goroutine sections of a race report, whose State
	// is the section's title ("Write at 0x00c000012345 by goroutine 7").
	// They describe past accesses, not goroutines that are waiting.
	Race bool

	// Line is the 1-based line of the input where the goroutine starts.
	Line int
}

// Frame is one call in a stack.
type Frame struct {
	Func Func
	File string
	Line int
	// Inlined is set when the runtime printed "(...)" for the arguments: the
	// call was inlined into its caller and has no frame of its own.
	Inlined bool
}

// Ancestor is one "[originating from goroutine N]:" section.
type Ancestor struct {
	ID        int64
	Stack     []Frame
	CreatedBy Frame // the go statement that started the ancestor
}

// Label is one pprof label.
type Label struct{ Key, Value string }

// Func is a fully qualified function name as the runtime prints it:
// "net/http.(*Server).Serve", "main.main.func1.2", "example.com/m.F[...]".
type Func string

// split returns the import path and the rest ("(*T).m", "f.func1").
func (f Func) split() (pkg, rest string) {
	s := string(f)
	// The package path ends at the first dot after the last slash; dots
	// inside the path's last element (gopkg.in/yaml.v3) are part of it only
	// when a slash follows, which the last element has not.
	slash := strings.LastIndexByte(s, '/')
	dot := strings.IndexByte(s[slash+1:], '.')
	if dot < 0 {
		return "", s
	}
	dot += slash + 1
	// gopkg.in/yaml.v3.(*T).m: a ".vN" right after the first dot is still
	// the import path.
	if r := s[dot+1:]; len(r) > 2 && r[0] == 'v' && r[1] >= '0' && r[1] <= '9' {
		if i := strings.IndexByte(r, '.'); i > 0 && strings.Trim(r[1:i], "0123456789") == "" {
			dot += i + 1
		}
	}
	return s[:dot], s[dot+1:]
}

// PkgPath returns the import path: "net/http" for "net/http.(*Server).Serve".
func (f Func) PkgPath() string { p, _ := f.split(); return p }

// Receiver returns the method's receiver type: "*Server" for
// "net/http.(*Server).Serve", "T" for "main.T.m", "" for functions.
func (f Func) Receiver() string {
	_, rest := f.split()
	if strings.HasPrefix(rest, "(") {
		if i := strings.IndexByte(rest, ')'); i > 0 {
			return rest[1:i]
		}
	}
	// A value receiver prints as T.m; a closure as f.func1. Tell them apart
	// by the case of the first letter, which is all the name gives us.
	if i := dotOutsideBrackets(rest); i > 0 && !strings.HasPrefix(rest[i+1:], "func") &&
		!strings.HasPrefix(rest[i+1:], "gowrap") && rest[0] >= 'A' && rest[0] <= 'Z' {
		return rest[:i]
	}
	return ""
}

// Name returns the function or method name without package and receiver:
// "Serve", "main.func1" for a closure in main.
func (f Func) Name() string {
	_, rest := f.split()
	if strings.HasPrefix(rest, "(") {
		if i := strings.Index(rest, ")."); i > 0 {
			return rest[i+2:]
		}
	}
	if r := f.Receiver(); r != "" {
		return rest[len(r)+1:]
	}
	return rest
}

// IsRuntime reports whether f belongs to the runtime or the packages whose
// frames sit between a user's call and the park: runtime, internal/..., and
// the sync and time internals that call into them.
func (f Func) IsRuntime() bool {
	s := string(f)
	return strings.HasPrefix(s, "runtime.") || strings.HasPrefix(s, "internal/") ||
		strings.HasPrefix(s, "sync.runtime_") || strings.HasPrefix(s, "sync.(*") ||
		strings.HasPrefix(s, "sync/atomic.")
}

func (f Func) String() string { return string(f) }

// dotOutsideBrackets finds the first '.' not inside a type parameter list.
func dotOutsideBrackets(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		case '.':
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
