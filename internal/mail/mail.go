// Package mail sends Portico's email: each message the Store queued (a portal link, a
// sign-in link, a renewed link, a notice) written in the customer's language with the
// merchant's branding, and handed to an SMTP server — or, without one, written as an .eml
// file for a developer to open. It is a queue of the outbox Runner, like webhooks: a
// message is retried with backoff, and keeps one Message-ID however often it is tried, so
// a retry after a lost answer is recognised as the same message, not a second one.
package mail

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/portico/portico/internal/outbox"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
	"github.com/prometheus/client_golang/prometheus"
)

// attemptTimeout bounds one attempt: connecting, TLS, authenticating, sending.
const attemptTimeout = 30 * time.Second

// Config is where mail goes and whom it comes from.
type Config struct {
	// SMTPURL is the server: smtp://user:pass@host:587 (STARTTLS required), smtps://…:465
	// (TLS from the start), or smtp://localhost:1025 (plain, for a loopback host only).
	// Empty: messages are written as .eml files into Dir.
	SMTPURL string
	// From is Portico's address, "Portal <portal@example.com>"; the visible sender is the
	// merchant's name with this address.
	From string
	// Dir receives .eml files when there is no SMTP server.
	Dir string
	// BaseURL is what portal links in messages are built from.
	BaseURL *url.URL
	// RootCAs, when set, replaces the system's roots for the SMTP server's certificate
	// (tests trust their own server's).
	RootCAs *x509.CertPool
}

// Mailer is the outbox queue of email.
type Mailer struct {
	store     *models.Store
	catalog   *views.Catalog
	baseURL   *url.URL
	from      *mail.Address
	transport transport
	log       *slog.Logger
	outcomes  *prometheus.CounterVec
}

// transport hands a written message on: to an SMTP server, or into a file.
type transport interface {
	// send delivers msg and says where it went, for the log.
	send(ctx context.Context, msg *gomail.Msg, e *models.ClaimedEmail) (string, error)
}

// New returns the mail queue for cfg; a bad SMTP URL or sender is an error here, at start.
func New(store *models.Store, catalog *views.Catalog, cfg Config, log *slog.Logger) (*Mailer, error) {
	from, err := ParseFrom(cfg.From)
	if err != nil {
		return nil, err
	}
	var t transport
	if cfg.SMTPURL == "" {
		t = &dirTransport{dir: cfg.Dir}
	} else if t, err = newSMTPTransport(cfg.SMTPURL, cfg.RootCAs); err != nil {
		return nil, err
	}
	m := &Mailer{
		store: store, catalog: catalog, baseURL: cfg.BaseURL, from: from, transport: t, log: log,
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portico_emails_total",
			Help: "Email attempts by outcome: sent; retry (failed, tried again later); failed (gave up).",
		}, []string{"outcome"}),
	}
	for _, outcome := range []string{"sent", "retry", "failed"} {
		m.outcomes.WithLabelValues(outcome)
	}
	return m, nil
}

// ParseFrom reads Portico's sender address, with or without a display name.
func ParseFrom(from string) (*mail.Address, error) {
	addr, err := mail.ParseAddress(from)
	if err != nil || !strings.Contains(addr.Address, "@") {
		return nil, fmt.Errorf("mail from %q: not an address like Portal <portal@example.com>", from)
	}
	return addr, nil
}

// Register adds the mailer's metrics to reg.
func (m *Mailer) Register(reg prometheus.Registerer) error { return reg.Register(m.outcomes) }

// Claim takes up to n due messages; it is the outbox.Queue of mail.
func (m *Mailer) Claim(ctx context.Context, n int) ([]outbox.Job, error) {
	claimed, err := m.store.ClaimEmails(ctx, n)
	if err != nil {
		return nil, err
	}
	jobs := make([]outbox.Job, len(claimed))
	for i := range claimed {
		jobs[i] = &message{mailer: m, claimed: &claimed[i]}
	}
	return jobs, nil
}

// message is one claimed email as an outbox job.
type message struct {
	mailer  *Mailer
	claimed *models.ClaimedEmail
}

