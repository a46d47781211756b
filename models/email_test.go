package models_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

func TestMaskEmail(t *testing.T) {
	for address, want := range map[string]string{
		"zoe@example.com":          "z•••@e•••.com",
		"Zoë.Müller@mail.acme.de":  "Z•••@m•••.de",
		"a@example.co.uk":          "a•••@e•••.co.uk",
		"root@localhost":           "r•••@l•••",
		"not an address":           "•••",
		"ümlaut@bücher.example.nl": "ü•••@b•••.nl",
	} {
		if got := models.MaskEmail(address); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", address, got, want)
		}
	}
}

// mailStore is a Store with data keys and a clock the test moves.
func mailStore(t *testing.T, db *models.DB) (*models.Store, *testdb.Clock) {
	t.Helper()
	clock := testdb.NewClock()
	keys, err := models.NewDataKeys([][]byte{bytes.Repeat([]byte{5}, models.DataKeySize)})
	if err != nil {
		t.Fatal(err)
	}
	return models.NewStore(db, models.WithClock(clock.Now), models.WithDataKeys(keys)), clock
}

func TestALinkByEmailIsSealedAndDroppedOnceSent(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s, _ := mailStore(t, db)
		ctx := context.Background()
		tn := newTenant(t, s, "Sealed")
		sc := models.MerchantScope(tn.merchant).Customer(tn.customer)
		_, token, email, err := s.SendPortalLink(ctx, sc, actor, models.PortalLinkInput{}, "")
		if err != nil {
			t.Fatal(err)
		}
		stored := func() []byte {
			var b []byte
			if err := db.Writer().Raw("SELECT link_token FROM emails WHERE id = ?", email.ID).Row().Scan(&b); err != nil {
				t.Fatal(err)
			}
			return b
		}
		if sealed := stored(); len(sealed) == 0 || bytes.Contains(sealed, []byte(token)) {
			t.Fatalf("the token is kept in the clear, or not at all: %q", sealed)
		}
		claimed, err := s.ClaimEmails(ctx, 10)
		if err != nil || len(claimed) != 1 || claimed[0].Token != token || claimed[0].Recipient != "zoe@example.com" {
			t.Fatalf("claimed %+v, %v", claimed, err)
		}
		if err := s.RecordEmailAttempt(ctx, &claimed[0], models.AttemptResult{}, false); err != nil {
			t.Fatal(err)
		}
		if sealed := stored(); sealed != nil {
			t.Errorf("the token outlived sending: %q", sealed)
		}

		// A message refused for good drops it too, at once.
		_, _, email, _ = s.SendPortalLink(ctx, sc, actor, models.PortalLinkInput{}, "")
		claimed, _ = s.ClaimEmails(ctx, 10)
		if err := s.RecordEmailAttempt(ctx, &claimed[0], models.AttemptResult{Err: errors.New("550 no such mailbox")}, true); err != nil {
			t.Fatal(err)
		}
		if sealed := stored(); sealed != nil || claimed[0].State != models.JobFailed {
			t.Errorf("refused for good: state %s, token kept %v", claimed[0].State, sealed != nil)
		}
	})
}

func TestLinkByEmailGoesOnlyToTheCustomersAddresses(t *testing.T) {
	s, _ := mailStore(t, testdb.SQLite(t))
	ctx := context.Background()
	tn := newTenant(t, s, "Addresses")
	sc := models.MerchantScope(tn.merchant).Customer(tn.customer)
	if _, err := s.CreateContact(ctx, sc, actor, models.ContactInput{Name: ptr("Ada"), Email: ptr("Ada@Example.com")}); err != nil {
		t.Fatal(err)
	}
	for to, want := range map[string]string{"": "zoe@example.com", "ZOE@example.com": "zoe@example.com", "ada@example.com": "Ada@Example.com"} {
		_, _, email, err := s.SendPortalLink(ctx, sc, actor, models.PortalLinkInput{}, to)
		if err != nil || email.Recipient != want {
			t.Errorf("email_to %q: %v, %v", to, email, err)
		}
	}
	other := newTenant(t, s, "Elsewhere")
	for _, to := range []string{"mallory@evil.example", "zoe@example.com.evil.example"} {
		var invalid *models.ValidationError
		if _, _, _, err := s.SendPortalLink(ctx, sc, actor, models.PortalLinkInput{}, to); !errors.As(err, &invalid) {
			t.Errorf("email_to %q: %v, want a validation error", to, err)
		}
	}
	// Another merchant's customer is not found, whatever address is given.
	if _, _, _, err := s.SendPortalLink(ctx, models.MerchantScope(tn.merchant).Customer(other.customer), actor, models.PortalLinkInput{}, ""); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("another merchant's customer: %v", err)
	}
}

