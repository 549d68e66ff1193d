module github.com/leakhound/leakhound/bench

go 1.26.0

require (
	github.com/leakhound/leakhound v0.0.0
	github.com/maruel/panicparse/v2 v2.5.0
)

require go.uber.org/goleak v1.3.0 // indirect

replace github.com/leakhound/leakhound => ../
