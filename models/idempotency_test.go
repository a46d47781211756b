package models_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// fakeClock is a clock a test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func dataKeys(t *testing.T, keys ...byte) *models.DataKeys {
	t.Helper()
	var raw [][]byte
	for _, k := range keys {
		raw = append(raw, bytes.Repeat([]byte{k}, models.DataKeySize))
	}
	dk, err := models.NewDataKeys(raw)
	if err != nil {
		t.Fatal(err)
	}
	return dk
}

// idempotencyFixture is a store with a movable clock and data keys, and a merchant.
func idempotencyFixture(t *testing.T, db *models.DB) (*models.Store, *fakeClock, tenant) {
	clock := &fakeClock{t: time.Now().UTC()}
	s := models.NewStore(db, models.WithClock(clock.now), models.WithDataKeys(dataKeys(t, 1)))
	return s, clock, newTenant(t, s, "Acme")
}

// createFor creates a customer as the request holding claim would.
func createFor(s *models.Store, tn tenant, claim *models.IdempotencyClaim, name string) error {
	ctx := models.WithIdempotencyClaim(context.Background(), claim)
	_, err := s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: &name})
	return err
}

func customerCount(t *testing.T, s *models.Store, tn tenant) int64 {
	t.Helper()
	_, info, err := s.ListCustomers(context.Background(), tn.merchant, "", models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return info.Total
}

func TestAbandonedIdempotencyClaimIsTakenOverAfterItsLease(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s, clock, tn := idempotencyFixture(t, db)
		hash := []byte("POST /v1/customers\n{}")

		// A process claims the key and dies before changing anything.
		if claim, _, err := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-dead", hash); err != nil || claim == nil {
			t.Fatalf("first claim: %v, %v", claim, err)
		}
		if _, _, err := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-dead", hash); !errors.Is(err, models.ErrIdempotencyInProgress) {
			t.Fatalf("retry within the lease: %v", err)
		}
		if _, _, err := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-dead", []byte("other")); !errors.Is(err, models.ErrIdempotencyMismatch) {
			t.Fatalf("another body: %v", err)
		}
		clock.advance(models.IdempotencyLease + time.Second)
		retry, _, err := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-dead", hash)
		if err != nil || retry == nil {
			t.Fatalf("retry after the lease: %v, %v", retry, err)
		}
		if err := createFor(s, tn, retry, "Zoë"); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishIdempotentRequest(ctx, retry, 201, []byte(`{"id":"cus_1"}`)); err != nil {
			t.Fatal(err)
		}
		_, replay, err := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-dead", hash)
		if err != nil || replay == nil || replay.Status != 201 || string(replay.Body) != `{"id":"cus_1"}` {
			t.Errorf("replay: %+v, %v", replay, err)
		}
	})
}

func TestIdempotentChangeIsNeverRunTwice(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s, clock, tn := idempotencyFixture(t, db)
		hash := []byte("h")
		before := customerCount(t, s, tn)

		// The change commits, then the process dies before storing the response.
		claim, _, _ := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-lost", hash)
		if err := createFor(s, tn, claim, "Once"); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseIdempotencyKey(ctx, claim); err != nil {
			t.Fatal(err)
		}
		clock.advance(models.IdempotencyLease + time.Second)
		if _, _, err := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-lost", hash); !errors.Is(err, models.ErrIdempotencyResponseLost) {
			t.Errorf("retry of a carried-out request: %v, want ErrIdempotencyResponseLost", err)
		}
		if n := customerCount(t, s, tn); n != before+1 {
			t.Errorf("%d customers made, want 1", n-before)
		}

		// A request that is only slow loses its key to a retry after the lease, and its
		// change then rolls back: one effect.
		slow, _, _ := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-slow", hash)
		clock.advance(models.IdempotencyLease + time.Second)
		fast, _, err := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-slow", hash)
		if err != nil || fast == nil {
			t.Fatalf("takeover: %v", err)
		}
		if err := createFor(s, tn, slow, "Slow"); !errors.Is(err, models.ErrIdempotencyClaimLost) {
			t.Errorf("the slow request's change: %v, want ErrIdempotencyClaimLost", err)
		}
		if err := createFor(s, tn, fast, "Fast"); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishIdempotentRequest(ctx, slow, 201, nil); !errors.Is(err, models.ErrIdempotencyClaimLost) {
			t.Errorf("the slow request's response: %v", err)
		}
		if n := customerCount(t, s, tn); n != before+2 {
			t.Errorf("%d customers made, want 2 (one per key)", n-before)
		}

		// A request that failed before changing anything gives its key back at once.
		failed, _, _ := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-failed", hash)
		if err := s.ReleaseIdempotencyKey(ctx, failed); err != nil {
			t.Fatal(err)
		}
		if again, _, err := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-failed", hash); err != nil || again == nil {
			t.Errorf("claim after release: %v, %v", again, err)
		}
	})
}

