package models

import "time"

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
