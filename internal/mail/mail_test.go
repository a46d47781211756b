package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/internal/mail"
	"github.com/portico/portico/internal/mail/mailtest"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

var dataKeys, _ = models.NewDataKeys([][]byte{bytes.Repeat([]byte{3}, models.DataKeySize)})

// world is a store with a merchant and a customer, and a mailer sending to cfg.
type world struct {
	store    *models.Store
	clock    *testdb.Clock
	mailer   *mail.Mailer
	merchant *models.Merchant
	customer *models.Customer
	// logs needs no lock: the tests work the queue on their own goroutine (work).
	logs *bytes.Buffer
}

var merchants int

func newWorld(t *testing.T, db *models.DB, cfg mail.Config) *world {
	t.Helper()
	clock := testdb.NewClock()
	store := models.NewStore(db, models.WithClock(clock.Now), models.WithDataKeys(dataKeys))
	catalog, err := views.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseURL, _ = url.Parse("https://portal.example")
	if cfg.From == "" {
		cfg.From = "Portal <portal@mail.example>"
	}
	logs := &bytes.Buffer{}
	mailer, err := mail.New(store, catalog, cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	merchants++
	m, err := store.CreateMerchant(ctx, "Acme Cloud", fmt.Sprintf("acme-%d", merchants))
	if err != nil {
		t.Fatal(err)
	}
	support, accent := "help@acme.example", "#ffcc00"
	m, err = store.UpdateMerchantSettings(ctx, m.ID, models.SystemActor, models.MerchantSettings{SupportEmail: &support, AccentColor: &accent})
	if err != nil {
		t.Fatal(err)
	}
	name, email, locale := "Zoë Müller", "zoe@example.com", "de"
	c, err := store.CreateCustomer(ctx, m.ID, models.SystemActor, models.CustomerInput{Name: &name, Email: &email, PreferredLocale: &locale})
	if err != nil {
		t.Fatal(err)
	}
	return &world{store: store, clock: clock, mailer: mailer, merchant: m, customer: c, logs: logs}
}

// send queues a portal link for the customer by email.
func (w *world) send(t *testing.T) (*models.PortalLink, *models.Email) {
	t.Helper()
	link, _, email, err := w.store.SendPortalLink(context.Background(), models.MerchantScope(w.merchant.ID).Customer(w.customer.ID),
		models.SystemActor, models.PortalLinkInput{Section: "invoices"}, "")
	if err != nil {
		t.Fatal(err)
	}
	return link, email
}

// work runs the due messages once, as the Runner would, and returns how many there were.
func (w *world) work(t *testing.T) int {
	t.Helper()
	jobs, err := w.mailer.Claim(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		j.Run(context.Background())
	}
	return len(jobs)
}

func (w *world) emails(t *testing.T) []models.Email {
	t.Helper()
	rows, _, err := w.store.ListEmails(context.Background(), models.MerchantScope(w.merchant.ID).Customer(w.customer.ID), models.EmailFilter{}, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSendOverSTARTTLS(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		smtp := mailtest.Start(t, mailtest.RequireAuth("portico", "s3cret"))
		w := newWorld(t, db, mail.Config{SMTPURL: smtp.URL(), RootCAs: smtp.RootCAs})
		_, email := w.send(t)
		if n := w.work(t); n != 1 {
			t.Fatalf("worked %d messages, want 1", n)
		}
		got := smtp.Wait(t, 1)[0]
		if !got.TLS {
			t.Error("the message did not come over TLS")
		}
		if got.From != "portal@mail.example" || len(got.To) != 1 || got.To[0] != "zoe@example.com" {
			t.Errorf("envelope from %q to %v", got.From, got.To)
		}
		p := got.Read(t)
		for header, want := range map[string]string{
			"Message-Id":     "<" + email.ID + "@mail.example>",
			"Auto-Submitted": "auto-generated",
			"Reply-To":       "<help@acme.example>",
			"To":             "<zoe@example.com>",
		} {
			if h := p.Header.Get(header); h != want {
				t.Errorf("%s = %q, want %q", header, h, want)
			}
		}
		if from, _ := p.Header.AddressList("From"); len(from) != 1 || from[0].Name != "Acme Cloud" || from[0].Address != "portal@mail.example" {
			t.Errorf("From = %v, want Acme Cloud <portal@mail.example>", from)
		}
		if date, err := p.Header.Date(); err != nil || date.Sub(email.CreatedAt).Abs() > time.Second {
			t.Errorf("Date = %v (%v), want the time it was queued, %v", date, err, email.CreatedAt)
		}
		if p.Subject != "Ihr Link zum Kundenportal von Acme Cloud" {
			t.Errorf("subject = %q, want the German one (the customer's language)", p.Subject)
		}
		link := p.Link(t)
		if !strings.HasPrefix(link, "https://portal.example/p/") {
			t.Errorf("link %s is not built from the base URL", link)
		}
		for _, want := range []string{"Guten Tag Zoë Müller,", "24 Stunden gültig"} {
			if !strings.Contains(p.Text, want) || !strings.Contains(p.HTML, want) {
				t.Errorf("the message lacks %q in both parts", want)
			}
		}
		// The accent is yellow: the button's text is black to stay readable.
		if !strings.Contains(p.HTML, "background-color:#ffcc00;color:#000000") {
			t.Errorf("the button does not carry the merchant's accent with readable text")
		}
		for _, banned := range []string{"<style", "<link", "<script", "@font-face", "<img"} {
			if strings.Contains(p.HTML, banned) {
				t.Errorf("the HTML part holds %s", banned)
			}
		}
		e := w.emails(t)[0]
		if e.State != models.JobDelivered || e.Attempts != 1 {
			t.Errorf("email after sending: state %s, attempts %d", e.State, e.Attempts)
		}
		if strings.Contains(w.logs.String(), "zoe@example.com") || !strings.Contains(w.logs.String(), "z•••@e•••.com") {
			t.Errorf("the log must name the recipient masked only:\n%s", w.logs.String())
		}
	})
}

func TestRetryArrivesOnceLater(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		smtp := mailtest.Start(t, mailtest.RefuseFirst(2))
		w := newWorld(t, db, mail.Config{SMTPURL: smtp.URL(), RootCAs: smtp.RootCAs})
		_, email := w.send(t)
		w.work(t)
		e := w.emails(t)[0]
		if e.State != models.JobPending || e.Attempts != 1 || !strings.Contains(e.LastError, "451") {
			t.Fatalf("after a refusal: state %s, attempts %d, last error %q", e.State, e.Attempts, e.LastError)
		}
		if n := w.work(t); n != 0 {
			t.Fatalf("a refused message was tried again at once (%d)", n)
		}
		w.clock.Advance(models.RetryDelay(1))
		w.work(t)
		w.clock.Advance(models.RetryDelay(2))
		w.work(t)
		got := smtp.Wait(t, 1)
		if len(got) != 1 || smtp.Attempts() != 3 {
			t.Fatalf("%d messages from %d attempts, want 1 from 3", len(got), smtp.Attempts())
		}
		if id := got[0].Parsed(t).Header.Get("Message-Id"); id != "<"+email.ID+"@mail.example>" {
			t.Errorf("Message-ID %s is not the message's stable one", id)
		}
		if e := w.emails(t)[0]; e.State != models.JobDelivered || e.Attempts != 3 || e.LastError != "" {
			t.Errorf("after delivery: state %s, attempts %d, last error %q", e.State, e.Attempts, e.LastError)
		}
		w.clock.Advance(time.Hour)
		if n := w.work(t); n != 0 || len(smtp.Messages()) != 1 {
			t.Errorf("a delivered message was sent again")
		}
	})
}

