// Package healthy holds the test that keeps leakhound from crying wolf: the
// goroutine state of healthy, real open-source Go servers, captured in every
// form their pprof endpoints serve (testdata/healthy), must classify with no
// leak and at most one suspect group per server and form.
package healthy
