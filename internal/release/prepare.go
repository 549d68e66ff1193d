package main

import (
	stdzip "archive/zip"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

// root is the path of leakhound's root module; every module whose path
// is below it is one of leakhound's.
const root = "github.com/leakhound/leakhound"

// unreleased are the workspace's modules that exist for development: the
// peers' benchmarks, test-only modules and this tool. Modules under a
// testdata directory are fixtures and never released either.
var unreleased = []string{"bench", "internal/release", "internal/verdicts", "internal/healthy"}

// Module is one released module.
type Module struct {
	Path string // its module path
	Dir  string // relative to the repository, "." for the root
	// Zip and Mod are its go.sum hashes at the version: of its zip and
	// of its go.mod.
	Zip, Mod string
	gomod    []byte
	zip      []byte   // the module zip the hash is of, for WriteProxy
	deps     []string // leakhound modules its go.mod requires
}

// Release is a checkout rewritten for a version.
type Release struct {
	Version string
	Repo    string    // the checkout
	Modules []*Module // each after the modules it requires
}

// usageError is a mistake in how release was called.
type usageError struct{ error }

// Prepare rewrites the checkout at repo for version: see the package
// comment. The checkout must hold only what git tracks, since the module
// proxy will zip the tagged tree and the checksums must be of that.
func Prepare(repo, version string) (*Release, error) {
	if !semver.IsValid(version) || semver.Canonical(version) != version || semver.Build(version) != "" {
		return nil, usageError{fmt.Errorf("%q is not a release version such as v0.5.0", version)}
	}
	// Semantic import versioning: from v2 on a module's path must end in
	// its major version, and leakhound's end in none.
	if m := semver.Major(version); m != "v0" && m != "v1" {
		return nil, usageError{fmt.Errorf("%s: a %s release needs module paths ending in /%s (%s/%s, and every import of them), which leakhound's do not", version, m, m, root, m)}
	}
	if err := clean(repo); err != nil {
		return nil, err
	}
	mods, err := released(repo)
	if err != nil {
		return nil, err
	}
	r := &Release{Version: version, Repo: repo}
	byPath := make(map[string]*Module, len(mods))
	for _, m := range mods {
		byPath[m.Path] = m
	}
	// The modules in dependency order: a go.sum needs the hashes of the
	// modules it requires, which must be final first.
	state := make(map[string]int) // 1 visiting, 2 done
	var visit func(m *Module) error
	visit = func(m *Module) error {
		switch state[m.Path] {
		case 1:
			return fmt.Errorf("%s/go.mod: the modules require each other in a cycle through %s", m.Dir, m.Path)
		case 2:
			return nil
		}
		state[m.Path] = 1
		for _, d := range m.deps {
			dm := byPath[d]
			if dm == nil {
				return fmt.Errorf("%s/go.mod requires %s, which is not released (not in go.work, or listed as unreleased)", m.Dir, d)
			}
			if err := visit(dm); err != nil {
				return err
			}
		}
		state[m.Path] = 2
		r.Modules = append(r.Modules, m)
		return nil
	}
	for _, m := range mods {
		if err := visit(m); err != nil {
			return nil, err
		}
	}
	for _, m := range r.Modules {
		if err := r.rewrite(m, byPath); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// clean fails unless git tracks every file of the checkout and none is
// changed: what is zipped here must be what the proxy zips from the tag.
func clean(repo string) error {
	out, err := exec.Command("git", "-C", repo, "status", "--porcelain", "--ignored", "--untracked-files=all").Output()
	if err != nil {
		return fmt.Errorf("%s: not a git checkout: %v", repo, err)
	}
	if len(out) > 0 {
		first, _, _ := strings.Cut(string(out), "\n")
		return usageError{fmt.Errorf("%s is not a clean checkout (%s ...): run release in a fresh clone", repo, strings.TrimSpace(first))}
	}
	return nil
}

// released reads go.work and the go.mod of each module it uses, and keeps
// those released.
func released(repo string) ([]*Module, error) {
	data, err := os.ReadFile(filepath.Join(repo, "go.work"))
	if err != nil {
		return nil, err
	}
	wf, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return nil, err
	}
	var mods []*Module
	for _, u := range wf.Use {
		dir := path.Clean(filepath.ToSlash(u.Path))
		if slices.Contains(unreleased, dir) || slices.Contains(strings.Split(dir, "/"), "testdata") {
			continue
		}
		file := filepath.Join(repo, dir, "go.mod")
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		f, err := modfile.Parse(file, data, nil)
		if err != nil {
			return nil, err
		}
		m := &Module{Path: f.Module.Mod.Path, Dir: dir}
		if want := path.Join(root, dir); m.Path != want {
			return nil, fmt.Errorf("%s: module %s, want %s: a module's path must be its directory for its tag to name it", file, m.Path, want)
		}
		for _, r := range f.Require {
			if ours(r.Mod.Path) {
				m.deps = append(m.deps, r.Mod.Path)
			}
		}
		mods = append(mods, m)
	}
	return mods, nil
}

func ours(p string) bool { return p == root || strings.HasPrefix(p, root+"/") }

// rewrite makes m's go.mod and go.sum those of the release, and computes
// its hashes.
func (r *Release) rewrite(m *Module, byPath map[string]*Module) error {
	dir := filepath.Join(r.Repo, m.Dir)
	file := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	f, err := modfile.Parse(file, data, nil)
	if err != nil {
		return err
	}
	for _, rep := range slices.Clone(f.Replace) {
		if rep.New.Version != "" {
			continue // a replacement by another module version is fetchable
		}
		if !ours(rep.Old.Path) {
			return fmt.Errorf("%s: replaces %s by the directory %s: a released module cannot", file, rep.Old.Path, rep.New.Path)
		}
		if err := f.DropReplace(rep.Old.Path, rep.Old.Version); err != nil {
			return err
		}
	}
	for _, req := range f.Require {
		if ours(req.Mod.Path) {
			if err := f.AddRequire(req.Mod.Path, r.Version); err != nil {
				return err
			}
		}
	}
	f.Cleanup()
	if m.gomod, err = f.Format(); err != nil {
		return err
	}
	if err := os.WriteFile(file, m.gomod, 0o644); err != nil {
		return err
	}
	if err := r.writeSum(m, dir, byPath); err != nil {
		return err
	}
	if m.Mod, err = dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(m.gomod)), nil
	}); err != nil {
		return err
	}
	var z bytes.Buffer
	if err := zip.CreateFromDir(&z, module.Version{Path: m.Path, Version: r.Version}, dir); err != nil {
		return err
	}
	m.zip = z.Bytes()
	m.Zip, err = hashZip(m.zip)
	return err
}

