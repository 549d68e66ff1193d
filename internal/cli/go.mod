module github.com/leakhound/leakhound/internal/cli

go 1.26.0

replace github.com/leakhound/leakhound => ../..

replace github.com/leakhound/leakhound/pprofstack => ../../pprofstack

replace github.com/leakhound/leakhound/internal/input => ../input

replace github.com/leakhound/leakhound/internal/remote => ../remote

replace github.com/leakhound/leakhound/internal/demo => ../demo

replace github.com/leakhound/leakhound/monitor => ../../monitor

replace github.com/leakhound/leakhound/passes => ../../passes

require (
	github.com/chromedp/chromedp v0.23.0
	github.com/leakhound/leakhound v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/internal/demo v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/internal/fleet v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/internal/input v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/internal/remote v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/monitor v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/passes v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/pprofstack v0.0.0-00010101000000-000000000000
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
)

replace github.com/leakhound/leakhound/internal/fleet => ../fleet
