module github.com/leakhound/leakhound/bench

go 1.26.0

require (
	github.com/leakhound/leakhound v0.0.0
	github.com/maruel/panicparse/v2 v2.5.0
)

require (
	github.com/chzyer/readline v1.5.1 // indirect
	github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b // indirect
	github.com/ianlancetaylor/demangle v0.0.0-20250417193237-f615e6bd150b // indirect
	go.uber.org/goleak v1.3.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/leakhound/leakhound => ../
