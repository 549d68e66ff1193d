package remote

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/remote/pproftest"
	"github.com/leakhound/leakhound/internal/remote/tlstest"
)

// tlsServer serves this process's net/http/pprof over https with cert;
// with clients set, it asks for a client certificate that clients signed.
func tlsServer(t *testing.T, cert *tlstest.Issued, clients *tlstest.CA) *httptest.Server {
	return tlsServerUpTo(t, cert, clients, 0)
}

// tlsServerUpTo is tlsServer with a highest TLS version (0: the newest).
func tlsServerUpTo(t *testing.T, cert *tlstest.Issued, clients *tlstest.CA, version uint16) *httptest.Server {
	var pool *x509.CertPool
	if clients != nil {
		pool = clients.Pool()
	}
	return pproftest.TLS(t, cert.TLS, pool, version)
}

// oneLine checks that err is one line that names the service and says
// want, and quotes none of the secrets.
func oneLine(t *testing.T, what string, err error, srv *httptest.Server, want string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one saying %q", what, want)
		return
	}
	msg := err.Error()
	t.Logf("%s: %s", what, msg)
	if !strings.Contains(msg, srv.URL+"/debug/pprof/") || !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
		t.Errorf("%s: %q; want one line naming %s and saying %q", what, msg, srv.URL, want)
	}
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Errorf("%s: the error quotes a secret: %q", what, msg)
		}
	}
}

func tlsFetch(t *testing.T, srv *httptest.Server, c TLS) (int, error) {
	t.Helper()
	client, err := c.Client()
	if err != nil {
		t.Fatalf("%+v: %v", c, err)
	}
	_, n, err := fetch(t, srv.URL, Options{Client: client, Full: FullNever})
	return n, err
}

// TestTLSPrivateCA: a service whose certificate a private CA signed is
// read with that CA, and refused, in one line naming it, with none or
// another.
func TestTLSPrivateCA(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "pprof CA")
	other := tlstest.NewCA(t, "another CA")
	srv := tlsServer(t, ca.Server(t, "127.0.0.1"), nil)
	caFile := tlstest.WriteFile(t, dir, "ca.pem", ca.PEM)
	otherFile := tlstest.WriteFile(t, dir, "other.pem", other.PEM)

	if n, err := tlsFetch(t, srv, TLS{CAFile: caFile}); err != nil || n == 0 {
		t.Errorf("with its CA: %d goroutines, %v", n, err)
	}
	_, err := tlsFetch(t, srv, TLS{})
	oneLine(t, "the system's roots", err, srv, "signed by unknown authority (--pprof-ca-file names the CA that signed it)")
	_, err = tlsFetch(t, srv, TLS{CAFile: otherFile})
	oneLine(t, "another CA", err, srv, "(--pprof-ca-file names the CA that signed it)")
}

// TestTLSServerName: a certificate for a name, not for the address it is
// read at (a pod read by IP), is checked for the name --pprof-server-name
// gives.
func TestTLSServerName(t *testing.T) {
	ca := tlstest.NewCA(t, "pprof CA")
	srv := tlsServer(t, ca.Server(t, "api.shop.svc"), nil)
	caFile := tlstest.WriteFile(t, t.TempDir(), "ca.pem", ca.PEM)
	_, err := tlsFetch(t, srv, TLS{CAFile: caFile})
	oneLine(t, "the address's name", err, srv, "(--pprof-server-name names the name to check it for)")
	if n, err := tlsFetch(t, srv, TLS{CAFile: caFile, ServerName: "api.shop.svc"}); err != nil || n == 0 {
		t.Errorf("with the name: %d goroutines, %v", n, err)
	}
	_, err = tlsFetch(t, srv, TLS{CAFile: caFile, ServerName: "db.shop.svc"})
	oneLine(t, "a wrong name", err, srv, "certificate is valid for api.shop.svc, not db.shop.svc")
}

