// Package recall holds leak shapes taken from public bug reports, one
// function per report, written afresh for leakvet's recall test. Each
// function's comment names its source; a line that leakvet must report ends
// with a "leakvet:NAME" comment naming the analyzer; a function that
// leakvet misses says "Missed:" and why.
package recall

import "time"

type result struct {
	value int
	err   error
}

func slow() result              { time.Sleep(time.Millisecond); return result{} }
func slowErr() error            { time.Sleep(time.Millisecond); return nil }
func use(...any)                {}
func timeout() <-chan time.Time { return time.After(time.Second) }
