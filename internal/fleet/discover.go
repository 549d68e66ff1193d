// Package fleet watches every replica that a Prometheus server knows: it
// finds the targets of some jobs through Prometheus's HTTP API, says where
// each serves net/http/pprof, and folds the per-target findings of the
// watch into fleet findings, one per leak however many instances hold it.
//
// It reads no goroutines itself: the watch command fetches and classifies
// each target as it does a URL on its command line, and Aggregate renders
// what it found per target as fleet findings.
package fleet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/remote"
)

// DefaultPprofLabel is the target label that, when set (by relabelling),
// says where a target serves net/http/pprof.
const DefaultPprofLabel = "leakhound_pprof"

// Bounds on what Prometheus may send: it is another program's answer, and
// its targets' labels are whatever service discovery found.
const (
	// DefaultMaxBytes bounds the /api/v1/targets answer.
	DefaultMaxBytes = 64 << 20
	// DefaultMaxTargets bounds the targets watched.
	DefaultMaxTargets = 5000
	// maxLabels and maxLabelBytes bound one target's labels.
	maxLabels     = 256
	maxLabelBytes = 4096
)

// Config says which Prometheus to ask, for which targets, and how to reach
// their pprof endpoints.
type Config struct {
	// Prometheus is the server's base URL (http://prometheus:9090); a path
	// prefix, as behind a proxy, is kept. user:password@ in it is basic
	// auth, never printed.
	Prometheus string
	Jobs       []string // targets whose job label is one of these
	Match      string   // or that match this selector: {job="api",env=~"prod|eu"}
	// PprofPort replaces each target's port; 0 keeps the scrape port.
	PprofPort int
	// PprofLabel names the target label that says where pprof is: a port
	// (6060), host:port, or a base URL (http://host:6060/admin), on the
	// target's own host. It wins over PprofPort. "" means
	// DefaultPprofLabel.
	PprofLabel string
	// Authentication to Prometheus, as its users configure it elsewhere.
	BearerTokenFile   string // read at each request, so a rotated token is used
	BasicUser         string
	BasicPasswordFile string
	CAFile            string // PEM roots for an https Prometheus
	// Timeout bounds each request to Prometheus; 0 means 10 s.
	Timeout time.Duration
	// MaxBytes bounds the answer; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxTargets bounds the targets returned; 0 means DefaultMaxTargets.
	MaxTargets int
}

// Target is one instance to watch.
type Target struct {
	Job      string // the job label
	Instance string // the instance label
	URL      string // the base URL of its pprof endpoints
	Health   string // Prometheus's view of its scrapes: up, down or unknown
}

// Discovery asks a Prometheus server for targets.
type Discovery struct {
	cfg     Config
	api     string // the targets endpoint, credentials and all
	shown   string // the same without credentials
	client  *http.Client
	matcher selector
	auth    remote.Auth
}

// New checks cfg and returns a Discovery. It reads the CA file now, and
// the token and password files at each request.
func New(cfg Config) (*Discovery, error) {
	u, err := url.Parse(cfg.Prometheus)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--prometheus %s: not an http(s) URL", remote.Redact(cfg.Prometheus))
	}
	if len(cfg.Jobs) == 0 && cfg.Match == "" {
		return nil, errors.New("--prometheus needs --job NAME or --match SELECTOR to choose targets")
	}
	if cfg.PprofPort < 0 || cfg.PprofPort > 65535 {
		return nil, fmt.Errorf("--pprof-port %d: not a port", cfg.PprofPort)
	}
	if cfg.PprofLabel == "" {
		cfg.PprofLabel = DefaultPprofLabel
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxTargets <= 0 {
		cfg.MaxTargets = DefaultMaxTargets
	}
	auth := remote.Auth{TokenFile: cfg.BearerTokenFile, User: cfg.BasicUser, PasswordFile: cfg.BasicPasswordFile, Flags: "--prometheus"}
	// Its errors name the flags, --prometheus-user and the others.
	if err := auth.Check(u.User != nil); err != nil {
		return nil, err
	}
	d := &Discovery{cfg: cfg, auth: auth}
	if d.matcher, err = parseSelector(cfg.Match); err != nil {
		return nil, fmt.Errorf("--match: %v", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--prometheus-ca-file: %v", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--prometheus-ca-file %s: no PEM certificate in it", cfg.CAFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	// Prometheus's answer is followed within its own origin only: a
	// redirect elsewhere would carry the credentials away.
	d.client = &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > remote.MaxRedirects || req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
			return fmt.Errorf("redirected to %s: leakhound follows Prometheus's redirects only within its scheme, host and port", remote.Redact(req.URL.String()))
		}
		return nil
	}}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v1/targets"
	u.RawQuery = "state=active"
	d.api = u.String()
	d.shown = remote.Redact(d.api)
	return d, nil
}

