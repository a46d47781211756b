// Package mailtest is for tests only: a real SMTP server in the test process
// (emersion/go-smtp) that offers STARTTLS with a certificate made for the test, keeps
// every message it accepts, and can refuse the first attempts or ask for a password.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte // as received: headers and body
	TLS  bool   // it came over a TLS connection
}

// Parsed reads the message's headers and body.
func (m Message) Parsed(t testing.TB) *mail.Message {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, m.Data)
	}
	return msg
}

// Server is an SMTP server on a loopback port.
type Server struct {
	// Addr is host:port.
	Addr string
	// RootCAs trusts the server's certificate.
	RootCAs *x509.CertPool

	mu       sync.Mutex
	messages []Message
	refuse   int // attempts still to refuse with a temporary error
	attempts int
	user     string
	password string
	unknown  string // a recipient refused for good: 550 no such mailbox
	arrived  chan struct{}
}

// Option changes a Server.
type Option func(*Server)

// RefuseFirst makes the server answer the first n messages' data with 451 (try later).
func RefuseFirst(n int) Option { return func(s *Server) { s.refuse = n } }

// UnknownMailbox makes the server refuse a recipient for good, as for a mailbox that does
// not exist (550).
func UnknownMailbox(address string) Option { return func(s *Server) { s.unknown = address } }

// RequireAuth makes the server ask for a user and password (AUTH PLAIN, over TLS only).
func RequireAuth(user, password string) Option {
	return func(s *Server) { s.user, s.password = user, password }
}

// Start serves SMTP on 127.0.0.1 until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cert, roots := certificate(t)
	s := &Server{RootCAs: roots, arrived: make(chan struct{}, 1000)}
	for _, opt := range opts {
		opt(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 1 << 20
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the server's smtp:// URL (STARTTLS), with the credentials when it asks for them.
func (s *Server) URL() string {
	if s.user != "" {
		return fmt.Sprintf("smtp://%s:%s@%s", s.user, s.password, s.Addr)
	}
	return "smtp://" + s.Addr
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Attempts is how many messages' data the server was sent, refused ones included.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// Wait waits until the server has accepted n messages in all, and returns them.
func (s *Server) Wait(t testing.TB, n int) []Message {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if got := s.Messages(); len(got) >= n {
			return got
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("the SMTP server has %d messages after 10 s, want %d", len(s.Messages()), n)
		}
	}
}

// NewSession starts an SMTP session; it makes Server a go-smtp Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{server: s, conn: c}, nil
}

type session struct {
	server *Server
	conn   *smtp.Conn
	from   string
	to     []string
	authed bool
}

func (ss *session) AuthMechanisms() []string {
	if ss.server.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != ss.server.user || password != ss.server.password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.server.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == ss.server.unknown {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: no such mailbox"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.server
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if s.refuse > 0 {
		s.refuse--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	_, isTLS := ss.conn.TLSConnectionState()
	s.messages = append(s.messages, Message{From: ss.from, To: ss.to, Data: data, TLS: isTLS})
	s.arrived <- struct{}{}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and localhost, and a pool
// that trusts it.
func certificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

// Parts is a received message as a mail program reads it: its headers, the decoded
// subject, and the text of its plain and HTML alternatives.
type Parts struct {
	Header  mail.Header
	Subject string
	Text    string
	HTML    string
}

// Read decodes a message, failing the test unless it is multipart/alternative with a
// text/plain and a text/html part, both UTF-8.
func (m Message) Read(t testing.TB) Parts {
	t.Helper()
	msg := m.Parsed(t)
	p := Parts{Header: msg.Header}
	var err error
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject %q: %v", msg.Header.Get("Subject"), err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", msg.Header.Get("Content-Type"))
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := parts.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(part)
		partType, partParams, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if !strings.EqualFold(partParams["charset"], "utf-8") {
			t.Errorf("%s part has charset %q, want UTF-8", partType, partParams["charset"])
		}
		switch partType {
		case "text/plain":
			p.Text = string(body)
		case "text/html":
			p.HTML = string(body)
		default:
			t.Errorf("unexpected part %s", partType)
		}
	}
	if p.Text == "" || p.HTML == "" {
		t.Fatalf("want a text/plain and a text/html part; text %d bytes, html %d bytes", len(p.Text), len(p.HTML))
	}
	return p
}

var linkPattern = regexp.MustCompile(`https?://[^\s"<>]+/p/[A-Za-z0-9_-]{43}`)

// Link is the portal link a message's text carries, as the reader would click it.
func (p Parts) Link(t testing.TB) string {
	t.Helper()
	link := linkPattern.FindString(p.Text)
	if link == "" {
		t.Fatalf("no portal link in the message:\n%s", p.Text)
	}
	if !strings.Contains(p.HTML, `href="`+link+`"`) {
		t.Errorf("the HTML part does not link %s", link)
	}
	return link
}
