module github.com/leakhound/leakhound/internal/input

go 1.26.0

replace github.com/leakhound/leakhound => ../..

replace github.com/leakhound/leakhound/pprofstack => ../../pprofstack

require (
	github.com/leakhound/leakhound v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/pprofstack v0.0.0-00010101000000-000000000000
)

require github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b // indirect
