package models

import (
	"bytes"
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// IdempotencyRecord remembers the response to a POST made with an Idempotency-Key, so a
// retry with the same key and body gets the same answer instead of a second effect.
//
// A request claims its key for a lease (LeasedUntil) under a fresh ClaimToken. The
// transaction that carries out the request's change also stamps CommittedAt, on condition
// that the claim is still its own (see Store.record): the change and the evidence of it
// commit together. So after a crash, a claim whose lease ran out without CommittedAt did
// nothing, and a retry may take the key over and run; one with CommittedAt did its work,
// and is never run again. A taken-over request that was only slow finds its claim gone
// and rolls back.
type IdempotencyRecord struct {
	MerchantID   string `gorm:"primaryKey"`
	Key          string `gorm:"primaryKey"`
	RequestHash  []byte
	Status       int // 0 while the request is in progress
	ResponseBody []byte
	// Sealed: ResponseBody is encrypted with the data keys. Every response stored now is;
	// records from before encryption are replayed as they are until they expire.
	Sealed      bool
	ClaimToken  string
	LeasedUntil time.Time
	CommittedAt *time.Time
	CreatedAt   time.Time
}

// IdempotencyWindow is how long a key's response is replayed.
const IdempotencyWindow = 24 * time.Hour

// IdempotencyLease is how long a request holds its key before a retry may take it over,
// if the request's change has not committed: longer than a request may run (the server's
// write timeout is 60 s), short enough that a crash leaves a key stuck for a minute, not
// a day.
const IdempotencyLease = 90 * time.Second

// Why an Idempotency-Key cannot be used for a request.
var (
	ErrIdempotencyMismatch   = errors.New("this Idempotency-Key was used with another request")
	ErrIdempotencyInProgress = errors.New("a request with this Idempotency-Key is still in progress")
	// ErrIdempotencyResponseLost: the request's change committed, but the process stopped
	// before its response was stored. Running it again would do it twice.
	ErrIdempotencyResponseLost = errors.New("the request with this Idempotency-Key was carried out, but its response was not stored")
	// ErrIdempotencyUnreadable: the stored response was sealed with a data key that is no
	// longer configured.
	ErrIdempotencyUnreadable = errors.New("the stored response of this Idempotency-Key cannot be decrypted with the configured data keys")
	// ErrIdempotencyClaimLost: the request's lease ran out and a retry took the key over;
	// this request's change is rolled back so that only one of them takes effect.
	ErrIdempotencyClaimLost = errors.New("this request's Idempotency-Key was taken over by a retry after its lease ran out")
)

// IdempotencyClaim is a request's hold on its key. Put it in the request's context
// (WithIdempotencyClaim): every Store change made with that context commits only while the
// claim is still the request's, and marks the key as carried out.
type IdempotencyClaim struct {
	MerchantID string
	Key        string
	token      string
}

// StoredResponse is a response kept for replay.
type StoredResponse struct {
	Status int
	Body   []byte
}

type claimKey struct{}

// WithIdempotencyClaim returns a context whose Store changes belong to claim.
func WithIdempotencyClaim(ctx context.Context, claim *IdempotencyClaim) context.Context {
	return context.WithValue(ctx, claimKey{}, claim)
}

// claimOf is the claim a transaction's context carries, if any.
func claimOf(tx *gorm.DB) *IdempotencyClaim {
	claim, _ := tx.Statement.Context.Value(claimKey{}).(*IdempotencyClaim)
	return claim
}

// ClaimIdempotencyKey claims key for the request whose hash is given. It returns a claim
// when the request must run (a new key, an expired one, or one whose lease ran out before
// anything was carried out); the stored response when the same request ran before;
// ErrIdempotencyMismatch when the key was used for another request; and
// ErrIdempotencyInProgress, ErrIdempotencyResponseLost or ErrIdempotencyUnreadable when
// neither running nor replaying is safe. The primary key (merchant, key) and the row lock
// decide between concurrent claims.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, merchantID, key string, hash []byte) (*IdempotencyClaim, *StoredResponse, error) {
	now := s.Now()
	claim := &IdempotencyClaim{MerchantID: merchantID, Key: key, token: newSecret()}
	var existing IdempotencyRecord
	claimed := false
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		fresh := &IdempotencyRecord{
			MerchantID: merchantID, Key: key, RequestHash: hash, ClaimToken: claim.token,
			LeasedUntil: now.Add(IdempotencyLease), CreatedAt: now,
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(fresh)
		if res.Error != nil || res.RowsAffected == 1 {
			claimed = res.Error == nil
			return res.Error
		}
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("merchant_id = ? AND key = ?", merchantID, key).Take(&existing).Error
		if err != nil {
			return err
		}
		expired := existing.CreatedAt.Before(now.Add(-IdempotencyWindow))
		abandoned := existing.Status == 0 && existing.CommittedAt == nil && !existing.LeasedUntil.After(now) &&
			bytes.Equal(existing.RequestHash, hash)
		if !expired && !abandoned {
			return nil
		}
		// Take the key over: a new request for an expired key, or a retry of a request
		// that died before it changed anything.
		claimed = true
		changes := map[string]any{"claim_token": claim.token, "leased_until": fresh.LeasedUntil}
		if expired {
			changes = map[string]any{
				"request_hash": hash, "status": 0, "response_body": nil, "sealed": false, "claim_token": claim.token,
				"leased_until": fresh.LeasedUntil, "committed_at": nil, "created_at": now,
			}
		}
		return tx.Model(&IdempotencyRecord{}).Where("merchant_id = ? AND key = ?", merchantID, key).Updates(changes).Error
	})
	switch {
	case err != nil:
		return nil, nil, storeError("claim idempotency key", err)
	case claimed:
		return claim, nil, nil
	case !bytes.Equal(existing.RequestHash, hash):
		return nil, nil, ErrIdempotencyMismatch
	case existing.Status == 0 && existing.CommittedAt != nil && !existing.LeasedUntil.After(now):
		return nil, nil, ErrIdempotencyResponseLost
	case existing.Status == 0:
		return nil, nil, ErrIdempotencyInProgress
	}
	body := existing.ResponseBody
	if existing.Sealed {
		if s.dataKeys == nil {
			return nil, nil, ErrIdempotencyUnreadable
		}
		if body, err = s.dataKeys.Open(body, idempotencyContext(merchantID, key)); err != nil {
			return nil, nil, ErrIdempotencyUnreadable
		}
	}
	return nil, &StoredResponse{Status: existing.Status, Body: body}, nil
}