// Targets asks Prometheus for its active targets and returns those chosen,
// sorted by URL, each URL once. warn says what was left out and why.
func (d *Discovery) Targets(ctx context.Context) (ts []Target, warn []string, err error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.api, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("Prometheus %s: %v", d.shown, err)
	}
	if err := d.auth.Apply(req); err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("no answer within %v", d.cfg.Timeout)
		}
		return nil, nil, fmt.Errorf("Prometheus %s is unreachable: %s", d.shown, remote.Redact(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		hint := ""
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			hint = " (check --prometheus-token-file, --prometheus-user or the URL's credentials)"
		}
		return nil, nil, fmt.Errorf("Prometheus %s: %d %s%s: %s", d.shown, resp.StatusCode, http.StatusText(resp.StatusCode), hint, strconv.Quote(firstLine(msg)))
	}
	c := d.chooser()
	if err := ParseTargets(io.LimitReader(resp.Body, d.cfg.MaxBytes+1), d.cfg.MaxBytes, c.add); err != nil {
		return nil, nil, fmt.Errorf("Prometheus %s: %v", d.shown, err)
	}
	ts, warn = c.done()
	return ts, warn, nil
}

// Active is one active target as Prometheus lists it.
type Active struct {
	Labels    map[string]string `json:"labels"`
	ScrapeURL string            `json:"scrapeUrl"`
	Health    string            `json:"health"`
}

// ParseTargets reads an /api/v1/targets answer of at most max bytes (r
// may hold one more, to tell that it was larger) and hands each active
// target to each as it is read, so that only the targets each keeps are
// held, not the whole answer: a large cluster lists thousands, each with
// dozens of discovered labels. On an error, the targets handed so far are
// not to be used.
func ParseTargets(r io.Reader, max int64, each func(Active)) error {
	cr := &countReader{r: r}
	status, msg, err := parseTargets(json.NewDecoder(cr), each)
	switch {
	case cr.n > max:
		return fmt.Errorf("the targets answer is larger than %d bytes", max)
	case err != nil:
		return fmt.Errorf("the targets answer is not the JSON of /api/v1/targets: %v", err)
	case status != "success":
		return fmt.Errorf("the targets answer says %s: %s", strconv.Quote(firstLine([]byte(status))), strconv.Quote(firstLine([]byte(msg))))
	}
	return nil
}

// parseTargets walks {"status": ..., "error": ..., "data": {"activeTargets":
// [...]}}, in any order, skipping every other field.
func parseTargets(dec *json.Decoder, each func(Active)) (status, msg string, err error) {
	if err := delim(dec, '{'); err != nil {
		return "", "", err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return "", "", err
		}
		switch key {
		case "status":
			err = dec.Decode(&status)
		case "error":
			err = dec.Decode(&msg)
		case "data":
			err = parseData(dec, each)
		default:
			err = skip(dec)
		}
		if err != nil {
			return "", "", err
		}
	}
	return status, msg, delim(dec, '}')
}

func parseData(dec *json.Decoder, each func(Active)) error {
	if err := delim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return err
		}
		if key != "activeTargets" {
			if err := skip(dec); err != nil {
				return err
			}
			continue
		}
		if err := delim(dec, '['); err != nil {
			return err
		}
		for dec.More() {
			var a Active
			if err := dec.Decode(&a); err != nil {
				return err
			}
			each(a)
		}
		if err := delim(dec, ']'); err != nil {
			return err
		}
	}
	return delim(dec, '}')
}

// delim reads the delimiter want.
func delim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %s, found %s", want, clip(fmt.Sprint(t)))
	}
	return nil
}

