package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"gorm.io/gorm"
)

// countUpdates counts the UPDATE statements the database's writer runs, per table, from
// now until the test ends.
func countUpdates(t *testing.T, db *models.DB) func(table string) int {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	name := "test:count_updates:" + t.Name()
	err := db.Writer().Callback().Update().After("gorm:update").Register(name, func(tx *gorm.DB) {
		mu.Lock()
		defer mu.Unlock()
		counts[tx.Statement.Table]++
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Writer().Callback().Update().Remove(name) })
	return func(table string) int {
		mu.Lock()
		defer mu.Unlock()
		return counts[table]
	}
}

// TestActivityIsWrittenAtMostOnceAMinute: a portal page view and an API request record that
// they happened (the session's idle clock, the key's last use), but a burst of them costs
// one write a minute, not one each.
func TestActivityIsWrittenAtMostOnceAMinute(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		clock := testdb.NewClock()
		s := models.NewStore(db, models.WithClock(clock.Now))
		tn := newTenant(t, s, "Acme")
		_, token, err := s.MintPortalLink(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), actor, models.PortalLinkInput{ExpiresIn: 48 * time.Hour, IdleTimeout: 12 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		entry, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: token})
		if err != nil || entry.Session == nil {
			t.Fatalf("open link: %+v, %v", entry, err)
		}
		_, secret, err := s.CreateAPIKey(ctx, tn.merchant, "back office")
		if err != nil {
			t.Fatal(err)
		}
		updates := countUpdates(t, db)
		started := entry.Session.LastSeenAt

		for _, step := range []struct {
			after        time.Duration // since the step before
			sessionWrite bool
			keyWrite     bool
		}{
			{0, false, true},                 // the key's first use is recorded at once
			{30 * time.Second, false, false}, // a burst: nothing written
			{29 * time.Second, false, false},
			{2 * time.Second, true, true}, // a minute has passed
			{10 * time.Second, false, false},
			{61 * time.Second, true, true},
		} {
			clock.Advance(step.after)
			sessions, keys := updates("portal_sessions"), updates("api_keys")
			a, err := s.LoadPortalAccess(ctx, entry.Session.ID)
			if err != nil {
				t.Fatal(err)
			}
			key, err := s.AuthenticateAPIKey(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.TouchAPIKey(ctx, tn.merchant, key); err != nil {
				t.Fatal(err)
			}
			if got := updates("portal_sessions") - sessions; got != map[bool]int{true: 1}[step.sessionWrite] {
				t.Errorf("after %s more: %d session writes, want write=%t", step.after, got, step.sessionWrite)
			}
			if got := updates("api_keys") - keys; got != map[bool]int{true: 1}[step.keyWrite] {
				t.Errorf("after %s more: %d key writes, want write=%t", step.after, got, step.keyWrite)
			}
			if step.sessionWrite == a.Session.LastSeenAt.Equal(started) {
				t.Errorf("after %s more: last seen %s (session started %s)", step.after, a.Session.LastSeenAt, started)
			}
			started = a.Session.LastSeenAt
		}
	})
}

