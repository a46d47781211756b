package models

import (
	"context"
	"time"
)

// AuditEvent records who changed what, when and from where.
type AuditEvent struct {
	ID         string `gorm:"primaryKey"`
	MerchantID string
	CustomerID string // empty for merchant-level changes
	ActorType  ActorType
	ActorID    string
	Action     string
	Details    string // JSON
	IP         string
	UserAgent  string
	CreatedAt  time.Time
}

// AuditFilter narrows the audit log; empty fields do not filter.
type AuditFilter struct {
	CustomerID string
	Action     string
}

// ListAuditEvents returns one page of a merchant's audit log, newest first.
func (s *Store) ListAuditEvents(ctx context.Context, merchantID string, f AuditFilter, page Page) ([]AuditEvent, PageInfo, error) {
	q := s.reader(ctx, merchantID)
	if f.CustomerID != "" {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	rows, info, err := listPage[AuditEvent](q, page, "created_at DESC, id DESC")
	return rows, info, storeError("list audit events", err)
}
