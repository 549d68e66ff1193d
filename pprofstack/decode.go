package pprofstack

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/stack"
)

// Profile is a goroutine or goroutineleak profile as Decode reads it.
type Profile struct {
	// Type is the profile's sample type: "goroutine", or "goroutineleak"
	// for a profile that lists only the goroutines the runtime proved
	// leaked (each of which has Leaked set).
	Type string
	// Goroutines has one entry per sample that counts goroutines, with
	// Count set to how many share its stack and labels.
	Goroutines []*stack.Goroutine
	// Total is what the samples add up to: the number of goroutines.
	Total int
	// Process identifies the process that wrote the profile, as Process
	// does for a *profile.Profile.
	Process string
}

// Decode reads a goroutine or goroutineleak profile, gzipped or not,
// within lim. It decodes the protobuf itself, allocating only for what it
// keeps, and validates it whole: ids that are zero, repeated or name
// nothing, counts that are negative or overflow, and a profile cut short
// are errors (wrapping ErrInvalid or ErrTruncated), as is going past a
// limit (a *stack.LimitError).
func Decode(r io.Reader, lim Limits) (*Profile, error) {
	lim = lim.withDefaults()
	data, err := readAll(r, lim)
	if err != nil {
		return nil, err
	}
	return decode(data, lim, true)
}

// readAll returns the profile's bytes, decompressed, within lim.Bytes.
func readAll(r io.Reader, lim Limits) ([]byte, error) {
	br := bufio.NewReader(r)
	gzipped := false
	if head, _ := br.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, gzipError(err)
		}
		r, gzipped = zr, true
	} else {
		r = br
	}
	max := lim.Bytes
	if max < 0 {
		max = math.MaxInt64 - 1
	}
	// Read in steps, checking each top-level field as soon as its header
	// arrives: a stream that is no profile, or that declares more than
	// the limits allow, stops before its bytes pile up.
	data := make([]byte, 0, 64<<10)
	scan := prescan{lim: lim}
	for {
		if len(data) == cap(data) {
			data = slices.Grow(data, int(min(int64(cap(data)), max+1-int64(len(data)))))
		}
		n, err := r.Read(data[len(data):min(int64(cap(data)), max+1)])
		data = data[:len(data)+n]
		if int64(len(data)) > max {
			return nil, &stack.LimitError{Limit: "pprofstack.Limits.Bytes", What: "bytes of profile once decompressed", Max: max}
		}
		if perr := scan.advance(data); perr != nil {
			return nil, perr
		}
		switch {
		case err == io.EOF:
			return data, nil
		case err != nil && gzipped:
			return nil, gzipError(err)
		case errors.Is(err, io.ErrUnexpectedEOF):
			// A gzip stream its caller opened, cut short.
			return nil, fmt.Errorf("%w: %v", ErrTruncated, err)
		case err != nil:
			return nil, fmt.Errorf("reading the profile: %w", err)
		}
	}
}

// prescan follows the profile's top-level fields while it is read, and
// fails as soon as one is impossible or past a limit: a field of a kind
// profiles do not use, a message larger than any within the limits, more
// samples, locations, functions, mappings or strings than allowed.
type prescan struct {
	lim    Limits
	off    int // start of the next field's key
	counts [7]int
}

