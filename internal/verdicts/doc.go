// Package verdicts holds the tests that hold leakhound's verdicts to one
// truth across every input form: the same real goroutines, read as a full
// dump, a debug=1 text profile, a protobuf profile and the runtime's
// goroutineleak profile in its three forms, get the same classes, counts
// and verdicts wherever the form can tell, and say what it cannot.
package verdicts
