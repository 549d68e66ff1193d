package cli

import (
	"fmt"
	"os"
	"path/filepath"
)

// replaceFile writes data to path through a temporary file in the same
// directory and a rename, so that a reader (a browser reloading the page,
// a person opening it mid-watch) sees the old file or the new one whole.
func replaceFile(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := cmpErr(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("%s: %v", path, err)
	}
	// CreateTemp makes the file 0600; a report is for sharing.
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("%s: %v", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
