// Package blockforever defines an Analyzer that reports statements that
// block their goroutine forever by construction.
//
// # Analyzer blockforever
//
// blockforever: report goroutines that block forever by construction: select {}, <-make(chan T), <-nil
//
// An empty select statement (select {}) never proceeds, and neither does a
// receive from a channel made on the spot (<-make(chan T)) or from a nil
// channel written out as a conversion (<-(chan T)(nil)). In a program's main
// package that is a known way to park main while other goroutines serve;
// anywhere else it leaves a goroutine that nobody can stop or collect
// (classes select-forever, receive-no-sender and nil-channel-receive).
//
// Only statements inside a function literal started as a goroutine (by a go
// statement or a group's Go method), outside test files, are reported: blocking the calling goroutine forever is how tests
// provoke deadlocks and how serve-forever helpers park on purpose.
package blockforever