func TestUnknownMailboxFailsAtOnce(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.UnknownMailbox("zoe@example.com"))
	w := newWorld(t, testdb.SQLite(t), mail.Config{SMTPURL: smtp.URL(), RootCAs: smtp.RootCAs})
	w.send(t)
	w.work(t)
	e := w.emails(t)[0]
	if e.State != models.JobFailed || e.Attempts != 1 || !strings.Contains(e.LastError, "550") {
		t.Errorf("refused for good: state %s, attempts %d, last error %q", e.State, e.Attempts, e.LastError)
	}
	if logs := w.logs.String(); strings.Contains(logs, "zoe@example.com") || !strings.Contains(logs, "email gave up") {
		t.Errorf("the log must say it gave up, with the address masked:\n%s", logs)
	}
}

func TestUntrustedCertificateIsRefused(t *testing.T) {
	smtp := mailtest.Start(t)
	w := newWorld(t, testdb.SQLite(t), mail.Config{SMTPURL: smtp.URL()}) // the system's roots
	w.send(t)
	w.work(t)
	if e := w.emails(t)[0]; e.State != models.JobPending || !strings.Contains(e.LastError, "certificate") || len(smtp.Messages()) != 0 {
		t.Errorf("STARTTLS to a server with an untrusted certificate: state %s, error %q, %d delivered", e.State, e.LastError, len(smtp.Messages()))
	}
}

func TestWithoutSMTPMessagesAreFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	w := newWorld(t, testdb.SQLite(t), mail.Config{Dir: dir})
	_, email := w.send(t)
	w.work(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 || !strings.HasSuffix(files[0], "-"+email.ID+".eml") {
		t.Fatalf("files = %v", files)
	}
	raw, _ := os.ReadFile(files[0])
	p := mailtest.Message{Data: raw}.Read(t)
	p.Link(t)
	lines := strings.Split(strings.TrimSpace(w.logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "z•••@e•••.com") || !strings.Contains(lines[0], files[0]) || strings.Contains(lines[0], "zoe@") {
		t.Errorf("want one log line naming the file and the masked recipient:\n%s", w.logs.String())
	}
}

func TestParseSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		url      string
		ok       bool
		port     int
		implicit bool
		plain    bool
	}{
		{"smtp://user:pass@mail.example:587", true, 587, false, false},
		{"smtp://mail.example", true, 587, false, false},
		{"smtps://user:pass@mail.example", true, 465, true, false},
		{"smtp://localhost:1025", true, 1025, false, true},
		{"smtp://127.0.0.1:1025", true, 1025, false, true},
		{"smtp://[::1]:1025", true, 1025, false, true},
		{"smtps://localhost:465", true, 465, true, false},
		{"http://mail.example", false, 0, false, false},
		{"smtp://", false, 0, false, false},
		{"smtp://mail.example:0", false, 0, false, false},
		{"smtp://mail.example/path", false, 0, false, false},
		{"smtp://mail.example?tls=off", false, 0, false, false},
	} {
		s, err := mail.ParseSMTPURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.url, err, tc.ok)
			continue
		}
		if err == nil && (s.Port != tc.port || s.ImplicitTLS != tc.implicit || s.PlainAllowed != tc.plain) {
			t.Errorf("%s: %+v", tc.url, s)
		}
	}
	if _, err := mail.ParseSMTPURL("smtp://user:hunter2@bad host"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a bad URL's error must not repeat its password: %v", err)
	}
}
