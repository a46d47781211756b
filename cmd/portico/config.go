package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/mail"
	"github.com/portico/portico/models"
)

// config is every setting of a Portico process, read once from the environment and flags
// (flags win) and validated before anything starts.
type config struct {
	Addr            string
	BaseURL         *url.URL
	Database        string
	SessionKeys     [][]byte
	sessionKeysSet  bool
	LogLevel        slog.Level
	LogFormat       string
	TrustedProxies  []netip.Prefix
	APIRate         float64 // requests per second per API key
	APIBurst        int
	LinkRate        int // link openings per minute per client IP
	ShutdownTimeout time.Duration

	// DataKeys encrypt secrets at rest. In development, when none is configured, a
	// temporary one is generated (dataKeysGenerated) and serve warns about it.
	DataKeys          *models.DataKeys
	dataKeysGenerated bool

	// AllowPrivateWebhooks lets webhooks go to loopback and private addresses, over http
	// too: for development and tests only, so refused with an https base URL.
	AllowPrivateWebhooks bool
	MetricsAddr          string // empty: no metrics listener
	MaxInFlight          int    // requests served at once; more are refused with 503
	RequestTimeout       time.Duration

	// Mail goes to SMTPURL, or without one into MailDir as .eml files, from MailFrom.
	SMTPURL  string
	MailFrom string
	MailDir  string
	// StripeAPIURL is Stripe's API address: empty for Stripe's own, a stripe-mock's in tests.
	StripeAPIURL string
}

