package remote

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// Auth is credentials for a server as flags give them: a bearer token, or
// a user and a password. The files are read at each request, so that a
// rotated secret is used without a restart; what they hold never goes
// into an error or a line printed.
type Auth struct {
	TokenFile, User, PasswordFile string
	// Flags is the prefix of the flags that set them, for errors:
	// "--pprof" names --pprof-token-file, --pprof-user and
	// --pprof-password-file.
	Flags string
}

// Check rejects credentials given twice or half: urlUser tells whether the
// URL itself carries user:password@.
func (a Auth) Check(urlUser bool) error {
	switch {
	case a.PasswordFile != "" && a.User == "":
		return fmt.Errorf("%s-password-file needs %s-user", a.Flags, a.Flags)
	case a.User != "" && a.TokenFile != "":
		return fmt.Errorf("%s-user and %s-token-file at once: a server takes one", a.Flags, a.Flags)
	case urlUser && (a.User != "" || a.TokenFile != ""):
		return fmt.Errorf("credentials in the URL and in %s-* flags at once; keep one", a.Flags)
	}
	return nil
}

// Set reports whether a credential is configured.
func (a Auth) Set() bool { return a.TokenFile != "" || a.User != "" }

// Apply adds the credentials to req.
func (a Auth) Apply(req *http.Request) error {
	switch {
	case a.TokenFile != "":
		tok, err := ReadSecret(a.TokenFile, a.Flags+"-token-file")
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	case a.User != "":
		pw := ""
		if a.PasswordFile != "" {
			var err error
			if pw, err = ReadSecret(a.PasswordFile, a.Flags+"-password-file"); err != nil {
				return err
			}
		}
		req.SetBasicAuth(a.User, pw)
	}
	return nil
}

// ReadSecret reads a token or password file of one line; errors name the
// flag and the file, never what it holds.
func ReadSecret(path, flag string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %v", flag, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("%s %s: %v", flag, path, err)
	case len(b) > 64<<10:
		return "", fmt.Errorf("%s %s: larger than 64 KiB, not a token", flag, path)
	}
	s := strings.TrimSpace(string(b))
	if s == "" || strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("%s %s: want one line", flag, path)
	}
	return s, nil
}
