module github.com/leakhound/leakhound/promleak

go 1.26.0

replace github.com/leakhound/leakhound => ..

replace github.com/leakhound/leakhound/pprofstack => ../pprofstack

replace github.com/leakhound/leakhound/internal/input => ../internal/input

replace github.com/leakhound/leakhound/internal/remote => ../internal/remote

replace github.com/leakhound/leakhound/internal/demo => ../internal/demo

replace github.com/leakhound/leakhound/monitor => ../monitor

require (
	github.com/leakhound/leakhound v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/internal/demo v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/monitor v0.0.0-00010101000000-000000000000
	github.com/prometheus/client_golang v1.25.0
	go.yaml.in/yaml/v3 v3.0.5
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b // indirect
	github.com/kylelemons/godebug v1.1.0 // indirect
	github.com/leakhound/leakhound/internal/input v0.0.0-00010101000000-000000000000 // indirect
	github.com/leakhound/leakhound/internal/remote v0.0.0-00010101000000-000000000000 // indirect
	github.com/leakhound/leakhound/pprofstack v0.0.0-00010101000000-000000000000 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_model v0.6.3 // indirect
	github.com/prometheus/common v0.72.0 // indirect
	github.com/prometheus/procfs v0.22.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
