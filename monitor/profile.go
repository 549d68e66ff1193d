package monitor

import (
	"bytes"
	"hash/maphash"
	"runtime"
	"runtime/pprof"
	"sync"

	"github.com/leakhound/leakhound/pprofstack"
	"github.com/leakhound/leakhound/stack"
)

// A goroutine profile has no "created by" lines, so the same goroutines
// would form a group per creation site in a full dump and one group in a
// profile, and the fix that quotes the code around the go statement would
// be lost. creators remembers, from full dumps, which go statement started
// the goroutines of each stack, so that the monitor can give profile
// stacks their creation site back before classifying them: the classifier
// then groups and explains them as it did the dump.
type creators struct {
	seed maphash.Seed
	// by maps a stack's hash to the go statement that started its
	// goroutines; a zero Frame when two go statements start goroutines
	// with the same stack, which a profile cannot tell apart.
	by map[uint64]stack.Frame
}

// maxCreators bounds the stacks remembered; past it, the map is started
// afresh from the next dump.
const maxCreators = 1 << 16

func newCreators() *creators {
	return &creators{seed: maphash.MakeSeed(), by: make(map[uint64]stack.Frame)}
}

// hash hashes the frames of g outside the runtime, which dumps and
// profiles print alike: function, file and line.
func (c *creators) hash(g *stack.Goroutine) (uint64, bool) {
	var h maphash.Hash
	h.SetSeed(c.seed)
	n := 0
	for _, f := range g.Stack {
		if f.Func.IsRuntime() {
			continue
		}
		h.WriteString(string(f.Func))
		h.WriteByte(0)
		h.WriteString(f.File)
		h.WriteByte(0)
		var line [8]byte
		for i := range line {
			line[i] = byte(f.Line >> (8 * i))
		}
		h.Write(line[:])
		n++
	}
	return h.Sum64(), n > 0
}

// learn records the creation site of a dump's goroutine.
func (c *creators) learn(g *stack.Goroutine) {
	if g.CreatedBy.Func == "" || g.CreatedBy.Func.IsRuntime() {
		return
	}
	h, ok := c.hash(g)
	if !ok {
		return
	}
	if len(c.by) >= maxCreators {
		clear(c.by)
	}
	created := g.CreatedBy
	created.Inlined = false
	if was, ok := c.by[h]; ok && was != created {
		created = stack.Frame{}
	}
	c.by[h] = created
}

// fill gives a profile goroutine the creation site its stack had in the
// dumps, when exactly one go statement started goroutines with it.
func (c *creators) fill(g *stack.Goroutine) {
	if g.CreatedBy.Func != "" {
		return
	}
	if h, ok := c.hash(g); ok {
		g.CreatedBy = c.by[h]
	}
}

// A send or receive on a nil channel parks from another call of gopark in
// runtime.chansend or runtime.chanrecv than one that waits on a made
// channel: the runtime's line of that frame tells them apart, where a dump
// has the wait reason "chan send (nil chan)". The lines change between Go
// versions, so the monitor learns the lines of a wait on a made channel
// from its own process, once: each function has only those two calls.
var chanLines struct {
	once       sync.Once
	send, recv int // 0 when unknown
}

// calibrationSend and calibrationRecv park on a made channel for the
// calibration; both are released before it returns.
func calibrationSend(ch chan int, parking chan<- struct{}) {
	close(parking)
	ch <- 1
}

func calibrationRecv(ch chan int, parking chan<- struct{}) {
	close(parking)
	<-ch
}

// chanParkLines returns the lines of runtime.chansend and runtime.chanrecv
// from which this runtime parks a goroutine waiting on a made channel, or
// zeros when they could not be learned, and then the profile parser's
// reading stands. The first call parks two goroutines of its own until a
// goroutine profile shows them, five profiles at most: one, in practice.
func chanParkLines() (send, recv int) {
	chanLines.once.Do(func() {
		sendCh, recvCh := make(chan int), make(chan int)
		sending, receiving := make(chan struct{}), make(chan struct{})
		go calibrationSend(sendCh, sending)
		go calibrationRecv(recvCh, receiving)
		<-sending
		<-receiving
		defer func() {
			<-sendCh
			recvCh <- 1
		}()
		for range 5 {
			runtime.Gosched()
			s, r := readParkLines()
			if s > 0 && r > 0 {
				chanLines.send, chanLines.recv = s, r
				return
			}
		}
	})
	return chanLines.send, chanLines.recv
}

// readParkLines reads the goroutine profile for the calibration's
// goroutines parked in gopark, and returns the lines they parked from.
func readParkLines() (send, recv int) {
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 0); err != nil {
		return 0, 0
	}
	gs, err := pprofstack.Parse(&b)
	if err != nil {
		return 0, 0
	}
	for _, g := range gs {
		if len(g.Stack) < 3 || g.Stack[0].Func != "runtime.gopark" {
			continue
		}
		switch calibrator(g) {
		case "send":
			send = runtimeLine(g, "runtime.chansend")
		case "recv":
			recv = runtimeLine(g, "runtime.chanrecv")
		}
	}
	return send, recv
}

// calibrator names the calibration goroutine g is, or "".
func calibrator(g *stack.Goroutine) string {
	for _, f := range g.Stack {
		switch f.Func {
		case pkgPath + ".calibrationSend":
			return "send"
		case pkgPath + ".calibrationRecv":
			return "recv"
		}
	}
	return ""
}

const pkgPath = "github.com/leakhound/leakhound/monitor"

// runtimeLine returns the line of fn's frame right under runtime.gopark at
// the top of g, or 0.
func runtimeLine(g *stack.Goroutine, fn stack.Func) int {
	if len(g.Stack) > 1 && g.Stack[0].Func == "runtime.gopark" && g.Stack[1].Func == fn {
		return g.Stack[1].Line
	}
	return 0
}

// markNilChannel sets the wait reason a dump would print on a profile
// goroutine parked in runtime.chansend or runtime.chanrecv, from the lines
// this runtime parks from on a made channel: from any other line, the
// channel is nil. It overrides the profile parser's reading, which goes by
// the distance from the function's start and must hold for every Go
// version; the classifier then names the class (nil-channel-send or
// -receive) as from a dump.
func markNilChannel(g *stack.Goroutine, send, recv int) {
	mark := func(fn stack.Func, made int, state string) {
		if l := runtimeLine(g, fn); l > 0 && made > 0 {
			switch {
			case l != made:
				g.State = state
			case g.State == state:
				g.State = "" // parked on a made channel: the classifier infers it
			}
		}
	}
	mark("runtime.chansend", send, "chan send (nil chan)")
	mark("runtime.chanrecv", recv, "chan receive (nil chan)")
}
