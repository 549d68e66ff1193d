// Package category says where a leak that a leakvet analyzer reports
// happens: in production code, on a test path that passes, or only on a
// path on which the test has already failed. Readers fix the first kind
// first; the last is a goroutine left behind by a test that is failing
// anyway, which goleak would report but which changes no result.
package category

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/types/typeutil"
)

// The categories, in the order a reader should see them.
const (
	Production = "production"  // code that is not a test
	Test       = "test"        // a test, on a path on which it passes
	FailedTest = "failed-test" // a test, only on a path on which it has failed
)

// All lists the categories in order.
var All = []string{Production, Test, FailedTest}

// Rank orders categories: production first, unknown ones last.
func Rank(c string) int {
	for i, a := range All {
		if a == c {
			return i
		}
	}
	return len(All)
}

// Of returns the category of a finding at pos; failed says that the path
// on which it leaks has already failed the test.
func Of(pass *analysis.Pass, pos token.Pos, failed bool) string {
	if !InTest(pass, pos) {
		return Production
	}
	if failed {
		return FailedTest
	}
	return Test
}

// InTest reports whether pos is test code: in a _test.go file, or in a
// function (or a literal inside one) that takes a *testing.T, *testing.B,
// *testing.F or testing.TB, as test helpers in other files do.
func InTest(pass *analysis.Pass, pos token.Pos) bool {
	tf := pass.Fset.File(pos)
	if tf == nil {
		return false
	}
	if strings.HasSuffix(tf.Name(), "_test.go") {
		return true
	}
	for _, f := range pass.Files {
		if f.Pos() > pos || pos > f.End() {
			continue
		}
		path, _ := astutil.PathEnclosingInterval(f, pos, pos)
		for _, n := range path {
			var ft *ast.FuncType
			switch fn := n.(type) {
			case *ast.FuncDecl:
				ft = fn.Type
			case *ast.FuncLit:
				ft = fn.Type
			}
			if ft == nil {
				continue
			}
			for _, p := range ft.Params.List {
				if isTestingType(pass.TypesInfo.TypeOf(p.Type)) {
					return true
				}
			}
		}
	}
	return false
}

func isTestingType(t types.Type) bool {
	if t == nil {
		return false
	}
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "testing" {
		return false
	}
	switch n.Obj().Name() {
	case "T", "B", "F", "TB":
		return true
	}
	return false
}

// testify's packages, whose Fail and FailNow fail a test unconditionally.
const (
	assertPkg  = "github.com/stretchr/testify/assert"
	requirePkg = "github.com/stretchr/testify/require"
)

// Fails reports whether call fails the test it runs in whatever its
// arguments (t.Error, t.Fatal, assert.Fail, require.FailNow, runtime.Goexit
// in a test), and whether it also ends the test's goroutine (t.Fatal,
// t.FailNow, require.*Fail*, assert.FailNow, runtime.Goexit): a goroutine
// the test left blocked then stays blocked, on a test that has failed.
// Conditional assertions (require.NoError) are neither.
func Fails(info *types.Info, call *ast.CallExpr) (fails, ends bool) {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false, false
	}
	name := fn.Name()
	recv := fn.Signature().Recv()
	switch fn.Pkg().Path() {
	case "runtime":
		return name == "Goexit", name == "Goexit"
	case "testing":
		switch name {
		case "Error", "Errorf", "Fail":
			return true, false
		case "Fatal", "Fatalf", "FailNow":
			return true, true
		}
	case assertPkg, requirePkg:
		if recv != nil && types.IsInterface(recv.Type()) {
			// The TestingT interface: Errorf marks the failure, FailNow ends.
			switch name {
			case "Errorf":
				return true, false
			case "FailNow":
				return true, true
			}
			return false, false
		}
		switch name {
		case "Fail", "Failf":
			return true, fn.Pkg().Path() == requirePkg
		case "FailNow", "FailNowf":
			return true, true
		}
	}
	return false, false
}

// FailsIn reports whether n, outside function literals, makes a call that
// fails the test.
func FailsIn(info *types.Info, n ast.Node) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if found {
			return false
		}
		switch m := m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if f, _ := Fails(info, m); f {
				found = true
			}
		}
		return true
	})
	return found
}

// MayEnd returns the call of a statement that ends the test's goroutine
// only when its check fails (require.NoError(t, err), or r.Equal on a
// *require.Assertions), or nil: testify's require then calls t.FailNow,
// which leaves every goroutine the test started to itself.
func MayEnd(info *types.Info, n ast.Node) *ast.CallExpr {
	call := stmtCall(n)
	if call == nil {
		return nil
	}
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != requirePkg {
		return nil
	}
	if _, ends := Fails(info, call); ends {
		return nil // it always ends: Ends has it
	}
	sig := fn.Signature()
	if recv := sig.Recv(); recv != nil {
		// Methods of *require.Assertions (require.New(t), s.Require()).
		p, ok := recv.Type().(*types.Pointer)
		if !ok {
			return nil
		}
		if named, ok := types.Unalias(p.Elem()).(*types.Named); !ok || named.Obj().Name() != "Assertions" {
			return nil
		}
		return call
	}
	// The assertions take the TestingT first; New and the helpers do not.
	if sig.Params().Len() == 0 {
		return nil
	}
	if named, ok := types.Unalias(sig.Params().At(0).Type()).(*types.Named); !ok || named.Obj().Name() != "TestingT" {
		return nil
	}
	return call
}

// Ends returns the call of a statement that ends the test's goroutine
// (t.Fatal, require.FailNow, runtime.Goexit), or nil.
func Ends(info *types.Info, n ast.Node) *ast.CallExpr {
	call := stmtCall(n)
	if call == nil {
		return nil
	}
	if _, ends := Fails(info, call); ends {
		return call
	}
	return nil
}

// stmtCall returns the call that the statement n is, or nil.
func stmtCall(n ast.Node) *ast.CallExpr {
	es, ok := n.(*ast.ExprStmt)
	if !ok {
		return nil
	}
	call, _ := ast.Unparen(es.X).(*ast.CallExpr)
	return call
}
