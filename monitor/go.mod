module github.com/leakhound/leakhound/monitor

go 1.26.0

replace github.com/leakhound/leakhound => ..

replace github.com/leakhound/leakhound/pprofstack => ../pprofstack

replace github.com/leakhound/leakhound/internal/input => ../internal/input

replace github.com/leakhound/leakhound/internal/remote => ../internal/remote

require (
	github.com/chromedp/chromedp v0.23.0
	github.com/leakhound/leakhound v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/internal/remote v0.0.0-00010101000000-000000000000
	github.com/leakhound/leakhound/pprofstack v0.0.0-00010101000000-000000000000
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b // indirect
	github.com/leakhound/leakhound/internal/input v0.0.0-00010101000000-000000000000 // indirect
)
