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
type IdempotencyRecord struct {
	MerchantID   string `gorm:"primaryKey"`
	Key          string `gorm:"primaryKey"`
	RequestHash  []byte
	Status       int // 0 while the first request is still running
	ResponseBody []byte
	CreatedAt    time.Time
}

// IdempotencyWindow is how long a key's response is replayed.
const IdempotencyWindow = 24 * time.Hour

// Why an Idempotency-Key cannot be used for a request.
var (
	ErrIdempotencyMismatch   = errors.New("this Idempotency-Key was used with another request")
	ErrIdempotencyInProgress = errors.New("a request with this Idempotency-Key is still in progress")
)

// ClaimIdempotencyKey claims key for the request whose hash is given. It returns nil when
// the request now owns the key and must run; the finished record when the same request ran
// before (to replay); ErrIdempotencyInProgress while that request still runs; and
// ErrIdempotencyMismatch when the key was used for another request. The primary key
// (merchant, key) decides between concurrent claims, so one request runs and the rest wait
// for its answer.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, merchantID, key string, hash []byte) (*IdempotencyRecord, error) {
	var existing IdempotencyRecord
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		expired := s.Now().Add(-IdempotencyWindow)
		if err := tx.Where("merchant_id = ? AND created_at < ?", merchantID, expired).Delete(&IdempotencyRecord{}).Error; err != nil {
			return err
		}
		claim := &IdempotencyRecord{MerchantID: merchantID, Key: key, RequestHash: hash, CreatedAt: s.Now()}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(claim)
		if res.Error != nil || res.RowsAffected == 1 {
			return res.Error
		}
		return tx.Where(&IdempotencyRecord{MerchantID: merchantID, Key: key}).Take(&existing).Error
	})
	switch {
	case err != nil:
		return nil, storeError("claim idempotency key", err)
	case existing.Key == "":
		return nil, nil
	case !bytes.Equal(existing.RequestHash, hash):
		return nil, ErrIdempotencyMismatch
	case existing.Status == 0:
		return nil, ErrIdempotencyInProgress
	}
	return &existing, nil
}

// FinishIdempotentRequest stores the response of the request that claimed key, for replay.
func (s *Store) FinishIdempotentRequest(ctx context.Context, merchantID, key string, status int, body []byte) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&IdempotencyRecord{}).Where(&IdempotencyRecord{MerchantID: merchantID, Key: key}).
			Updates(map[string]any{"status": status, "response_body": body}).Error
	})
	return storeError("finish idempotent request", err)
}

// ReleaseIdempotencyKey forgets a claim whose request failed on our side, so a retry with
// the same key runs instead of replaying the failure.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, merchantID, key string) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		return tx.Where(&IdempotencyRecord{MerchantID: merchantID, Key: key}).Where("status = 0").Delete(&IdempotencyRecord{}).Error
	})
	return storeError("release idempotency key", err)
}