func TestRenewal(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s, clock := mailStore(t, db)
		ctx := context.Background()
		tn := newTenant(t, s, "Renewals")
		sc := models.MerchantScope(tn.merchant).Customer(tn.customer)
		mint := func(in models.PortalLinkInput) *models.PortalLink {
			link, _, err := s.MintPortalLink(ctx, sc, actor, in)
			if err != nil {
				t.Fatal(err)
			}
			return link
		}
		live := mint(models.PortalLinkInput{ExpiresIn: time.Hour})
		if err := s.CanRenew(ctx, live); !errors.Is(err, models.ErrNotRenewable) {
			t.Errorf("a link that works: %v", err)
		}
		week := mint(models.PortalLinkInput{ExpiresIn: 7 * 24 * time.Hour, Section: "payments", Locale: "nl", IdleTimeout: 5 * time.Minute,
			FrameAncestors: []string{"https://shop.example"}, ReturnURL: "https://shop.example/account"})
		revoked := mint(models.PortalLinkInput{ExpiresIn: time.Hour})
		if _, err := s.RevokePortalLink(ctx, sc, actor, revoked.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(8 * 24 * time.Hour)
		if err := s.CanRenew(ctx, revoked); !errors.Is(err, models.ErrNotRenewable) {
			t.Errorf("a revoked link: %v", err)
		}
		if _, err := s.RenewPortalLink(ctx, revoked.ID, "en", "", ""); !errors.Is(err, models.ErrNotRenewable) {
			t.Errorf("renewing a revoked link: %v", err)
		}
		if err := s.CanRenew(ctx, week); err != nil {
			t.Fatalf("an expired link: %v", err)
		}
		r, err := s.RenewPortalLink(ctx, week.ID, "de", "192.0.2.7", "test")
		if err != nil {
			t.Fatal(err)
		}
		links, _, _ := s.ListPortalLinks(ctx, sc, models.Page{})
		renewed := links[0]
		if renewed.RenewedFrom != week.ID || renewed.ExpiresAt.Sub(renewed.CreatedAt) != models.MaxRenewedLinkLifetime ||
			renewed.Section != "payments" || renewed.Locale != "nl" || renewed.IdleTimeout != 300 ||
			renewed.FrameAncestors != "https://shop.example" || renewed.ReturnURL != "https://shop.example/account" {
			t.Errorf("renewed link %+v: want the original's options, at most 24 hours", renewed)
		}
		if r.Email.Recipient != "zoe@example.com" || r.Email.Locale != "nl" || r.Email.Kind != models.EmailRenewal {
			t.Errorf("renewal email %+v", r.Email)
		}
		clock.Advance(models.RenewalWindow)
		if err := s.CanRenew(ctx, week); !errors.Is(err, models.ErrNotRenewable) {
			t.Errorf("30 days after expiry: %v", err)
		}
	})
}

// TestRenewalLimitsHoldUnderConcurrency asks for many renewals of one link at once: the
// customer's row lock makes the count exact, on both engines.
func TestRenewalLimitsHoldUnderConcurrency(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s, clock := mailStore(t, db)
		ctx := context.Background()
		tn := newTenant(t, s, "Limits")
		link, _, err := s.MintPortalLink(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), actor, models.PortalLinkInput{ExpiresIn: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)
		var wg sync.WaitGroup
		results := make(chan error, 12)
		for range 12 {
			wg.Go(func() {
				_, err := s.RenewPortalLink(ctx, link.ID, "en", "", "")
				results <- err
			})
		}
		wg.Wait()
		close(results)
		var ok, limited int
		for err := range results {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, models.ErrMailLimited):
				limited++
			default:
				t.Errorf("renewal: %v", err)
			}
		}
		if ok != models.RenewalsPerLink || limited != 12-models.RenewalsPerLink {
			t.Errorf("%d renewed, %d limited; want %d renewed", ok, limited, models.RenewalsPerLink)
		}
	})
}

