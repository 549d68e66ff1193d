//go:build race

package pprofstack

// raceEnabled skips the hostile inputs that expand to tens of megabytes:
// under the race detector each takes minutes, and what they show (memory
// within the limits) is measured by BenchmarkDecode without it.
const raceEnabled = true
