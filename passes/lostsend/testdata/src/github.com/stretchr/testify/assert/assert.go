// Package assert is the part of testify's assert that leakvet's tests use.
package assert

type TestingT interface {
	Errorf(format string, args ...any)
}

type failNower interface{ FailNow() }

func Fail(t TestingT, msg string, args ...any) bool {
	t.Errorf("%s", msg)
	return false
}

func FailNow(t TestingT, msg string, args ...any) bool {
	Fail(t, msg)
	if n, ok := t.(failNower); ok {
		n.FailNow()
	} else {
		panic("test failed and t is missing FailNow()")
	}
	return false
}

func NoError(t TestingT, err error, args ...any) bool {
	if err != nil {
		return Fail(t, err.Error())
	}
	return true
}
