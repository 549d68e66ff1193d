package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkVetStd times plain go vet and go vet -vettool=leakvet over the
// standard library, tests included, in one run. Each iteration starts from
// a copy of a build cache that holds the compiled packages but no vet
// results, so both measure analysis, not compilation or the vet cache.
//
//	go test -run='^$' -bench=VetStd -benchtime=1x ./cmd/leakvet
func BenchmarkVetStd(b *testing.B) {
	if testing.Short() {
		b.Skip("analyzes the whole standard library")
	}
	exe := filepath.Join(b.TempDir(), "leakvet")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	warm := filepath.Join(b.TempDir(), "cache")
	prep := exec.Command("go", "list", "-export", "-deps", "-test", "std")
	prep.Env = append(os.Environ(), "GOCACHE="+warm)
	if out, err := prep.CombinedOutput(); err != nil {
		b.Fatalf("compiling std: %v\n%s", err, out[:min(len(out), 2000)])
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"govet", []string{"vet", "std"}},
		{"leakvet", []string{"vet", "-vettool=" + exe, "std"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				cache := filepath.Join(b.TempDir(), "cache")
				if out, err := exec.Command("cp", "-a", warm, cache).CombinedOutput(); err != nil {
					b.Fatalf("copying the cache: %v\n%s", err, out)
				}
				cmd := exec.Command("go", tc.args...)
				cmd.Env = append(os.Environ(), "GOCACHE="+cache)
				b.StartTimer()
				// Both exit non-zero when they report something: the time is what counts.
				_ = cmd.Run()
			}
		})
	}
}