func (s *prescan) advance(data []byte) error {
	if s.off == 0 && len(data) > 0 && !profileTag(data[0]) {
		return notProfileHead(data)
	}
	w := walker{kind: "profile", top: true}
	for {
		b := data[s.off:]
		key, n := binary.Uvarint(b)
		if n == 0 {
			return nil // the key is not all here yet
		}
		w.b, w.base = data, 0
		if n < 0 {
			return w.errorf(s.off, "varint longer than 64 bits")
		}
		num, typ := key>>3, int(key&7)
		if num == 0 || num > 1<<29 {
			return notProfileAt(s.off, w.errorf(s.off, "field number %d", num))
		}
		var size uint64
		switch typ {
		case wireVarint:
			if _, m := binary.Uvarint(b[n:]); m == 0 {
				return nil
			} else if m < 0 {
				return w.errorf(s.off, "varint longer than 64 bits")
			} else {
				n += m
			}
		case wireFixed64:
			size = 8
		case wireFixed32:
			size = 4
		case wireBytes:
			l, m := binary.Uvarint(b[n:])
			if m == 0 {
				return nil
			}
			if m < 0 {
				return w.errorf(s.off, "varint longer than 64 bits")
			}
			n += m
			size = l
			if err := s.bound(int(num), l); err != nil {
				return err
			}
		default:
			return notProfileAt(s.off, w.errorf(s.off, "field %d has wire type %d, which profiles do not use", num, typ))
		}
		if uint64(len(b)-n) < size {
			return nil // the payload is not all here yet
		}
		s.off += n + int(size)
		if num >= 2 && num <= 6 {
			s.counts[num]++
			var err error
			switch num {
			case 2:
				err = check(s.counts[num], s.lim.Samples, "Samples", "samples")
			case 3:
				err = check(s.counts[num], s.lim.Mappings, "Mappings", "mappings")
			case 4:
				err = check(s.counts[num], s.lim.Locations, "Locations", "locations")
			case 5:
				err = check(s.counts[num], s.lim.Functions, "Functions", "functions")
			case 6:
				err = check(s.counts[num], s.lim.Strings, "Strings", "strings in the string table")
			}
			if err != nil {
				return err
			}
		}
	}
}

// bound checks the declared length of a top-level field: a string within
// NameBytes, any message within what the limits let one hold.
func (s *prescan) bound(num int, l uint64) error {
	if num == 6 {
		if s.lim.NameBytes >= 0 && l > uint64(s.lim.NameBytes) {
			return check(int(min(l, math.MaxInt32)), s.lim.NameBytes, "NameBytes", "bytes in one name or label")
		}
		return nil
	}
	// A sample holds at most Frames location ids and LabelBytes of
	// labels; a location at most Frames lines; the rest is small.
	max := uint64(4 << 10)
	if s.lim.Frames < 0 || s.lim.LabelBytes < 0 {
		return nil
	}
	max += uint64(s.lim.Frames)*32 + uint64(s.lim.LabelBytes)*2
	if l > max {
		return &stack.LimitError{Limit: "pprofstack.Limits.Frames", What: "bytes in one message of the profile (Frames and LabelBytes bound it)", Max: int64(max)}
	}
	return nil
}

// notProfileAt marks an error at the very first byte as bytes that are no
// profile at all.
func notProfileAt(off int, err error) error {
	if off == 0 {
		return notProfile{err}
	}
	return err
}

// gzipError tells a stream cut short from one that is not gzip at all.
func gzipError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the gzip stream ends early", ErrTruncated)
	}
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if ce := new(flate.CorruptInputError); errors.As(err, ce) {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return fmt.Errorf("reading the profile: %w", err)
}

// maxGoroutines is more goroutines than any process holds (at 2 KiB of
// stack each, 2 PiB): a count past it cannot be true.
const maxGoroutines = int64(min(1<<40, math.MaxInt))

type span struct{ off, end int }

// notProfile is ErrInvalid for bytes that are no profile at all.
type notProfile struct{ err error }

func (e notProfile) Error() string {
	return "not a pprof profile: " + strings.TrimPrefix(e.err.Error(), ErrInvalid.Error()+": ")
}

func (e notProfile) Unwrap() error { return e.err }

