module github.com/leakhound/leakhound/golangci

go 1.26.0

replace github.com/leakhound/leakhound => ..

replace github.com/leakhound/leakhound/passes => ../passes

require (
	github.com/golangci/plugin-module-register v0.1.2
	github.com/leakhound/leakhound/passes v0.0.0-00010101000000-000000000000
	golang.org/x/tools v0.52.0
)

require (
	github.com/leakhound/leakhound v0.0.0-00010101000000-000000000000 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
)
