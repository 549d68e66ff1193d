package pprofstack

import (
	"encoding/binary"
	"fmt"
)

// The protobuf wire types a profile uses; groups (3, 4) are not part of it.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// field is one field of a protobuf message as the wire gives it.
type field struct {
	num int
	typ int
	v   uint64 // varint and fixed values
	b   []byte // length-delimited payload, a slice of the profile
}

// walker reads the fields of one message without allocating. It trusts
// no length: each is checked against what remains before it is used.
type walker struct {
	b    []byte
	off  int
	base int    // offset of b in the whole profile, for errors
	kind string // what the message is, for errors: "profile", "sample"
	idx  int    // which one of its kind, from 1; 0 for the profile
	top  bool   // the profile itself: running past its end means it was cut
}

// next reads the next field into f; false at the end of the message.
func (w *walker) next(f *field) (bool, error) {
	if w.off >= len(w.b) {
		return false, nil
	}
	at := w.off
	key, err := w.varint()
	if err != nil {
		return false, err
	}
	if key>>3 == 0 || key>>3 > 1<<29 {
		return false, w.errorf(at, "field number %d", key>>3)
	}
	f.num, f.typ, f.v, f.b = int(key>>3), int(key&7), 0, nil
	switch f.typ {
	case wireVarint:
		f.v, err = w.varint()
	case wireFixed64:
		if len(w.b)-w.off < 8 {
			return false, w.short(at, f.num, 8)
		}
		f.v = binary.LittleEndian.Uint64(w.b[w.off:])
		w.off += 8
	case wireFixed32:
		if len(w.b)-w.off < 4 {
			return false, w.short(at, f.num, 4)
		}
		f.v = uint64(binary.LittleEndian.Uint32(w.b[w.off:]))
		w.off += 4
	case wireBytes:
		var n uint64
		if n, err = w.varint(); err != nil {
			return false, err
		}
		if n > uint64(len(w.b)-w.off) {
			return false, w.short(at, f.num, n)
		}
		f.b = w.b[w.off : w.off+int(n)]
		w.off += int(n)
	default:
		return false, w.errorf(at, "field %d has wire type %d, which profiles do not use", f.num, f.typ)
	}
	return err == nil, err
}

func (w *walker) varint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.off:])
	switch {
	case n == 0:
		return 0, w.short(w.off, 0, 0)
	case n < 0:
		return 0, w.errorf(w.off, "varint longer than 64 bits")
	}
	w.off += n
	return v, nil
}

// short reports a field that runs past the end of its message: in the
// profile itself the input was cut short, inside a message the message's
// own length lies.
func (w *walker) short(at, num int, n uint64) error {
	what := "a varint"
	if num > 0 {
		what = fmt.Sprintf("field %d (%d bytes)", num, n)
	}
	if w.top {
		return fmt.Errorf("%w: %s at byte %d runs past the end (%d bytes)", ErrTruncated, what, w.base+at, len(w.b))
	}
	return w.errorf(at, "%s runs past the end of the message", what)
}

func (w *walker) errorf(at int, format string, args ...any) error {
	msg := w.kind
	if w.idx > 0 {
		msg = fmt.Sprintf("%s %d", w.kind, w.idx)
	}
	return fmt.Errorf("%w: %s at byte %d: %s", ErrInvalid, msg, w.base+at, fmt.Sprintf(format, args...))
}

// sub returns a walker over the message in f's payload, which ends where
// w stands.
func (w *walker) sub(f *field, kind string, idx int) walker {
	return walker{b: f.b, base: w.base + w.off - len(f.b), kind: kind, idx: idx}
}

// want checks that f has wire type typ.
func (w *walker) want(f *field, typ int) error {
	if f.typ != typ {
		return w.errorf(w.off, "field %d has wire type %d, want %d", f.num, f.typ, typ)
	}
	return nil
}

// varints calls fn for each value of a repeated varint field, packed or not.
func (w *walker) varints(f *field, fn func(uint64) error) error {
	switch f.typ {
	case wireVarint:
		return fn(f.v)
	case wireBytes:
		b := f.b
		for len(b) > 0 {
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return w.errorf(w.off, "packed field %d holds a bad varint", f.num)
			}
			if err := fn(v); err != nil {
				return err
			}
			b = b[n:]
		}
		return nil
	}
	return w.errorf(w.off, "field %d has wire type %d, want a varint or packed varints", f.num, f.typ)
}