// TestTLSClientCertificate: a service that asks for a client certificate
// gets the one given, and refuses none or one it does not trust, in one
// line that says what it wants; the key is never quoted.
func TestTLSClientCertificate(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "pprof CA")
	clients := tlstest.NewCA(t, "clients CA")
	strangers := tlstest.NewCA(t, "strangers CA")
	caFile := tlstest.WriteFile(t, dir, "ca.pem", ca.PEM)
	good := clients.Client(t, "leakhound")
	bad := strangers.Client(t, "leakhound")
	certFile := tlstest.WriteFile(t, dir, "client.pem", good.CertPEM)
	keyFile := tlstest.WriteFile(t, dir, "client-key.pem", good.KeyPEM)
	badCert := tlstest.WriteFile(t, dir, "stranger.pem", bad.CertPEM)
	badKey := tlstest.WriteFile(t, dir, "stranger-key.pem", bad.KeyPEM)
	secret := strings.TrimSpace(strings.Split(string(good.KeyPEM), "\n")[1])
	// TLS 1.2 refuses during the handshake, 1.3 at the first read.
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		srv := tlsServerUpTo(t, ca.Server(t, "127.0.0.1"), clients, version)
		name := tls.VersionName(version)
		if n, err := tlsFetch(t, srv, TLS{CAFile: caFile, CertFile: certFile, KeyFile: keyFile}); err != nil || n == 0 {
			t.Errorf("%s, with its certificate: %d goroutines, %v", name, n, err)
		}
		// TLS 1.2 tells only of a handshake failure, which has other
		// causes too: the hint says "if".
		want := map[uint16]string{
			tls.VersionTLS12: "handshake failure (if the service wants a client certificate: --pprof-cert-file, --pprof-key-file)",
			tls.VersionTLS13: "certificate required (the service wants a client certificate it trusts: --pprof-cert-file, --pprof-key-file)",
		}[version]
		_, err := tlsFetch(t, srv, TLS{CAFile: caFile})
		oneLine(t, name+", no client certificate", err, srv, want)
		_, err = tlsFetch(t, srv, TLS{CAFile: caFile, CertFile: badCert, KeyFile: badKey})
		oneLine(t, name+", a client certificate it does not trust", err, srv, "wants a client certificate it trusts", secret)
	}
}

// TestTLSClientRotation: a client certificate replaced in its files
// while the client lives is read again: a watch outlives a rotation.
func TestTLSClientRotation(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "pprof CA")
	clients := tlstest.NewCA(t, "clients CA")
	srv := tlsServer(t, ca.Server(t, "127.0.0.1"), clients)
	old := tlstest.NewCA(t, "retired clients CA").Client(t, "leakhound")
	certFile := tlstest.WriteFile(t, dir, "client.pem", old.CertPEM)
	keyFile := tlstest.WriteFile(t, dir, "client-key.pem", old.KeyPEM)
	client, err := TLS{CAFile: tlstest.WriteFile(t, dir, "ca.pem", ca.PEM), CertFile: certFile, KeyFile: keyFile}.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := fetch(t, srv.URL, Options{Client: client, Full: FullNever}); err == nil {
		t.Fatal("a retired certificate was accepted")
	}
	// The new pair, its files' times moved on so that even a file system
	// with coarse times shows the change.
	fresh := clients.Client(t, "leakhound")
	later := time.Now().Add(time.Minute)
	for file, data := range map[string][]byte{certFile: fresh.CertPEM, keyFile: fresh.KeyPEM} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(file, later, later); err != nil {
			t.Fatal(err)
		}
	}
	if _, n, err := fetch(t, srv.URL, Options{Client: client, Full: FullNever}); err != nil || n == 0 {
		t.Errorf("after the rotation: %d goroutines, %v", n, err)
	}
}

// TestTLSFiles: files that are missing, hold no certificate or a key of
// another certificate are errors that name the flag and the file, and
// never quote what a key file holds.
func TestTLSFiles(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "pprof CA")
	a, b := ca.Client(t, "a"), ca.Client(t, "b")
	certA := tlstest.WriteFile(t, dir, "a.pem", a.CertPEM)
	keyB := tlstest.WriteFile(t, dir, "b-key.pem", b.KeyPEM)
	secret := "hunter2-not-a-key"
	junk := tlstest.WriteFile(t, dir, "junk.pem", []byte("PASSWORD="+secret+"\n"))
	for _, tc := range []struct {
		tls  TLS
		want string
	}{
		{TLS{CertFile: certA}, "--pprof-cert-file and --pprof-key-file go together"},
		{TLS{KeyFile: keyB}, "--pprof-cert-file and --pprof-key-file go together"},
		{TLS{CAFile: dir + "/none.pem"}, "--pprof-ca-file: open " + dir + "/none.pem"},
		{TLS{CAFile: junk}, "--pprof-ca-file " + junk + ": no PEM certificate in it"},
		{TLS{CertFile: certA, KeyFile: keyB}, "--pprof-key-file " + keyB + ": tls: private key does not match public key"},
		{TLS{CertFile: certA, KeyFile: junk}, "--pprof-key-file " + junk + ": tls:"},
		{TLS{CertFile: dir + "/none.pem", KeyFile: keyB}, "--pprof-cert-file: stat " + dir + "/none.pem"},
	} {
		_, err := tc.tls.Client()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v; want one line with %q", tc.tls, err, tc.want)
		}
	}
}

// TestTLSHint: a TLS 1.2 server's bare "handshake failure" may or may not
// be about a client certificate, and the hint says so; other errors get
// none.
func TestTLSHint(t *testing.T) {
	for msg, want := range map[string]string{
		"remote error: tls: handshake failure":              "(if the service wants a client certificate",
		"remote error: tls: certificate expired":            "(the service wants a client certificate it trusts",
		"dial tcp 127.0.0.1:1: connect: connection refused": "",
		"EOF": "",
	} {
		got := tlsHint(errors.New(msg))
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("tlsHint(%q) = %q, want %q", msg, got, want)
		}
	}
}
