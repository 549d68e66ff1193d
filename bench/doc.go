// Package bench measures leakhound side by side with the tools its users
// know (panicparse, goleak). It is a module of its own so that users of
// leakhound never download those peers.
package bench
