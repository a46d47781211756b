package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

func TestSweepPurgesExpiredIdempotencyRecords(t *testing.T) {
	db := testdb.SQLite(t)
	at := time.Now().UTC()
	s := models.NewStore(db, models.WithClock(func() time.Time { return at }), models.WithDataKeys(models.GenerateDataKeys()))
	ctx := context.Background()
	m, err := s.CreateMerchant(ctx, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimIdempotencyKey(ctx, m.ID, "k-1", []byte("h")); err != nil {
		t.Fatal(err)
	}
	at = at.Add(models.IdempotencyWindow + time.Minute)

	ctx, stop := context.WithTimeout(ctx, time.Second)
	defer stop()
	sweepIdempotencyRecords(ctx, s, slog.New(slog.DiscardHandler), time.Hour) // sweeps at once, then waits for ctx
	if n, err := s.PurgeIdempotencyRecords(context.Background()); err != nil || n != 0 {
		t.Errorf("the sweep left %d expired records (%v)", n, err)
	}
}