func TestSignInRequests(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s, _ := mailStore(t, db)
		ctx := context.Background()
		tn := newTenant(t, s, "Sign In")
		request := func(address string) int {
			t.Helper()
			n, err := s.RequestSignIn(ctx, tn.merchant, address, "fr", "", "")
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := request("zoe@example.com"); n != 0 {
			t.Errorf("merchant without sign-in by email: %d sent", n)
		}
		if _, err := s.SignInMerchant(ctx, "sign-in"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("its sign-in page: %v", err)
		}
		if _, err := s.UpdateMerchantSettings(ctx, tn.merchant, actor, models.MerchantSettings{EmailLogin: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignInMerchant(ctx, "sign-in"); err != nil {
			t.Errorf("sign-in page: %v", err)
		}
		if n := request("nobody@example.com"); n != 0 {
			t.Errorf("unknown address: %d sent", n)
		}
		if n := request("ZOE@EXAMPLE.COM"); n != 1 {
			t.Errorf("known address in capitals: %d sent, want 1", n)
		}
		for range models.SignInsPerCustomer - 1 {
			request("zoe@example.com")
		}
		if n := request("zoe@example.com"); n != 0 {
			t.Errorf("past the limit per customer: %d sent", n)
		}
		emails, _, _ := s.ListEmails(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), models.EmailFilter{}, models.Page{})
		if len(emails) != models.SignInsPerCustomer || emails[0].Kind != models.EmailSignIn || emails[0].Locale != "fr" {
			t.Errorf("%d sign-in emails; first %+v", len(emails), emails[0])
		}
		links, _, _ := s.ListPortalLinks(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), models.Page{})
		if l := links[0]; l.ExpiresAt.Sub(l.CreatedAt) != models.SignInLinkLifetime || l.Framable() {
			t.Errorf("a sign-in link: %v, framable %v; want 1 hour and not framable", l.ExpiresAt.Sub(l.CreatedAt), l.Framable())
		}
	})
}

func TestNoticesFollowThePortalAndThePolicy(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s, clock := mailStore(t, db)
		ctx := context.Background()
		tn := newTenant(t, s, "Notices")
		sc := models.MerchantScope(tn.merchant).Customer(tn.customer)
		customer := models.Actor{Type: models.ActorPortalLink, ID: "pl_x"}
		kinds := func() []string {
			emails, _, err := s.ListEmails(ctx, sc, models.EmailFilter{}, models.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range emails {
				out = append(out, fmt.Sprintf("%s>%s", e.Kind, e.Recipient))
			}
			return out
		}
		// The merchant's own changes send nothing.
		s.UpdateCustomer(ctx, tn.merchant, actor, tn.customer, models.CustomerInput{Email: ptr("zoe@example.org")})
		s.SetPaymentDetails(ctx, sc, actor, models.PaymentDetailsInput{Method: models.MethodCard, CardBrand: "visa", CardLast4: "4242", CardExpMonth: 1, CardExpYear: 2030})
		if got := kinds(); len(got) != 0 {
			t.Errorf("API changes sent %v", got)
		}
		// The customer's do, the email change to the old address. The clock moves between
		// changes: the list is newest first, and messages of one instant have no order.
		s.UpdateCustomer(ctx, tn.merchant, customer, tn.customer, models.CustomerInput{Email: ptr("ZOE@example.org")}) // same address
		s.UpdateCustomer(ctx, tn.merchant, customer, tn.customer, models.CustomerInput{Email: ptr("zoe@example.net")})
		clock.Advance(time.Second)
		s.SetPaymentDetails(ctx, sc, customer, models.PaymentDetailsInput{Method: models.MethodSEPADebit, AccountHolder: "Zoë", IBAN: "DE89370400440532013000"})
		clock.Advance(time.Second)
		sub, err := s.CreateSubscription(ctx, tn.merchant, actor, subscriptionInput(tn.customer))
		if err != nil {
			t.Fatal(err)
		}
		portal := models.CustomerScope(tn.merchant, tn.customer)
		if _, err := s.CancelSubscription(ctx, portal, customer, sub.ID, models.Cancellation{AtPeriodEnd: true}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		if _, err := s.ResumeSubscription(ctx, portal, customer, sub.ID); err != nil {
			t.Fatal(err)
		}
		want := []string{"cancellation_undone>zoe@example.net", "cancellation_scheduled>zoe@example.net",
			"payment_details_changed>zoe@example.net", "email_changed>ZOE@example.org"}
		if got := kinds(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("notices %v, want %v", got, want)
		}
		// Switched off, they stay quiet.
		off := false
		s.UpdateMerchantSettings(ctx, tn.merchant, actor, models.MerchantSettings{NotifyCancellation: &off, NotifyEmailChange: &off, NotifyPaymentDetailsChange: &off})
		s.UpdateCustomer(ctx, tn.merchant, customer, tn.customer, models.CustomerInput{Email: ptr("zoe@example.com")})
		s.SetPaymentDetails(ctx, sc, customer, models.PaymentDetailsInput{Method: models.MethodSEPADebit, AccountHolder: "Zoë", IBAN: "NL91ABNA0417164300"})
		s.CancelSubscription(ctx, portal, customer, sub.ID, models.Cancellation{})
		if got := kinds(); len(got) != len(want) {
			t.Errorf("switched off, still sent %v", got[:len(got)-len(want)])
		}
	})
}