// idempotencyContext binds a sealed response to its record.
func idempotencyContext(merchantID, key string) []byte {
	return []byte("idempotency_records\x00" + merchantID + "\x00" + key)
}

// FinishIdempotentRequest stores the response of the request that holds claim, sealed
// with the data keys (a response may carry a secret: a minted link's URL, a signing
// secret), for replay.
func (s *Store) FinishIdempotentRequest(ctx context.Context, claim *IdempotencyClaim, status int, body []byte) error {
	if s.dataKeys == nil {
		return errors.New("store: finish idempotent request: no data keys configured (models.WithDataKeys)")
	}
	sealed := s.dataKeys.Seal(body, idempotencyContext(claim.MerchantID, claim.Key))
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&IdempotencyRecord{}).
			Where("merchant_id = ? AND key = ? AND claim_token = ? AND status = 0", claim.MerchantID, claim.Key, claim.token).
			Updates(map[string]any{"status": status, "response_body": sealed, "sealed": true})
		if res.Error == nil && res.RowsAffected == 0 {
			return ErrIdempotencyClaimLost
		}
		return res.Error
	})
	return storeError("finish idempotent request", err)
}

// ReleaseIdempotencyKey gives up a claim whose request failed on our side before it
// changed anything, so a retry with the same key runs instead of replaying the failure. A
// request whose change committed keeps its key: a retry must not do it twice.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, claim *IdempotencyClaim) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		return tx.Where("merchant_id = ? AND key = ? AND claim_token = ? AND status = 0 AND committed_at IS NULL", claim.MerchantID, claim.Key, claim.token).
			Delete(&IdempotencyRecord{}).Error
	})
	return storeError("release idempotency key", err)
}

// markCarriedOut stamps, inside a change's transaction, that the request holding the
// transaction's claim has changed something, and fails (rolling the change back) when the
// claim is no longer the request's.
func (s *Store) markCarriedOut(tx *gorm.DB, merchantID string) error {
	claim := claimOf(tx)
	if claim == nil || claim.MerchantID != merchantID {
		return nil
	}
	res := tx.Model(&IdempotencyRecord{}).
		Where("merchant_id = ? AND key = ? AND claim_token = ? AND status = 0", claim.MerchantID, claim.Key, claim.token).
		Update("committed_at", s.Now())
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrIdempotencyClaimLost
	}
	return res.Error
}

// PurgeIdempotencyRecords deletes every merchant's records older than IdempotencyWindow
// and returns how many went. The server runs it periodically.
func (s *Store) PurgeIdempotencyRecords(ctx context.Context) (int64, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("created_at < ?", s.Now().Add(-IdempotencyWindow)).Delete(&IdempotencyRecord{})
		n = res.RowsAffected
		return res.Error
	})
	return n, storeError("purge idempotency records", err)
}
