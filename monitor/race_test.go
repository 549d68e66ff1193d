//go:build race

package monitor

// raceEnabled: the race detector allows at most 8128 live goroutines.
const raceEnabled = true
