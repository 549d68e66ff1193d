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
