package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"

	gomail "github.com/wneessen/go-mail"

	"github.com/portico/portico/models"
)

// smtpTransport hands messages to an SMTP server, a connection per message.
type smtpTransport struct {
	client *gomail.Client
}

// SMTPSettings is what an SMTP URL says, checked.
type SMTPSettings struct {
	Host        string
	Port        int
	ImplicitTLS bool // smtps://: TLS from the first byte
	// PlainAllowed: smtp:// to a loopback host may go without STARTTLS when the server
	// offers none (a local catcher like Mailpit); anywhere else STARTTLS is required.
	PlainAllowed bool
	User         *url.Userinfo
}

// ParseSMTPURL checks an SMTP URL: smtp://[user:pass@]host[:587] with STARTTLS required
// (plain only to a loopback host), or smtps://[user:pass@]host[:465] with implicit TLS.
func ParseSMTPURL(raw string) (*SMTPSettings, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("smtp url: not a URL") // the parser's message would repeat the password
	}
	s := &SMTPSettings{Host: u.Hostname(), User: u.User}
	port := 587
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.ImplicitTLS, port = true, 465
	default:
		return nil, errors.New("smtp url: the scheme must be smtp (STARTTLS) or smtps (implicit TLS)")
	}
	if s.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("smtp url: must be scheme://[user:password@]host[:port], nothing more")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, errors.New("smtp url: bad port")
		}
	}
	s.Port = port
	s.PlainAllowed = !s.ImplicitTLS && isLoopback(s.Host)
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newSMTPTransport(raw string, roots *x509.CertPool) (*smtpTransport, error) {
	s, err := ParseSMTPURL(raw)
	if err != nil {
		return nil, err
	}
	opts := []gomail.Option{
		gomail.WithPort(s.Port),
		gomail.WithTimeout(attemptTimeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12, RootCAs: roots}),
	}
	switch {
	case s.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case s.PlainAllowed:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.User != nil {
		password, _ := s.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.User.Username()), gomail.WithPassword(password))
	}
	client, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	return &smtpTransport{client: client}, nil
}

func (t *smtpTransport) send(ctx context.Context, msg *gomail.Msg, _ *models.ClaimedEmail) (string, error) {
	return "smtp", t.client.DialAndSendWithContext(ctx, msg)
}
