//go:build !race

package pprofstack

const raceEnabled = false
