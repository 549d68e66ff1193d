package remote

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// guarded serves this process's net/http/pprof to those who show the
// bearer token tok or the user ops with the password pw.
func guarded(t *testing.T, tok, pw string) *httptest.Server {
	backend := pprofServer(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, basic := r.BasicAuth()
		if r.Header.Get("Authorization") != "Bearer "+tok && !(basic && u == "ops" && p == pw) {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		backend.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func secretFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestAuth: a bearer token or a user and password from files reach the
// service, a rotated token is used at the next request, and a wrong one
// is a one-line error that names the service and the flags, never the
// secret.
func TestAuth(t *testing.T) {
	dir := t.TempDir()
	srv := guarded(t, "tok-1", "pw-1")
	tokFile := secretFile(t, dir, "token", "tok-1\n")
	pwFile := secretFile(t, dir, "password", "pw-1")
	for _, a := range []Auth{{TokenFile: tokFile, Flags: "--pprof"}, {User: "ops", PasswordFile: pwFile, Flags: "--pprof"}} {
		if _, n, err := fetch(t, srv.URL, Options{Auth: a, Full: FullAlways}); err != nil || n == 0 {
			t.Errorf("%+v: %d goroutines, %v", a, n, err)
		}
	}
	// Rotation: the file now holds a token the service does not take.
	secretFile(t, dir, "token", "tok-2")
	_, _, err := fetch(t, srv.URL, Options{Auth: Auth{TokenFile: tokFile, Flags: "--pprof"}})
	oneLine(t, "a rotated token", err, srv, "401 Unauthorized", "tok-2", "tok-1")
	if err != nil && !strings.Contains(err.Error(), "--pprof-token-file") {
		t.Errorf("the 401 does not point to the flags: %v", err)
	}
	// Credentials both in the URL and in flags: said, nothing sent.
	_, _, err = fetch(t, withUser(srv.URL, "ops", "pw-1"), Options{Auth: Auth{TokenFile: tokFile, Flags: "--pprof"}})
	if err == nil || !strings.Contains(err.Error(), "in the URL and in --pprof-* flags") || strings.Contains(err.Error(), "pw-1") {
		t.Errorf("URL and flag credentials: %v", err)
	}
	// A token file that is not one line, or missing: the flag and the
	// file are named, not what it holds.
	bad := secretFile(t, dir, "bad", "line-one\nline-two\n")
	_, _, err = fetch(t, srv.URL, Options{Auth: Auth{TokenFile: bad, Flags: "--pprof"}})
	if err == nil || !strings.Contains(err.Error(), "--pprof-token-file "+bad+": want one line") || strings.Contains(err.Error(), "line-one") {
		t.Errorf("a two-line token file: %v", err)
	}
	_, _, err = fetch(t, srv.URL, Options{Auth: Auth{TokenFile: filepath.Join(dir, "none"), Flags: "--pprof"}})
	if err == nil || !strings.Contains(err.Error(), "--pprof-token-file") {
		t.Errorf("a missing token file: %v", err)
	}
}

func TestAuthCheck(t *testing.T) {
	for _, c := range []struct {
		a       Auth
		urlUser bool
		want    string
	}{
		{Auth{PasswordFile: "/p", Flags: "--pprof"}, false, "--pprof-password-file needs --pprof-user"},
		{Auth{User: "u", TokenFile: "/t", Flags: "--pprof"}, false, "--pprof-user and --pprof-token-file at once"},
		{Auth{User: "u", Flags: "--pprof"}, true, "in the URL and in --pprof-* flags"},
		{Auth{User: "u", PasswordFile: "/p", Flags: "--pprof"}, false, ""},
		{Auth{}, true, ""},
	} {
		err := c.a.Check(c.urlUser)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v, URL user %v: %v, want %q", c.a, c.urlUser, err, c.want)
		}
	}
}
