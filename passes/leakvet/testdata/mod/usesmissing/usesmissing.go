// Package usesmissing imports a package that is not there and uses it: its
// own type errors only follow from that.
package usesmissing

import "example.com/mod/missing"

var a = missing.A
var b = missing.B()

func c() int { return missing.C + 1 }