// decoder holds what one pass over the profile's top level found: where
// each message is, not what it holds, so that counting and bounding come
// before any allocation for the messages themselves.
type decoder struct {
	lim  Limits
	data []byte

	types     []int64 // string index of each sample type
	nsamples  int     // samples are walked again in place, not noted
	mappings  []span
	locations []span
	functions []span
	strings   []span

	mapIdx      map[uint64]int32 // index of each mapping, location and function by id
	locIdx      map[uint64]int32
	fnIdx       map[uint64]int32
	nlines      []int32 // lines (frames) of each location
	locAt       []int32 // 1 + where each location's frames start in arena; 0 until decoded
	arena       []stack.Frame
	arenaStarts []int64 // the start line of each frame in arena
	fnName      []int64 // string index of each function's name
	fnFile      []int64
	fnStart     []int64 // each function's first line, 0 when the profile omits it
	starts      []int64 // the start line of each frame of the stack at hand

	strs  map[int64]string // strings converted so far
	names map[int32]string // function names shortened so far
}

// decode reads data; keep=false only validates and counts.
func decode(data []byte, lim Limits, keep bool) (*Profile, error) {
	d := &decoder{lim: lim, data: data}
	// A first byte that is no field of a Profile means no profile at all
	// (an HTML page, a text dump), and saying so beats naming a wire type.
	if len(data) > 0 && !profileTag(data[0]) {
		return nil, notProfileHead(data)
	}
	if n, err := d.top(); err != nil {
		if n == 0 && errors.Is(err, ErrInvalid) {
			// Bytes that fail at their first field are not a profile.
			return nil, notProfile{err}
		}
		return nil, err
	}
	if len(d.strings) == 0 {
		return nil, fmt.Errorf("%w: no string table", ErrInvalid)
	}
	if s := d.strings[0]; s.end != s.off {
		return nil, fmt.Errorf("%w: the string table does not start with \"\"", ErrInvalid)
	}
	if len(d.types) == 0 {
		return nil, fmt.Errorf("%w: no sample type", ErrInvalid)
	}
	typ, err := d.str(d.types[0])
	if err != nil {
		return nil, err
	}
	if typ != "goroutine" && typ != "goroutineleak" {
		return nil, fmt.Errorf("a %q profile, not a goroutine profile", typ)
	}
	p := &Profile{Type: typ}
	if p.Process, err = d.mappingTable(); err != nil {
		return nil, err
	}
	if err := d.functionTable(); err != nil {
		return nil, err
	}
	if err := d.locationTable(); err != nil {
		return nil, err
	}
	// Count and check everything before keeping anything, so that a
	// profile past a limit costs no more than one that is within it.
	if err := d.sampleList(p, false); err != nil {
		return nil, err
	}
	if keep {
		p.Total = 0
		if err := d.sampleList(p, true); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// top walks the Profile message, noting where each sample, mapping,
// location, function and string is.
// It returns how many fields it read.
func (d *decoder) top() (int, error) {
	w := walker{b: d.data, kind: "profile", top: true}
	var f field
	n := 0
	add := func(list *[]span, max int, name, what string) error {
		if err := w.want(&f, wireBytes); err != nil {
			return err
		}
		if err := check(len(*list)+1, max, name, what); err != nil {
			return err
		}
		end := w.off
		*list = append(*list, span{end - len(f.b), end})
		return nil
	}
	for ; ; n++ {
		ok, err := w.next(&f)
		if err != nil || !ok {
			return n, err
		}
		switch f.num {
		case 1: // sample_type
			if err := w.want(&f, wireBytes); err != nil {
				return n, err
			}
			if len(d.types) == 64 {
				return n, w.errorf(w.off, "more than 64 sample types")
			}
			vt := w.sub(&f, "sample type", len(d.types)+1)
			var typ int64
			for {
				ok, err := vt.next(&f)
				if err != nil {
					return n, err
				}
				if !ok {
					break
				}
				if f.num == 1 {
					if err := vt.want(&f, wireVarint); err != nil {
						return n, err
					}
					typ = int64(f.v)
				}
			}
			d.types = append(d.types, typ)
		case 2:
			if err = w.want(&f, wireBytes); err == nil {
				d.nsamples++
				err = check(d.nsamples, d.lim.Samples, "Samples", "samples")
			}
		case 3:
			err = add(&d.mappings, d.lim.Mappings, "Mappings", "mappings")
		case 4:
			err = add(&d.locations, d.lim.Locations, "Locations", "locations")
		case 5:
			err = add(&d.functions, d.lim.Functions, "Functions", "functions")
		case 6:
			err = add(&d.strings, d.lim.Strings, "Strings", "strings in the string table")
		}
		if err != nil {
			return n, err
		}
	}
}

// str returns string i of the table, converting each once.
func (d *decoder) str(i int64) (string, error) {
	if i < 0 || i >= int64(len(d.strings)) {
		return "", fmt.Errorf("%w: string index %d, and the table has %d strings", ErrInvalid, i, len(d.strings))
	}
	if s, ok := d.strs[i]; ok {
		return s, nil
	}
	sp := d.strings[i]
	if err := check(sp.end-sp.off, d.lim.NameBytes, "NameBytes", "bytes in one name or label"); err != nil {
		return "", err
	}
	if d.strs == nil {
		d.strs = make(map[int64]string)
	}
	s := string(d.data[sp.off:sp.end])
	d.strs[i] = s
	return s, nil
}

// strIndex checks that i indexes the string table, and that the string
// is within NameBytes, without converting it.
func (d *decoder) strIndex(w *walker, i uint64, what string) error {
	if i >= uint64(len(d.strings)) {
		return w.errorf(w.off, "%s is string %d, and the table has %d strings", what, i, len(d.strings))
	}
	sp := d.strings[i]
	return check(sp.end-sp.off, d.lim.NameBytes, "NameBytes", "bytes in one name or label")
}

// msg returns a walker over the message at s.
func (d *decoder) msg(s span, kind string, idx int) walker {
	return walker{b: d.data[s.off:s.end], base: s.off, kind: kind, idx: idx}
}

// mappingTable validates the mappings and returns the process they
// identify, as Process does.
func (d *decoder) mappingTable() (string, error) {
	d.mapIdx = make(map[uint64]int32, len(d.mappings))
	var b strings.Builder
	for i, s := range d.mappings {
		w := d.msg(s, "mapping", i+1)
		var f field
		var id, start uint64
		var file, build int64
		for {
			ok, err := w.next(&f)
			if err != nil {
				return "", err
			}
			if !ok {
				break
			}
			switch f.num {
			case 1, 2, 5, 6:
				if err := w.want(&f, wireVarint); err != nil {
					return "", err
				}
			}
			switch f.num {
			case 1:
				id = f.v
			case 2:
				start = f.v
			case 5:
				file = int64(f.v)
			case 6:
				build = int64(f.v)
			}
		}
		if err := d.id(&w, id, i, d.mapIdx); err != nil {
			return "", err
		}
		fs, err := d.str(file)
		if err != nil {
			return "", err
		}
		bs, err := d.str(build)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%x %s %s;", start, bs, fs)
	}
	return b.String(), nil
}

// id checks a message's id: not zero, not seen before.
// It records the message's index under id.
func (d *decoder) id(w *walker, id uint64, i int, seen map[uint64]int32) error {
	if id == 0 {
		return w.errorf(0, "id 0 (ids start at 1)")
	}
	if j, ok := seen[id]; ok {
		return w.errorf(0, "id %d, which %s %d has too", id, w.kind, j+1)
	}
	seen[id] = int32(i)
	return nil
}

// functionTable validates the functions and notes their names and files.
func (d *decoder) functionTable() error {
	d.fnIdx = make(map[uint64]int32, len(d.functions))
	d.fnName = make([]int64, len(d.functions))
	d.fnFile = make([]int64, len(d.functions))
	d.fnStart = make([]int64, len(d.functions))
	for i, s := range d.functions {
		w := d.msg(s, "function", i+1)
		var f field
		var id uint64
		for {
			ok, err := w.next(&f)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			switch f.num {
			case 1, 2, 3, 4, 5:
				if err := w.want(&f, wireVarint); err != nil {
					return err
				}
			}
			switch f.num {
			case 1:
				id = f.v
			case 5:
				d.fnStart[i] = int64(min(f.v, math.MaxInt32))
			case 2, 3, 4:
				if err := d.strIndex(&w, f.v, "a name"); err != nil {
					return err
				}
				if f.num == 2 {
					d.fnName[i] = int64(f.v)
				} else if f.num == 4 {
					d.fnFile[i] = int64(f.v)
				}
			}
		}
		if err := d.id(&w, id, i, d.fnIdx); err != nil {
			return err
		}
	}
	return nil
}

// locationTable validates the locations: ids, their mapping, and each
// line's function. Their lines are read again, from the profile's bytes,
// for each stack that uses them, so the table costs only its index.
func (d *decoder) locationTable() error {
	d.locIdx = make(map[uint64]int32, len(d.locations))
	d.nlines = make([]int32, len(d.locations))
	d.locAt = make([]int32, len(d.locations))
	for i, s := range d.locations {
		w := d.msg(s, "location", i+1)
		var f field
		var id uint64
		lines := 0
		for {
			ok, err := w.next(&f)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			switch f.num {
			case 1:
				if err := w.want(&f, wireVarint); err != nil {
					return err
				}
				id = f.v
			case 2:
				if err := w.want(&f, wireVarint); err != nil {
					return err
				}
				if _, ok := d.mapIdx[f.v]; f.v != 0 && !ok {
					return w.errorf(0, "mapping %d, which the profile does not define", f.v)
				}
			case 4:
				if err := w.want(&f, wireBytes); err != nil {
					return err
				}
				lines++
				if err := check(lines, d.lim.Frames, "Frames", "frames in one stack"); err != nil {
					return err
				}
				if _, _, err := d.line(&w, &f, i); err != nil {
					return err
				}
			}
		}
		if err := d.id(&w, id, i, d.locIdx); err != nil {
			return err
		}
		d.nlines[i] = int32(lines)
	}
	return nil
}

// line reads a Line message of location loc: the function's index and
// the line number.
func (d *decoder) line(w *walker, f *field, loc int) (int32, int, error) {
	fn, n, lw, err := d.varintPair(w, f, "line of location", loc+1, "")
	if err != nil {
		return 0, 0, err
	}
	i, ok := d.fnIdx[fn]
	if !ok {
		return 0, 0, lw.errorf(0, "function %d, which the profile does not define", fn)
	}
	if int64(n) < 0 || n > math.MaxInt32 {
		return 0, 0, lw.errorf(0, "line number %d", int64(n))
	}
	return i, int(n), nil
}

// funcName returns function i's name as tracebacks print it.
func (d *decoder) funcName(i int32) (string, error) {
	if s, ok := d.names[i]; ok {
		return s, nil
	}
	s, err := d.str(d.fnName[i])
	if err != nil {
		return "", err
	}
	if d.names == nil {
		d.names = make(map[int32]string)
	}
	s = shortGeneric(s)
	d.names[i] = s
	return s, nil
}

// sampleList reads the samples: each is validated and counted; those that
// count goroutines become one each, when keep is set.
func (d *decoder) sampleList(p *Profile, keep bool) error {
	leaked := p.Type == "goroutineleak"
	kept := 0
	var locs []uint64   // location ids of the sample at hand
	var lbls [][2]int64 // its string labels, as string indices
	var frames []stack.Frame
	totalFrames := 0
	top := walker{b: d.data, kind: "profile", top: true}
	var tf field
	for i := 0; ; {
		if ok, err := top.next(&tf); err != nil || !ok {
			return err
		}
		if tf.num != 2 {
			continue
		}
		i++
		w := walker{b: tf.b, base: top.off - len(tf.b), kind: "sample", idx: i}
		var f field
		var count int64
		values := 0
		locs, lbls = locs[:0], lbls[:0]
		labelBytes := 0
		for {
			ok, err := w.next(&f)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			switch f.num {
			case 1:
				err = w.varints(&f, func(v uint64) error {
					locs = append(locs, v)
					return check(len(locs), d.lim.Frames, "Frames", "frames in one stack")
				})
			case 2:
				err = w.varints(&f, func(v uint64) error {
					if values == 0 {
						count = int64(v)
					}
					values++
					if values > len(d.types) {
						return w.errorf(0, "more values than the %d sample types", len(d.types))
					}
					return nil
				})
			case 3:
				if err = w.want(&f, wireBytes); err != nil {
					return err
				}
				var key, str int64
				key, str, err = d.label(&w, &f, i-1)
				if err == nil && str != 0 {
					labelBytes += int(d.strings[key].end-d.strings[key].off) + int(d.strings[str].end-d.strings[str].off) + 2
					if err = check(labelBytes, d.lim.LabelBytes, "LabelBytes", "bytes of labels in one sample"); err == nil {
						lbls = append(lbls, [2]int64{key, str})
					}
				}
			}
			if err != nil {
				return err
			}
		}
		if values != len(d.types) {
			return w.errorf(0, "%d values for %d sample types", values, len(d.types))
		}
		if count < 0 {
			return w.errorf(0, "a count of %d goroutines", count)
		}
		if count > maxGoroutines-int64(p.Total) {
			return w.errorf(0, "a count of %d goroutines, which takes the total past what a process can hold", count)
		}
		p.Total += int(count)

		// Every location must exist, kept or not, and the frames count
		// before they are kept.
		frames, d.starts = frames[:0], d.starts[:0]
		for _, id := range locs {
			li, ok := d.locIdx[id]
			if !ok {
				return w.errorf(0, "location %d, which the profile does not define", id)
			}
			var err error
			if frames, err = d.appendFrames(frames, li, keep && count > 0); err != nil {
				return err
			}
		}
		if count == 0 {
			continue // counts no goroutine: nothing to keep
		}
		totalFrames += len(frames)
		if err := check(totalFrames, d.lim.TotalFrames, "TotalFrames", "frames in all stacks together"); err != nil {
			return err
		}
		kept++
		if err := check(kept, d.lim.Stacks, "Stacks", "stacks (samples that count goroutines)"); err != nil {
			return err
		}
		if !keep {
			continue
		}
		g := &stack.Goroutine{Count: int(count), Leaked: leaked, Stack: slices.Clone(frames), State: nilParkState(frames, d.starts)}
		if len(g.Stack) == 0 {
			g.Stack = nil // a sample the runtime could not walk
		}
		for _, kv := range lbls {
			k, err := d.str(kv[0])
			if err != nil {
				return err
			}
			v, err := d.str(kv[1])
			if err != nil {
				return err
			}
			g.Labels = append(g.Labels, stack.Label{Key: k, Value: v})
		}
		slices.SortStableFunc(g.Labels, func(a, b stack.Label) int { return strings.Compare(a.Key, b.Key) })
		p.Goroutines = append(p.Goroutines, g)
	}
}

// label reads a Label message: its key and string value, as indices.
func (d *decoder) label(w *walker, f *field, sample int) (key, str int64, err error) {
	k, v, _, err := d.varintPair(w, f, "label of sample", sample+1, "a label")
	return int64(k), int64(v), err
}

// varintPair reads the message in f's payload, a Line or a Label, whose
// fields 1 and 2 are varints and whose other fields are skipped. When
// strs is not empty, each of the two must index the string table, and
// strs names it in errors. It returns the walker over the message, for
// errors about it.
func (d *decoder) varintPair(w *walker, f *field, kind string, idx int, strs string) (one, two uint64, sub walker, err error) {
	sub = w.sub(f, kind, idx)
	var sf field
	for {
		ok, err := sub.next(&sf)
		if err != nil {
			return 0, 0, sub, err
		}
		if !ok {
			return one, two, sub, nil
		}
		if sf.num != 1 && sf.num != 2 {
			continue
		}
		if err := sub.want(&sf, wireVarint); err != nil {
			return 0, 0, sub, err
		}
		if strs != "" {
			if err := d.strIndex(&sub, sf.v, strs); err != nil {
				return 0, 0, sub, err
			}
		}
		if sf.num == 1 {
			one = sf.v
		} else {
			two = sf.v
		}
	}
}

// appendFrames appends the frames of location li, innermost first: a
// location's lines list the calls inlined into it before their caller.
// Without keep it only counts them, with empty frames, from the count
// the location table noted.
func (d *decoder) appendFrames(frames []stack.Frame, li int32, keep bool) ([]stack.Frame, error) {
	if !keep {
		n := len(frames) + int(d.nlines[li])
		if err := check(n, d.lim.Frames, "Frames", "frames in one stack"); err != nil {
			return frames, err
		}
		return slices.Grow(frames, n-len(frames))[:n], nil
	}
	n := len(frames) + int(d.nlines[li])
	if err := check(n, d.lim.Frames, "Frames", "frames in one stack"); err != nil {
		return frames, err
	}
	if at := d.locAt[li]; at > 0 {
		// Decoded before: stacks share most of their locations.
		at--
		end := at + d.nlines[li]
		d.starts = append(d.starts, d.arenaStarts[at:end]...)
		return append(frames, d.arena[at:end]...), nil
	}
	from := len(frames)
	frames, err := d.decodeFrames(frames, li)
	if err != nil {
		return frames, err
	}
	// Keep the location's frames for the next stack that uses it, as
	// long as what is kept stays within TotalFrames.
	if kept := len(d.arena) + len(frames) - from; kept < math.MaxInt32/2 && (kept <= d.lim.TotalFrames || d.lim.TotalFrames < 0) {
		d.locAt[li] = int32(len(d.arena)) + 1
		d.arena = append(d.arena, frames[from:]...)
		d.arenaStarts = append(d.arenaStarts, d.starts[len(d.starts)-(len(frames)-from):]...)
	}
	return frames, nil
}

// decodeFrames appends the frames of location li, read from the profile.
func (d *decoder) decodeFrames(frames []stack.Frame, li int32) ([]stack.Frame, error) {
	w := d.msg(d.locations[li], "location", int(li)+1)
	var f field
	for {
		ok, err := w.next(&f)
		if err != nil || !ok {
			return frames, err
		}
		if f.num != 4 {
			continue
		}
		if err := check(len(frames)+1, d.lim.Frames, "Frames", "frames in one stack"); err != nil {
			return frames, err
		}
		fn, n, err := d.line(&w, &f, int(li))
		if err != nil {
			return frames, err
		}
		name, err := d.funcName(fn)
		if err != nil {
			return frames, err
		}
		file, err := d.str(d.fnFile[fn])
		if err != nil {
			return frames, err
		}
		frames = append(frames, stack.Frame{Func: stack.Func(name), File: file, Line: n})
		d.starts = append(d.starts, d.fnStart[fn])
	}
}

// notProfileHead says that data, which starts with no field of a
// Profile, is not one, showing how it starts.
func notProfileHead(data []byte) error {
	return fmt.Errorf("%w: not a pprof profile: it starts with %q", ErrInvalid, data[:min(len(data), 24)])
}

// profileTag reports whether b can start a Profile message: the tag of one
// of its fields with that field's wire type (messages, strings and packed
// lists are length-delimited, the rest varints).
func profileTag(b byte) bool {
	field, wire := b>>3, b&7
	switch field {
	case 1, 2, 3, 4, 5, 6, 11:
		return wire == 2
	case 7, 8, 9, 10, 12, 14:
		return wire == 0
	case 13:
		return wire == 0 || wire == 2
	}
	return false
}