// TestOpeningALinkDecidesOnce: whether a link opens a session is the store's conditional
// write against its clock; expired and revoked links open none but still name their merchant.
func TestOpeningALinkDecidesOnce(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		clock := testdb.NewClock()
		s := models.NewStore(db, models.WithClock(clock.Now))
		tn := newTenant(t, s, "Acme")
		sc := models.MerchantScope(tn.merchant).Customer(tn.customer)
		mint := func(in models.PortalLinkInput) (*models.PortalLink, string) {
			t.Helper()
			link, token, err := s.MintPortalLink(ctx, sc, actor, in)
			if err != nil {
				t.Fatal(err)
			}
			return link, token
		}
		_, live := mint(models.PortalLinkInput{})
		_, expiring := mint(models.PortalLinkInput{ExpiresIn: time.Minute})
		revoked, revokedToken := mint(models.PortalLinkInput{})
		if _, err := s.RevokePortalLink(ctx, models.MerchantScope(tn.merchant), actor, revoked.ID); err != nil {
			t.Fatal(err)
		}

		first, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: live})
		if err != nil || first.Session == nil {
			t.Fatalf("live link: %+v, %v", first, err)
		}
		// A second opening in the same browser starts a new session and ends the first.
		second, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: live, PreviousSession: first.Session.ID})
		if err != nil || second.Session == nil || second.Session.ID == first.Session.ID {
			t.Fatalf("second opening: %+v, %v", second, err)
		}
		if _, err := s.LoadPortalAccess(ctx, first.Session.ID); !errors.Is(err, models.ErrSessionOver) {
			t.Errorf("the replaced session: %v, want ErrSessionOver", err)
		}
		if a, err := s.LoadPortalAccess(ctx, second.Session.ID); err != nil || a.Customer.ID != tn.customer {
			t.Errorf("the new session: %+v, %v", a, err)
		}

		clock.Advance(2 * time.Minute)
		for name, token := range map[string]string{"expired": expiring, "revoked": revokedToken} {
			entry, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: token})
			if err != nil || entry.Session != nil || entry.Merchant.ID != tn.merchant {
				t.Errorf("%s link: %+v, %v; want no session and the merchant", name, entry, err)
			}
		}
		for _, token := range []string{"", "short", revokedToken + "x"} {
			if _, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: token}); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("token %q: %v, want ErrNotFound", token, err)
			}
		}
	})
}

// TestSessionsSayWhyTheyEnded: a session over for any reason comes back with its access and
// the reason, so the page that says so can name the merchant and the right words.
func TestSessionsSayWhyTheyEnded(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		clock := testdb.NewClock()
		s := models.NewStore(db, models.WithClock(clock.Now))
		tn := newTenant(t, s, "Acme")
		open := func(in models.PortalLinkInput, previous string) (*models.PortalEntry, *models.PortalLink) {
			t.Helper()
			link, token, err := s.MintPortalLink(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), actor, in)
			if err != nil {
				t.Fatal(err)
			}
			entry, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: token, PreviousSession: previous})
			if err != nil || entry.Session == nil {
				t.Fatalf("open link: %+v, %v", entry, err)
			}
			return entry, link
		}
		over := func(sessionID string, want models.SessionEnd) {
			t.Helper()
			a, err := s.LoadPortalAccess(ctx, sessionID)
			if !errors.Is(err, models.ErrSessionOver) || a == nil || a.Ended != want || a.Merchant.Name != "Acme" {
				t.Errorf("session %s: %+v, %v; want over as %s, with its merchant", sessionID, a, err, want)
			}
		}

		signedOut, _ := open(models.PortalLinkInput{}, "")
		a, _ := s.LoadPortalAccess(ctx, signedOut.Session.ID)
		if err := s.EndPortalSession(ctx, a, actor); err != nil {
			t.Fatal(err)
		}
		over(signedOut.Session.ID, models.SessionSignedOut)

		replaced, _ := open(models.PortalLinkInput{}, "")
		open(models.PortalLinkInput{}, replaced.Session.ID)
		over(replaced.Session.ID, models.SessionReplaced)

		revoked, link := open(models.PortalLinkInput{}, "")
		if _, err := s.RevokePortalLink(ctx, models.MerchantScope(tn.merchant), actor, link.ID); err != nil {
			t.Fatal(err)
		}
		over(revoked.Session.ID, models.SessionRevoked) // ended by the revocation too: revoked says more

		idle, _ := open(models.PortalLinkInput{IdleTimeout: time.Minute}, "")
		expiring, _ := open(models.PortalLinkInput{ExpiresIn: 2 * time.Minute, IdleTimeout: time.Hour}, "")
		clock.Advance(90 * time.Second)
		over(idle.Session.ID, models.SessionIdle)
		clock.Advance(time.Minute)
		over(expiring.Session.ID, models.SessionExpired)
	})
}

