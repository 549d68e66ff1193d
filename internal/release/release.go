// Command release prepares a checkout of leakhound for tagging a version.
//
// In development the modules of the workspace find each other through
// go.work and through replace directives to the local tree (which let each
// module build alone). `go install github.com/leakhound/leakhound/cmd/leakhound@latest`
// refuses a module with replace directives, and a module that requires its
// siblings at no real version cannot be fetched. release rewrites, in a
// clean checkout, every released module's go.mod to require its siblings at
// the version and drop the replaces, and adds their checksums to go.sum,
// computed from the very files that will be tagged; then it prints the
// commit and the tags (vX.Y.Z for the root module, DIR/vX.Y.Z for the
// others). With -proxy it also writes the modules as a GOPROXY file tree,
// to try the release before pushing anything:
//
//	git clone -q . /tmp/rel && cd /tmp/rel
//	go run ./internal/release -proxy /tmp/proxy v0.5.0
//	GOPROXY=file:///tmp/proxy,https://proxy.golang.org GOSUMDB=off \
//	    go install github.com/leakhound/leakhound/cmd/leakhound@latest
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

func main() {
	proxy := flag.String("proxy", "", "also write the released modules as a GOPROXY file tree in `dir`")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./internal/release [-proxy DIR] vX.Y.Z\n\nrun in a clean clone: it rewrites go.mod and go.sum of every released module.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	rel, err := Prepare(".", flag.Arg(0))
	if err == nil && *proxy != "" {
		err = rel.WriteProxy(*proxy)
	}
	if err != nil {
		var u usageError
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
	fmt.Printf("rewrote %d modules for %s; to release:\n\n", len(rel.Modules), rel.Version)
	fmt.Printf("git commit -qam 'release %s'\n", rel.Version)
	for _, t := range rel.Tags() {
		fmt.Printf("git tag %s\n", t)
	}
	fmt.Printf("git push origin HEAD:refs/heads/release-%s", rel.Version)
	for _, t := range rel.Tags() {
		fmt.Printf(" %s", t)
	}
	fmt.Println()
}
