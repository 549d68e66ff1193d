// Package require is the part of testify's require that leakvet's tests use.
package require

import "github.com/stretchr/testify/assert"

type TestingT interface {
	Errorf(format string, args ...any)
	FailNow()
}

func Fail(t TestingT, msg string, args ...any) {
	assert.Fail(t, msg, args...)
	t.FailNow()
}

func FailNow(t TestingT, msg string, args ...any) {
	assert.FailNow(t, msg, args...)
	t.FailNow()
}

func NoError(t TestingT, err error, args ...any) {
	if assert.NoError(t, err, args...) {
		return
	}
	t.FailNow()
}

func Equal(t TestingT, want, got any, args ...any) {
	if want != got {
		Fail(t, "not equal", args...)
	}
}

// Assertions is what require.New and a suite's Require return.
type Assertions struct{ t TestingT }

func New(t TestingT) *Assertions { return &Assertions{t} }

func (a *Assertions) NoError(err error, args ...any) { NoError(a.t, err, args...) }
