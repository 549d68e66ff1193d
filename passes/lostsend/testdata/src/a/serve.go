package a

import (
	"context"
	"errors"
	"net"
	"net/http"
)

// serveUntilDone shuts its server down when ctx ends: Serve then returns
// ErrServerClosed, which the goroutine does not send (held-out round 17,
// tailscale's k8s-operator/api-proxy/proxy.go:174).
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errs := make(chan error)
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			errs <- err
		}
	}()
	select {
	case <-ctx.Done():
	case err := <-errs:
		return err
	}
	return srv.Shutdown(context.Background())
}

// closeUntilDone is the same with Close and errors.Is.
func closeUntilDone(ctx context.Context, srv *http.Server) error {
	errs := make(chan error)
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			errs <- err
		}
	}()
	select {
	case <-ctx.Done():
		srv.Close()
		return nil
	case err := <-errs:
		return err
	}
}

// serveAnyError sends ErrServerClosed too: after Shutdown it blocks.
func serveAnyError(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errs := make(chan error)
	go func() {
		if err := srv.Serve(ln); err != nil {
			errs <- err // want `when serveAnyError returns at line 58 through the ctx.Done\(\) case without receiving from errs`
		}
	}()
	select {
	case <-ctx.Done():
	case err := <-errs:
		return err
	}
	return srv.Shutdown(context.Background())
}

// serveLeftRunning never shuts its server down: a later failure of Serve
// is sent to nobody.
func serveLeftRunning(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errs := make(chan error)
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			errs <- err // want `when serveLeftRunning returns at line 72 through the ctx.Done\(\) case without receiving from errs`
		}
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-errs:
		return err
	}
}

// reportsClosed sends exactly when the server was closed: shutting it
// down is what makes it send.
func reportsClosed(ctx context.Context, srv *http.Server) error {
	errs := make(chan error)
	go func() {
		if err := srv.ListenAndServe(); errors.Is(err, http.ErrServerClosed) {
			errs <- nil // want `when reportsClosed returns at line 90 through the ctx.Done\(\) case without receiving from errs`
		}
	}()
	select {
	case <-ctx.Done():
		srv.Close()
		return nil
	case err := <-errs:
		return err
	}
}