// settings describes each setting once: its flag, its environment variable, its default
// and its help, so the flag set, the environment and the README table agree.
var settings = []struct {
	flag, env, def, help string
}{
	{"addr", "PORTICO_ADDR", ":8080", "address to listen on"},
	{"base-url", "PORTICO_BASE_URL", "http://localhost:8080", "public URL of Portico; portal links are built from it"},
	{"database", "PORTICO_DATABASE", "portico.db", "SQLite file path (or sqlite://path), or a postgres:// URL"},
	{"session-keys", "PORTICO_SESSION_KEYS", "", "comma-separated base64 secrets (32+ bytes each); the first signs new cookies, the rest are still accepted"},
	{"data-keys", "PORTICO_DATA_KEYS", "", "comma-separated base64 keys of 32 bytes; the first encrypts secrets at rest, all decrypt (rotation)"},
	{"log-level", "PORTICO_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "PORTICO_LOG_FORMAT", "text", "text or json"},
	{"trusted-proxies", "PORTICO_TRUSTED_PROXIES", "", "comma-separated CIDRs whose X-Forwarded-For is believed"},
	{"api-rate", "PORTICO_API_RATE", "100", "API requests per second per key"},
	{"api-burst", "PORTICO_API_BURST", "200", "API burst per key"},
	{"link-rate", "PORTICO_LINK_RATE", "30", "portal link openings per minute per client IP"},
	{"shutdown-timeout", "PORTICO_SHUTDOWN_TIMEOUT", "30s", "how long shutdown waits for in-flight requests"},
	{"allow-private-webhooks", "PORTICO_ALLOW_PRIVATE_WEBHOOKS", "false", "let webhooks go to loopback and private addresses, over http too (development only; refused with an https base URL)"},
	{"metrics-addr", "PORTICO_METRICS_ADDR", "127.0.0.1:9464", "address of the Prometheus /metrics listener, never the public one; off disables it"},
	{"max-in-flight", "PORTICO_MAX_IN_FLIGHT", strconv.Itoa(handlers.DefaultMaxInFlight), "requests served at once; more are refused at once with 503 and Retry-After"},
	{"request-timeout", "PORTICO_REQUEST_TIMEOUT", handlers.DefaultRequestTimeout.String(), "deadline of one portal page or API call; past it the request gets 503"},
	{"smtp-url", "PORTICO_SMTP_URL", "", "SMTP server for mail: smtp://user:pass@host:587 (STARTTLS required; plain only to a loopback host) or smtps://user:pass@host:465; unset: mail is written as .eml files into the mail directory"},
	{"mail-from", "PORTICO_MAIL_FROM", "", `Portico's sender address, "Portal <portal@example.com>"; mail shows the merchant's name with it. Required with an SMTP URL`},
	{"mail-dir", "PORTICO_MAIL_DIR", "mail", "where mail is written as .eml files when there is no SMTP URL"},
	{"stripe-api-url", "PORTICO_STRIPE_API_URL", "", "Stripe's API address; empty for Stripe's own (for tests: a stripe-mock's, such as http://127.0.0.1:12111)"},
}

// addConfigFlags registers every setting on fs, defaulting to the environment's value. A
// setting whose default is "false" is a switch: --flag alone turns it on.
func addConfigFlags(fs *flag.FlagSet, getenv func(string) string) map[string]*string {
	values := make(map[string]*string, len(settings))
	for _, s := range settings {
		value := s.def
		if v := getenv(s.env); v != "" {
			value = v
		}
		values[s.flag] = &value
		if s.def == "false" {
			fs.Var((*switchValue)(&value), s.flag, s.help+" ("+s.env+")")
		} else {
			fs.StringVar(&value, s.flag, value, s.help+" ("+s.env+")")
		}
	}
	return values
}

// switchValue is a setting given as a bare flag (--x), or with a value (--x=false).
type switchValue string

func (v *switchValue) String() string     { return string(*v) }
func (v *switchValue) Set(s string) error { *v = switchValue(s); return nil }
func (v *switchValue) IsBoolFlag() bool   { return true }

// parseConfig turns raw setting values into a validated config.
func parseConfig(v map[string]*string) (*config, error) {
	cfg := &config{Addr: *v["addr"], Database: *v["database"], LogFormat: *v["log-format"]}
	var errs []error
	fail := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", name, err)) }

	u, err := url.Parse(strings.TrimSuffix(*v["base-url"], "/"))
	switch {
	case err != nil:
		fail("base-url", err)
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "", u.RawQuery != "", u.Fragment != "":
		fail("base-url", errors.New("must be an absolute http(s) URL without query"))
	default:
		cfg.BaseURL = u
	}
	if cfg.Database == "" {
		fail("database", errors.New("is required"))
	}
	if raw := *v["session-keys"]; raw != "" {
		cfg.sessionKeysSet = true
		for i, k := range strings.Split(raw, ",") {
			key, err := decodeKey(strings.TrimSpace(k))
			if err != nil {
				fail("session-keys", fmt.Errorf("key %d: %w", i+1, err))
			}
			cfg.SessionKeys = append(cfg.SessionKeys, key)
		}
	}
	if raw := *v["data-keys"]; raw != "" {
		if cfg.DataKeys, err = models.ParseDataKeys(raw); err != nil {
			fail("data-keys", err)
		}
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(*v["log-level"])); err != nil {
		fail("log-level", err)
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		fail("log-format", errors.New("must be text or json"))
	}
	for _, p := range strings.Split(*v["trusted-proxies"], ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			fail("trusted-proxies", err)
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, prefix)
	}
	if cfg.APIRate, err = strconv.ParseFloat(*v["api-rate"], 64); err != nil || cfg.APIRate <= 0 {
		fail("api-rate", errors.New("must be a positive number"))
	}
	if cfg.APIBurst, err = strconv.Atoi(*v["api-burst"]); err != nil || cfg.APIBurst < 1 {
		fail("api-burst", errors.New("must be a positive whole number"))
	}
	if cfg.LinkRate, err = strconv.Atoi(*v["link-rate"]); err != nil || cfg.LinkRate < 1 {
		fail("link-rate", errors.New("must be a positive whole number"))
	}
	if cfg.ShutdownTimeout, err = time.ParseDuration(*v["shutdown-timeout"]); err != nil || cfg.ShutdownTimeout <= 0 {
		fail("shutdown-timeout", errors.New("must be a duration like 30s"))
	}
	switch cfg.MetricsAddr = *v["metrics-addr"]; cfg.MetricsAddr {
	case "off", "":
		cfg.MetricsAddr = ""
	default:
		if _, _, err := net.SplitHostPort(cfg.MetricsAddr); err != nil {
			fail("metrics-addr", errors.New("must be host:port, or off"))
		}
	}
	if cfg.MaxInFlight, err = strconv.Atoi(*v["max-in-flight"]); err != nil || cfg.MaxInFlight < 1 {
		fail("max-in-flight", errors.New("must be a positive whole number"))
	}
	if cfg.RequestTimeout, err = time.ParseDuration(*v["request-timeout"]); err != nil || cfg.RequestTimeout <= 0 {
		fail("request-timeout", errors.New("must be a duration like 10s"))
	}
	cfg.SMTPURL, cfg.MailFrom, cfg.MailDir = *v["smtp-url"], *v["mail-from"], *v["mail-dir"]
	if cfg.SMTPURL != "" {
		if _, err := mail.ParseSMTPURL(cfg.SMTPURL); err != nil {
			fail("smtp-url", err)
		}
		if cfg.MailFrom == "" {
			fail("mail-from", errors.New("must be set with an SMTP URL: the address mail comes from, on a domain that lets the server send for it"))
		}
	}
	if cfg.MailFrom == "" && cfg.BaseURL != nil {
		cfg.MailFrom = "Portico <portico@" + cfg.BaseURL.Hostname() + ">" // for .eml files only
	}
	if _, err := mail.ParseFrom(cfg.MailFrom); err != nil {
		fail("mail-from", err)
	}
	if cfg.StripeAPIURL = *v["stripe-api-url"]; cfg.StripeAPIURL != "" {
		if u, err := url.Parse(cfg.StripeAPIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fail("stripe-api-url", errors.New("must be an absolute http(s) URL"))
		}
	}
	production := cfg.BaseURL != nil && cfg.BaseURL.Scheme == "https"
	if cfg.AllowPrivateWebhooks, err = strconv.ParseBool(*v["allow-private-webhooks"]); err != nil {
		fail("allow-private-webhooks", errors.New("must be true or false"))
	}
	if cfg.AllowPrivateWebhooks && production {
		fail("allow-private-webhooks", errors.New("must be off when the base URL is https (production): webhooks would reach Portico's own network"))
	}
	if production && !cfg.sessionKeysSet {
		fail("session-keys", errors.New("must be set when the base URL is https (production)"))
	}
	switch {
	case cfg.DataKeys != nil:
	case production && *v["data-keys"] == "":
		fail("data-keys", errors.New("must be set when the base URL is https (production)"))
	default:
		cfg.DataKeys, cfg.dataKeysGenerated = models.GenerateDataKeys(), true
	}
	return cfg, errors.Join(errs...)
}

