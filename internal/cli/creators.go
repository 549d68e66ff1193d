package cli

import (
	"hash/maphash"
	"strconv"

	"github.com/leakhound/leakhound/classify"
	"github.com/leakhound/leakhound/stack"
)

// creatorIndex counts the distinct goroutines that started a finding's
// goroutines, so that the text says "by 70 goroutines" where 70 request
// goroutines each started one, not the first one's id. It keeps a set per
// distinct stack, never a record per goroutine: goroutines with one stack
// always land in one finding, so a finding's creators are the union over
// its stacks, each found through its first goroutine's id.
type creatorIndex struct {
	seed   maphash.Seed
	stacks map[uint64]*creatorSet
	byID   map[int64]*creatorSet
}

type creatorSet struct {
	first   int64 // the stack's first goroutine
	creator int64 // its creator; most stacks have only this one
	more    map[int64]struct{}
}

func (s *creatorSet) len() int { return 1 + len(s.more) }

func (s *creatorSet) each(f func(int64)) {
	f(s.creator)
	for id := range s.more {
		f(id)
	}
}

// maxCreators bounds one stack's set: past it the count says "at least".
const maxCreators = 10000

func newCreatorIndex() *creatorIndex {
	return &creatorIndex{seed: maphash.MakeSeed(), stacks: map[uint64]*creatorSet{}}
}

func (c *creatorIndex) add(g *stack.Goroutine) {
	if g.ID == 0 || g.CreatorID == 0 {
		return
	}
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(g.State)
	frame := func(f *stack.Frame) {
		h.WriteByte(0)
		h.WriteString(string(f.Func))
		h.WriteByte(0)
		h.WriteString(f.File)
		h.WriteString(strconv.Itoa(f.Line))
	}
	for i := range g.Stack {
		frame(&g.Stack[i])
	}
	h.WriteByte(1)
	frame(&g.CreatedBy)
	sum := h.Sum64()
	s := c.stacks[sum]
	switch {
	case s == nil:
		c.stacks[sum] = &creatorSet{first: g.ID, creator: g.CreatorID}
	case g.CreatorID == s.creator || s.len() >= maxCreators:
	case s.more == nil:
		s.more = map[int64]struct{}{g.CreatorID: {}}
	default:
		s.more[g.CreatorID] = struct{}{}
	}
}

// count returns how many goroutines started f's goroutines; 0 when the
// input did not say.
func (c *creatorIndex) count(f *classify.Finding) int {
	if c.byID == nil {
		c.byID = make(map[int64]*creatorSet, len(c.stacks))
		for _, s := range c.stacks {
			c.byID[s.first] = s
		}
	}
	var sets []*creatorSet
	for _, id := range f.GoroutineIDs {
		if s := c.byID[id]; s != nil {
			sets = append(sets, s)
		}
	}
	if len(sets) == 1 {
		return sets[0].len()
	}
	all := map[int64]struct{}{}
	for _, s := range sets {
		s.each(func(id int64) { all[id] = struct{}{} })
	}
	return len(all)
}
