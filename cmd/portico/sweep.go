package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/portico/portico/models"
)

// idempotencySweepInterval is how often expired Idempotency-Key records are purged: often
// enough that each sweep deletes little.
const idempotencySweepInterval = 10 * time.Minute

// sweepIdempotencyRecords purges every merchant's expired Idempotency-Key records now and
// then every interval, until ctx ends. Several instances may sweep at once: a delete of
// what another already deleted deletes nothing.
func sweepIdempotencyRecords(ctx context.Context, store *models.Store, log *slog.Logger, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if n, err := store.PurgeIdempotencyRecords(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge expired idempotency records", "err", err)
		} else if n > 0 {
			log.Info("purged expired idempotency records", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