// writeSum gives m's go.sum the checksums of every leakhound module it
// may load: those its go.mod requires and, for the module graph, theirs.
func (r *Release) writeSum(m *Module, dir string, byPath map[string]*Module) error {
	file := filepath.Join(dir, "go.sum")
	old, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var lines []string
	for l := range strings.Lines(string(old)) {
		if f := strings.Fields(l); len(f) == 3 && !ours(f[0]) {
			lines = append(lines, strings.TrimRight(l, "\n"))
		}
	}
	seen := make(map[string]bool)
	var add func(p string)
	add = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		d := byPath[p]
		lines = append(lines, fmt.Sprintf("%s %s %s", p, r.Version, d.Zip), fmt.Sprintf("%s %s/go.mod %s", p, r.Version, d.Mod))
		for _, dd := range d.deps {
			add(dd)
		}
	}
	for _, d := range m.deps {
		add(d)
	}
	if len(lines) == 0 {
		return nil
	}
	// go.sum's order: by module, then version, the go.mod line after the
	// module's.
	slices.SortFunc(lines, func(a, b string) int {
		fa, fb := strings.Fields(a), strings.Fields(b)
		va, _ := strings.CutSuffix(fa[1], "/go.mod")
		vb, _ := strings.CutSuffix(fb[1], "/go.mod")
		return cmp.Or(strings.Compare(fa[0], fb[0]), semver.Compare(va, vb), strings.Compare(fa[1], fb[1]))
	})
	lines = slices.Compact(lines)
	return os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// hashZip is the h1: hash of a module zip held in memory: that of its
// files, as the go command computes it from a downloaded zip.
func hashZip(data []byte) (string, error) {
	z, err := stdzip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	files := make(map[string]*stdzip.File, len(z.File))
	names := make([]string, 0, len(z.File))
	for _, f := range z.File {
		if files[f.Name] != nil {
			return "", fmt.Errorf("module zip: %s twice", f.Name)
		}
		files[f.Name] = f
		names = append(names, f.Name)
	}
	return dirhash.Hash1(names, func(name string) (io.ReadCloser, error) { return files[name].Open() })
}

// Tags are the git tags that publish the modules: vX.Y.Z for the root
// module, DIR/vX.Y.Z for a module in DIR.
func (r *Release) Tags() []string {
	var tags []string
	for _, m := range r.Modules {
		if m.Dir == "." {
			tags = append(tags, r.Version)
		} else {
			tags = append(tags, m.Dir+"/"+r.Version)
		}
	}
	slices.Sort(tags)
	return tags
}

// WriteProxy writes the released modules into dir as a module proxy
// serves them (GOPROXY=file://DIR): list, .info, .mod and .zip.
func (r *Release) WriteProxy(dir string) error {
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{r.Version, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	for _, m := range r.Modules {
		esc, err := module.EscapePath(m.Path)
		if err != nil {
			return err
		}
		v := filepath.Join(dir, filepath.FromSlash(esc), "@v")
		if err := os.MkdirAll(v, 0o755); err != nil {
			return err
		}
		for name, data := range map[string][]byte{
			"list": []byte(r.Version + "\n"), r.Version + ".info": info, r.Version + ".mod": m.gomod, r.Version + ".zip": m.zip,
		} {
			if err := os.WriteFile(filepath.Join(v, name), data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
