//go:build race

package main

// raceEnabled: the race detector adds nothing to a test whose work is done
// by other processes, and doubles its time.
const raceEnabled = true
