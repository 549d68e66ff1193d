package remote

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// TLS says how to reach services that serve pprof over https with
// certificates of their own: signed by a private CA, for a name other than
// the address leakhound reads them at, or asking leakhound for a client
// certificate. The zero TLS is the system's roots and no client
// certificate.
type TLS struct {
	// CAFile holds the PEM certificates of the CAs that sign the
	// services' certificates; they replace the system's roots.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and its key, for
	// services that ask for one. They are read again when they change, so
	// that a watch outlives their rotation.
	CertFile, KeyFile string
	// ServerName is the name the services' certificates must carry, where
	// it is not the host leakhound reads them at (pods read by IP that
	// carry the name of their Service).
	ServerName string
}

// Client returns a client that reaches services as c says. It reads the
// files now, so that a wrong one is an error before any request; errors
// name the flag and the file, never what is in them.
func (c TLS) Client() (*http.Client, error) {
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, errors.New("--pprof-cert-file and --pprof-key-file go together: a client certificate needs its key")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--pprof-ca-file: %v", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--pprof-ca-file %s: no PEM certificate in it", c.CAFile)
		}
	}
	if c.CertFile != "" {
		kp := &keyPair{cert: c.CertFile, key: c.KeyFile}
		if _, err := kp.get(); err != nil {
			return nil, err
		}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return kp.get() }
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}, nil
}

// keyPair is a client certificate read from its files, read again when
// either file changes.
type keyPair struct {
	cert, key string
	mu        sync.Mutex
	stamp     [2]time.Time
	sizes     [2]int64
	pair      *tls.Certificate
}

func (k *keyPair) get() (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var stamp [2]time.Time
	var sizes [2]int64
	for i, name := range []string{k.cert, k.key} {
		fi, err := os.Stat(name)
		if err != nil {
			return nil, fmt.Errorf("--pprof-%s-file: %v", []string{"cert", "key"}[i], err)
		}
		stamp[i], sizes[i] = fi.ModTime(), fi.Size()
	}
	if k.pair != nil && stamp == k.stamp && sizes == k.sizes {
		return k.pair, nil
	}
	// LoadX509KeyPair's errors say what is wrong, never what the key is.
	pair, err := tls.LoadX509KeyPair(k.cert, k.key)
	if err != nil {
		return nil, fmt.Errorf("--pprof-cert-file %s, --pprof-key-file %s: %v", k.cert, k.key, err)
	}
	k.pair, k.stamp, k.sizes = &pair, stamp, sizes
	return k.pair, nil
}

// tlsHint says, after a failed request, what a certificate error calls
// for; "" when err is none.
func tlsHint(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	switch {
	case errors.As(err, &unknown):
		return " (--pprof-ca-file names the CA that signed it)"
	case errors.As(err, &host):
		return " (--pprof-server-name names the name to check it for)"
	}
	// The server's alerts come as text. TLS 1.3 says "certificate
	// required" when none was sent; a TLS 1.2 server may say only
	// "handshake failure", which has other causes too.
	s := err.Error()
	for _, alert := range []string{"certificate required", "bad certificate", "unknown certificate authority", "certificate unknown", "certificate expired", "certificate revoked"} {
		if strings.Contains(s, "remote error: tls: "+alert) {
			return " (the service wants a client certificate it trusts: --pprof-cert-file, --pprof-key-file)"
		}
	}
	if strings.Contains(s, "remote error: tls: handshake failure") {
		return " (if the service wants a client certificate: --pprof-cert-file, --pprof-key-file)"
	}
	return ""
}
