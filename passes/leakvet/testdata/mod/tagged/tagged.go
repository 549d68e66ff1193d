// Package tagged holds a leak only an integration build compiles.
package tagged

func Ping() {}