// Run sends the message once and records how it went. Log lines name the recipient only
// masked.
func (j *message) Run(ctx context.Context) {
	m, c := j.mailer, j.claimed
	via, result, permanent := m.attempt(ctx, c)
	err := m.store.RecordEmailAttempt(ctx, c, result, permanent)
	to := models.MaskEmail(c.Recipient)
	switch {
	case errors.Is(err, models.ErrClaimLapsed):
		m.log.Warn("email attempt outlived its claim; not recorded", "email", c.ID)
		return
	case err != nil:
		m.log.Error("record email attempt", "email", c.ID, "err", err)
		return
	}
	switch c.State {
	case models.JobDelivered:
		m.outcomes.WithLabelValues("sent").Inc()
		m.log.Info("email sent", "email", c.ID, "kind", c.Kind, "to", to, "via", via, "merchant", c.MerchantID)
	case models.JobFailed:
		m.outcomes.WithLabelValues("failed").Inc()
		m.log.Warn("email gave up", "email", c.ID, "kind", c.Kind, "to", to, "merchant", c.MerchantID,
			"attempts", c.Attempts, "err", redact(c.LastError, c.Recipient))
	default:
		m.outcomes.WithLabelValues("retry").Inc()
		m.log.Info("email failed; will retry", "email", c.ID, "kind", c.Kind, "to", to, "attempts", c.Attempts,
			"next_attempt_at", c.NextAttemptAt, "err", redact(c.LastError, c.Recipient))
	}
}

// attempt writes and sends a message once. permanent says no retry can help: a message
// that cannot be written, or that the server refused for good (a 5xx reply, such as an
// unknown mailbox).
func (m *Mailer) attempt(ctx context.Context, c *models.ClaimedEmail) (via string, result models.AttemptResult, permanent bool) {
	if c.Kind.CarriesLink() && c.Token == "" {
		return "", models.AttemptResult{Err: models.ErrLinkTokenUnreadable}, true
	}
	msg, err := m.compose(ctx, c)
	if err != nil {
		return "", models.AttemptResult{Err: err}, true
	}
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	via, err = m.transport.send(ctx, msg, c)
	if err == nil || msg.IsDelivered() {
		// Taken: an error after the server accepted the data (closing the connection) is
		// no reason to send it again.
		return via, models.AttemptResult{}, false
	}
	var refused *gomail.SendError
	permanent = errors.As(err, &refused) && refused.ErrorCode() >= 500
	return via, models.AttemptResult{Err: err}, permanent
}

// compose writes a claimed message: headers, and a multipart/alternative body with a plain
// text and an HTML part, in the message's language.
func (m *Mailer) compose(ctx context.Context, c *models.ClaimedEmail) (*gomail.Msg, error) {
	view := views.EmailMessage{
		Kind: c.Kind, Merchant: c.Sender.Name, LogoURL: c.Sender.LogoURL, AccentColor: c.Sender.AccentColor,
		SupportEmail: c.Sender.SupportEmail, CustomerName: c.CustomerName,
		ValidFor:   time.Duration(c.Details.ValidFor) * time.Second,
		NewAddress: c.Details.NewAddress, Account: c.Details.Account, Plan: c.Details.Plan, EffectiveAt: c.Details.EffectiveAt,
	}
	if c.Kind.CarriesLink() {
		view.LinkURL = m.baseURL.String() + views.EntryURL(c.Token)
	}
	rendered, err := views.RenderEmail(ctx, m.catalog.Translator(c.Locale), view)
	if err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(&mail.Address{Name: c.Sender.Name, Address: m.from.Address})
	if err := msg.To(c.Recipient); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	if c.Sender.SupportEmail != "" {
		if err := msg.ReplyTo(c.Sender.SupportEmail); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	msg.Subject(rendered.Subject)
	msg.SetMessageIDWithValue(m.messageID(c))
	msg.SetDateWithValue(c.CreatedAt)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader("X-Auto-Response-Suppress", "All")
	msg.SetGenHeader("Content-Language", c.Locale)
	msg.SetBodyString(gomail.TypeTextPlain, rendered.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, rendered.HTML)
	return msg, nil
}

// messageID is a message's Message-ID, without the angle brackets: its row's ID at
// Portico's domain, the same on every attempt.
func (m *Mailer) messageID(c *models.ClaimedEmail) string {
	return c.ID + "@" + m.from.Address[strings.LastIndexByte(m.from.Address, '@')+1:]
}

// redact masks an address wherever a server's answer repeats it, for the log.
func redact(text, address string) string {
	if address == "" {
		return text
	}
	if i := strings.Index(strings.ToLower(text), strings.ToLower(address)); i >= 0 {
		return text[:i] + models.MaskEmail(address) + redact(text[i+len(address):], address)
	}
	return text
}
