// Package nilchan defines an Analyzer that reports sends, receives and
// ranges on channels that can only be nil.
//
// # Analyzer nilchan
//
// nilchan: report channel operations that block forever because the channel is never made
//
// A send on a nil channel, a receive from one, and a range over one block
// forever. nilchan reports them when the channel can only be nil: a
// variable, struct field or goroutine parameter to which nothing but nil
// is ever assigned in the package:
//
//   - a local variable declared as var ch chan T, or given nil, never
//     assigned a channel and never addressed;
//   - an unexported package-level variable of the same kind;
//   - an unexported struct field never assigned a channel, never
//     addressed, and never set in a composite literal;
//   - the parameter of a goroutine's function literal passed one of those,
//     nil, or the result of a function of the package whose every return
//     gives one of those: go func(ch chan int) { <-ch }(ch).
//
// A goroutine started as go f(ch), with f a function of the package that
// uses its parameter without a nil check, is reported at the go statement:
// f may be called elsewhere with a made channel.
//
// A select case on such a channel is not reported: a nil channel is the
// usual way to disable a case. Nor is an operation inside if ch != nil or
// after if ch == nil { return }, nor one on a field of a named struct type
// the package never builds (no literal, new, variable or value of it):
// such code, a type-switch case for a type left over, never runs. A field
// or package variable whose name appears in a file the pass does not see
// (one left out by build constraints, or a _test.go file beside a package
// analyzed without its tests) is left alone: a test hook or another
// platform may make it.
//
// The classes are nil-channel-send and nil-channel-receive. For a local
// variable declared without a value a suggested fix makes the channel.
package nilchan
