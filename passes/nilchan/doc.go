// Package nilchan defines an Analyzer that reports sends, receives and
// ranges on channels that can only be nil.
//
// # Analyzer nilchan
//
// nilchan: report channel operations that block forever because the channel is never made
//
// A send on a nil channel, a receive from one, and a range over one block
// forever. nilchan reports them when the channel is a variable or struct
// field that nothing in the package ever assigns:
//
//   - a local variable declared as var ch chan T and never assigned or
//     addressed;
//   - an unexported package-level variable declared without a value and
//     never assigned or addressed;
//   - an unexported struct field never assigned, never addressed, and never
//     set in a composite literal.
//
// A select case on such a channel is not reported: a nil channel is the
// usual way to disable a case. A field or package variable whose name
// appears in a file the pass does not see (one left out by build
// constraints, or a _test.go file beside a package analyzed without its
// tests) is left alone: a test hook or another platform may make it.
//
// The classes are nil-channel-send and nil-channel-receive. For a local
// variable a suggested fix makes the channel.
package nilchan
