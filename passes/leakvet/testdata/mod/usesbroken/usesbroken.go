// Package usesbroken is well typed itself but imports a package that is
// not, as when a dependency's cgo library is missing.
package usesbroken

import _ "example.com/mod/broken"
