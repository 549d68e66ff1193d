module github.com/leakhound/leakhound/internal/demo

go 1.26.0

replace github.com/leakhound/leakhound => ../..

replace github.com/leakhound/leakhound/pprofstack => ../../pprofstack

replace github.com/leakhound/leakhound/internal/input => ../input

replace github.com/leakhound/leakhound/internal/remote => ../remote

replace github.com/leakhound/leakhound/monitor => ../../monitor

require (
	github.com/leakhound/leakhound v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/monitor v0.0.0-00010101000000-000000000000
)

require (
	github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b // indirect
	github.com/leakhound/leakhound/internal/input v0.0.0-00010101000000-000000000000 // indirect
	github.com/leakhound/leakhound/internal/remote v0.0.0-00010101000000-000000000000 // indirect
	github.com/leakhound/leakhound/pprofstack v0.0.0-00010101000000-000000000000 // indirect
)
