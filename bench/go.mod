module github.com/leakhound/leakhound/bench

go 1.26.0

replace github.com/leakhound/leakhound => ..

replace github.com/leakhound/leakhound/pprofstack => ../pprofstack

replace github.com/leakhound/leakhound/internal/input => ../internal/input

replace github.com/leakhound/leakhound/internal/remote => ../internal/remote

replace github.com/leakhound/leakhound/monitor => ../monitor

require github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b // indirect

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

require (
	github.com/leakhound/leakhound v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/monitor v0.0.0-00010101000000-000000000000
	github.com/maruel/panicparse/v2 v2.5.0
	go.opentelemetry.io/otel/sdk v1.47.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/go-logr/logr v1.4.4 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/leakhound/leakhound/internal/input v0.0.0-00010101000000-000000000000 // indirect
	github.com/leakhound/leakhound/internal/remote v0.0.0-00010101000000-000000000000 // indirect
	github.com/leakhound/leakhound/pprofstack v0.0.0-00010101000000-000000000000 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/otel v1.47.0 // indirect
	go.opentelemetry.io/otel/log v1.47.0 // indirect
	go.opentelemetry.io/otel/metric v1.47.0 // indirect
	go.opentelemetry.io/otel/trace v1.47.0 // indirect
)
