package report

import (
	"os"
	"testing"
)

func TestQuickHTML(t *testing.T) {
	f, _ := os.Create("/tmp/i14.html")
	defer f.Close()
	if err := HTML(f, "dump.txt", sample(), HTMLOptions{Notes: []string{"a note"}}); err != nil {
		t.Fatal(err)
	}
}