// TestOpeningAnotherCustomersLinkWaitsForConfirmation: a browser with a live session of one
// customer opens another customer's link. Without the switch confirmed nothing is written —
// no session, no first use, the live session untouched — and the entry names both
// customers; with it, the live session ends as replaced.
func TestOpeningAnotherCustomersLinkWaitsForConfirmation(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		other, err := s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: ptr("Yusuf"), PreferredLocale: ptr("nl")})
		if err != nil {
			t.Fatal(err)
		}
		mint := func(customer string) (*models.PortalLink, string) {
			link, token, err := s.MintPortalLink(ctx, models.MerchantScope(tn.merchant).Customer(customer), actor, models.PortalLinkInput{})
			if err != nil {
				t.Fatal(err)
			}
			return link, token
		}
		_, mine := mint(tn.customer)
		live, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: mine})
		if err != nil {
			t.Fatal(err)
		}
		theirs, token := mint(other.ID)
		asked, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: token, PreviousSession: live.Session.ID})
		if err != nil || asked.Session != nil || asked.Live == nil || asked.Live.Customer.Name != "Zoë Müller" ||
			asked.Customer.Name != "Yusuf" || asked.Customer.PreferredLocale != "nl" {
			t.Fatalf("unconfirmed: %+v, %v; want no session, the live one and whom the link is for", asked, err)
		}
		if _, err := s.LoadPortalAccess(ctx, live.Session.ID); err != nil {
			t.Errorf("the live session ended without confirmation: %v", err)
		}
		links, _, _ := s.ListPortalLinks(ctx, models.MerchantScope(tn.merchant).Customer(other.ID), models.Page{PerPage: 10})
		if len(links) != 1 || links[0].ID != theirs.ID || links[0].FirstUsedAt != nil {
			t.Errorf("the unconfirmed opening used the link: %+v", links)
		}

		switched, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: token, PreviousSession: live.Session.ID, Switch: true})
		if err != nil || switched.Session == nil || switched.Live != nil {
			t.Fatalf("confirmed: %+v, %v", switched, err)
		}
		if a, err := s.LoadPortalAccess(ctx, live.Session.ID); !errors.Is(err, models.ErrSessionOver) || a.Ended != models.SessionReplaced {
			t.Errorf("after the switch the old session: %v, want replaced", err)
		}
		// Its own customer's link is not a switch: no question.
		_, again := mint(other.ID)
		if entry, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: again, PreviousSession: switched.Session.ID}); err != nil || entry.Session == nil {
			t.Errorf("the same customer's link: %+v, %v", entry, err)
		}
	})
}

// TestFlashShowsOnce: a message kept for the session's next page is taken once, and a
// session without one costs no write.
func TestFlashShowsOnce(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		_, token, err := s.MintPortalLink(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), actor, models.PortalLinkInput{})
		if err != nil {
			t.Fatal(err)
		}
		entry, _ := s.OpenPortalLink(ctx, models.LinkOpening{Token: token})
		load := func() *models.PortalAccess {
			t.Helper()
			a, err := s.LoadPortalAccess(ctx, entry.Session.ID)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		updates := countUpdates(t, db)
		if got, err := s.TakePortalFlash(ctx, load()); got != "" || err != nil || updates("portal_sessions") != 0 {
			t.Errorf("no flash: %q, %v, %d writes", got, err, updates("portal_sessions"))
		}
		if err := s.SetPortalFlash(ctx, load(), "profile_saved"); err != nil {
			t.Fatal(err)
		}
		// Two pages load at once with the flash in hand: one shows it.
		first, second := load(), load()
		a, _ := s.TakePortalFlash(ctx, first)
		b, _ := s.TakePortalFlash(ctx, second)
		if a+"|"+b != "profile_saved|" {
			t.Errorf("taken %q and %q, want it once", a, b)
		}
		if got, _ := s.TakePortalFlash(ctx, load()); got != "" {
			t.Errorf("a later page still shows %q", got)
		}
	})
}