func TestStoredResponsesAreSealed(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s, clock, tn := idempotencyFixture(t, db)
		secret := []byte(`{"url":"https://portico.example/p/s3cr3t-t0ken"}`)
		claim, _, _ := s.ClaimIdempotencyKey(ctx, tn.merchant, "k-link", []byte("h"))
		if err := s.FinishIdempotentRequest(ctx, claim, 201, secret); err != nil {
			t.Fatal(err)
		}
		var stored []byte
		if err := db.Writer().Raw("SELECT response_body FROM idempotency_records WHERE key = ?", "k-link").Row().Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if len(stored) == 0 || bytes.Contains(stored, []byte("s3cr3t-t0ken")) {
			t.Errorf("the database holds the response in clear: %q", stored)
		}

		// After rotation the old row still replays; with its key dropped it answers a clear
		// error, never the secret and never a crash.
		rotated := models.NewStore(db, models.WithClock(clock.now), models.WithDataKeys(dataKeys(t, 2, 1)))
		if _, replay, err := rotated.ClaimIdempotencyKey(ctx, tn.merchant, "k-link", []byte("h")); err != nil || !bytes.Equal(replay.Body, secret) {
			t.Errorf("replay after rotation: %v, %v", replay, err)
		}
		dropped := models.NewStore(db, models.WithClock(clock.now), models.WithDataKeys(dataKeys(t, 2)))
		if _, replay, err := dropped.ClaimIdempotencyKey(ctx, tn.merchant, "k-link", []byte("h")); !errors.Is(err, models.ErrIdempotencyUnreadable) || replay != nil {
			t.Errorf("replay with the key dropped: %v, %v", replay, err)
		}
	})
}

func TestExpiredIdempotencyRecordsArePurgedForEveryMerchant(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s, clock, a := idempotencyFixture(t, db)
		b := newTenant(t, s, "Other")
		for _, tn := range []tenant{a, b} {
			claim, _, _ := s.ClaimIdempotencyKey(ctx, tn.merchant, "old", []byte("h"))
			if err := s.FinishIdempotentRequest(ctx, claim, 201, []byte("{}")); err != nil {
				t.Fatal(err)
			}
		}
		clock.advance(models.IdempotencyWindow - time.Hour)
		young, _, _ := s.ClaimIdempotencyKey(ctx, a.merchant, "young", []byte("h"))
		if err := s.FinishIdempotentRequest(ctx, young, 201, []byte("{}")); err != nil {
			t.Fatal(err)
		}
		clock.advance(2 * time.Hour)
		n, err := s.PurgeIdempotencyRecords(ctx)
		if err != nil || n != 2 {
			t.Errorf("purged %d, %v; want the two expired records", n, err)
		}
		if _, replay, err := s.ClaimIdempotencyKey(ctx, a.merchant, "young", []byte("h")); err != nil || replay == nil {
			t.Errorf("the young record went too: %v, %v", replay, err)
		}
		// An expired key is free for a new request, whatever it was used for.
		if claim, _, err := s.ClaimIdempotencyKey(ctx, b.merchant, "old", []byte("another body")); err != nil || claim == nil {
			t.Errorf("reusing an expired key: %v, %v", claim, err)
		}
	})
}