// mailDestination says where mail goes, for people: the SMTP server's host (never its
// credentials), or the directory of .eml files.
func (cfg *config) mailDestination() string {
	if s, err := mail.ParseSMTPURL(cfg.SMTPURL); err == nil {
		return "sent through " + s.Host
	}
	dir, err := filepath.Abs(cfg.MailDir)
	if err != nil {
		dir = cfg.MailDir
	}
	return "written as .eml files into " + dir + " (set PORTICO_SMTP_URL to send it)"
}

// decodeKey reads one base64 (standard or URL alphabet, padded or not) secret of 32+ bytes.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) < 32 {
				return nil, errors.New("is shorter than 32 bytes")
			}
			return key, nil
		}
	}
	return nil, errors.New("is not base64")
}

// ensureSessionKey generates a temporary key in development when none is configured, and
// says so loudly: sessions will not survive a restart.
func (cfg *config) ensureSessionKey(log *slog.Logger) {
	if len(cfg.SessionKeys) > 0 {
		return
	}
	key := make([]byte, 32)
	rand.Read(key)
	cfg.SessionKeys = [][]byte{key}
	log.Warn("PORTICO_SESSION_KEYS is not set: using a temporary random key; portal sessions end when Portico restarts",
		"generate_one_with", "openssl rand -base64 32")
}

// warnTemporaryDataKeys says loudly that the data key was generated for this process:
// what it encrypts (stored API responses, IBANs, webhook signing secrets) cannot be read after a
// restart.
func (cfg *config) warnTemporaryDataKeys(log *slog.Logger) {
	if cfg.dataKeysGenerated {
		log.Warn("PORTICO_DATA_KEYS is not set: using a temporary random key; Idempotency-Key replays and IBANs stored now cannot be read after Portico restarts, "+
			"webhook endpoints registered now cannot sign (rotate their secrets), and payment provider credentials are refused",
			"generate_one_with", "openssl rand -base64 32")
	}
}

func (cfg *config) logger(out interface{ Write([]byte) (int, error) }) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel, ReplaceAttr: utcTime}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// utcTime writes log times in UTC, whatever the machine's zone.
func utcTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		a.Value = slog.TimeValue(a.Value.Time().UTC())
	}
	return a
}