// skip reads one value, however deep, keeping none of it.
func skip(dec *json.Decoder) error {
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// chooser keeps the targets of the jobs or selector, with their pprof
// URLs, each URL once, at most about twice MaxTargets of them at a time.
type chooser struct {
	d        *Discovery
	out      []Target
	seen     map[string]bool
	over     bool // more targets matched than MaxTargets
	bad      int
	firstBad string
}

func (d *Discovery) chooser() *chooser { return &chooser{d: d, seen: make(map[string]bool)} }

func (c *chooser) add(a Active) {
	if !c.d.wanted(a.Labels) {
		return
	}
	if len(a.Labels) > maxLabels {
		c.bad++
		c.firstBad = cmpOr(c.firstBad, fmt.Sprintf("a target of job %s has %d labels, more than %d", strconv.Quote(clip(a.Labels["job"])), len(a.Labels), maxLabels))
		return
	}
	u, err := c.d.pprofURL(a)
	if err != nil {
		c.bad++
		c.firstBad = cmpOr(c.firstBad, err.Error())
		return
	}
	if c.seen[u] {
		return // two scrape configs of one process: watched once
	}
	c.seen[u] = true
	health := a.Health
	if health != "up" && health != "down" {
		health = "unknown"
	}
	c.out = append(c.out, Target{Job: clip(a.Labels["job"]), Instance: clip(a.Labels["instance"]), URL: u, Health: health})
	if len(c.out) >= 2*c.d.cfg.MaxTargets {
		c.trim()
	}
}

// trim keeps the first MaxTargets targets by URL. The URLs left out are
// forgotten, so a duplicate of one may be counted again: the count only
// says that there were more.
func (c *chooser) trim() {
	slices.SortFunc(c.out, func(a, b Target) int { return strings.Compare(a.URL, b.URL) })
	if len(c.out) <= c.d.cfg.MaxTargets {
		return
	}
	c.over = true
	for _, t := range c.out[c.d.cfg.MaxTargets:] {
		delete(c.seen, t.URL)
	}
	c.out = slices.Clip(c.out[:c.d.cfg.MaxTargets])
}

func (c *chooser) done() ([]Target, []string) {
	var warn []string
	if c.bad > 0 {
		warn = append(warn, fmt.Sprintf("%d matching targets left out, as they name no pprof address leakhound can use; the first: %s", c.bad, c.firstBad))
	}
	c.trim()
	if c.over {
		warn = append(warn, fmt.Sprintf("more than %d targets match; watching the first %d by URL (raise --max-targets)", c.d.cfg.MaxTargets, c.d.cfg.MaxTargets))
	}
	return c.out, warn
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// clip bounds a label value kept for display.
func clip(s string) string {
	if len(s) > 256 {
		return s[:256] + "…"
	}
	return s
}

func (d *Discovery) wanted(labels map[string]string) bool {
	if len(d.cfg.Jobs) > 0 && !slices.Contains(d.cfg.Jobs, labels["job"]) {
		return false
	}
	return d.matcher.matches(labels)
}

// pprofURL is where target a serves pprof: the scrape URL's scheme and
// host, with the port of --pprof-port, or what the pprof label says.
func (d *Discovery) pprofURL(a Active) (string, error) {
	s, err := url.Parse(a.ScrapeURL)
	if err != nil || (s.Scheme != "http" && s.Scheme != "https") || s.Host == "" || len(a.ScrapeURL) > maxLabelBytes {
		return "", fmt.Errorf("scrape URL %s: not an http(s) URL", strconv.Quote(clip(remote.Redact(a.ScrapeURL))))
	}
	host := s.Hostname()
	port := s.Port()
	if d.cfg.PprofPort > 0 {
		port = strconv.Itoa(d.cfg.PprofPort)
	}
	scheme := s.Scheme
	path := ""
	if v, ok := a.Labels[d.cfg.PprofLabel]; ok && v != "" {
		bad := fmt.Errorf("label %s=%s on %s: want a port, host:port or an http(s) URL", d.cfg.PprofLabel, strconv.Quote(clip(remote.Redact(v))), strconv.Quote(clip(remote.Redact(s.Host))))
		if len(v) > maxLabelBytes {
			return "", bad
		}
		switch {
		case strings.Contains(v, "://"):
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
				return "", bad
			}
			scheme, host, port, path = u.Scheme, u.Hostname(), u.Port(), strings.TrimSuffix(u.EscapedPath(), "/")
		case validPort(strings.TrimPrefix(v, ":")):
			port = strings.TrimPrefix(v, ":")
		default:
			h, p, err := net.SplitHostPort(v)
			if err != nil || h == "" || !validPort(p) || strings.ContainsAny(h, "/@?#") {
				return "", bad
			}
			host, port = h, p
		}
	}
	// The label is whatever service discovery found (a pod's annotation,
	// say): it may move the port, but not send leakhound to another
	// machine than the one Prometheus scrapes.
	if !strings.EqualFold(host, s.Hostname()) {
		return "", fmt.Errorf("label %s names host %s, not the target's own %s: leakhound reads pprof only on the host Prometheus scrapes",
			d.cfg.PprofLabel, strconv.Quote(clip(host)), strconv.Quote(clip(s.Hostname())))
	}
	if port != "" && !validPort(port) {
		return "", fmt.Errorf("%s: bad port %s", strconv.Quote(clip(remote.Redact(s.Host))), strconv.Quote(clip(port)))
	}
	hostport := host
	if port != "" {
		hostport = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	return scheme + "://" + hostport + path, nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n <= 65535 && p == strconv.Itoa(n)
}

func firstLine(b []byte) string {
	s := string(b)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120]
	}
	return strings.TrimSpace(s)
}
