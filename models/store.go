// Package models holds Portico's data: the GORM models, the domain rules, and the Store,
// which owns every query and transaction. Every Store method takes a context and the
// merchant it acts for, and no method can return another merchant's row.
package models

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
)

// Store is Portico's data access. It is safe for concurrent use.
type Store struct {
	db       *DB
	clock    func() time.Time
	dataKeys *DataKeys     // seals secrets at rest; nil: nothing secret can be stored
	webhooks WebhookPolicy // where webhooks may go
}

// StoreOption changes how a Store is built.
type StoreOption func(*Store)

// WithClock makes the Store tell time by clock instead of the wall clock; tests move it.
func WithClock(clock func() time.Time) StoreOption {
	return func(s *Store) { s.clock = clock }
}

// WithDataKeys gives the Store the keys it seals secrets at rest with (PORTICO_DATA_KEYS).
// Without them it refuses to store anything secret, stored API responses included.
func WithDataKeys(keys *DataKeys) StoreOption {
	return func(s *Store) { s.dataKeys = keys }
}

// NewStore returns a Store over an open database.
func NewStore(db *DB, opts ...StoreOption) *Store {
	s := &Store{db: db, clock: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Now is the Store's clock, the one clock of a Portico process: every timestamp it writes
// and every "is it overdue / expired yet" it decides. UTC, truncated to microseconds so a
// time read back from PostgreSQL equals the time written.
func (s *Store) Now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// reader is a query on the read pool limited to one merchant's rows.
func (s *Store) reader(ctx context.Context, merchantID string) *gorm.DB {
	return s.db.read.WithContext(ctx).Where("merchant_id = ?", merchantID)
}

// Scope is whose rows a call on customer-owned data may see or change: always one
// merchant's, and for a portal session only one customer's of that merchant.
type Scope struct {
	MerchantID string
	CustomerID string // empty: any customer of the merchant
}

// MerchantScope is the scope of an API key: all of one merchant's customers.
func MerchantScope(merchantID string) Scope { return Scope{MerchantID: merchantID} }

// CustomerScope is the scope of a portal session: one customer of one merchant.
func CustomerScope(merchantID, customerID string) Scope {
	return Scope{MerchantID: merchantID, CustomerID: customerID}
}

// where limits q to the rows of a customer-owned table that sc may see.
func (sc Scope) where(q *gorm.DB) *gorm.DB {
	q = q.Where("merchant_id = ?", sc.MerchantID)
	if sc.CustomerID != "" {
		q = q.Where("customer_id = ?", sc.CustomerID)
	}
	return q
}

// customerView reports whether sc is a customer's own view (a portal session). A customer
// never sees the merchant's drafts, nor anything that would reveal one.
func (sc Scope) customerView() bool { return sc.CustomerID != "" }

// invoices limits a query on invoices to the documents sc may see: no drafts for a
// customer.
func (sc Scope) invoices(q *gorm.DB) *gorm.DB {
	if sc.customerView() {
		return q.Where("status <> ?", StatusDraft)
	}
	return q
}

// scoped is a query on the read pool limited to the rows sc may see.
func (s *Store) scoped(ctx context.Context, sc Scope) *gorm.DB {
	return sc.where(s.db.read.WithContext(ctx))
}

// writeTx runs fn in one transaction on the write pool.
func (s *Store) writeTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.write.WithContext(ctx).Transaction(fn)
}

// ActorType says who made a change.
type ActorType string

// The kinds of actor.
const (
	ActorAPIKey     ActorType = "api_key"
	ActorPortalLink ActorType = "portal_link"
	ActorSystem     ActorType = "system"
)

// Actor is who makes a change, recorded in the audit log with the change.
type Actor struct {
	Type      ActorType
	ID        string
	IP        string
	UserAgent string
}

// SystemActor is the actor for changes made from the command line.
var SystemActor = Actor{Type: ActorSystem, ID: "cli"}

// record writes the audit event that belongs to a change, in the change's transaction.
// Every change is recorded, so this is also where a change made for an idempotent request
// commits only while the request still holds its key (see IdempotencyRecord).
func (s *Store) record(tx *gorm.DB, merchantID, customerID string, actor Actor, action string, details any) error {
	if err := s.markCarriedOut(tx, merchantID); err != nil {
		return err
	}
	body, err := json.Marshal(details)
	if err != nil {
		return err
	}
	event := AuditEvent{
		ID:         newID("evt"),
		MerchantID: merchantID,
		CustomerID: customerID,
		ActorType:  actor.Type,
		ActorID:    actor.ID,
		Action:     action,
		Details:    string(body),
		IP:         truncate(actor.IP, 64),
		UserAgent:  truncate(actor.UserAgent, 512),
		CreatedAt:  s.Now(),
	}
	return tx.Create(&event).Error
}

// changedColumns collects the columns a partial update sets, so that it writes those and
// no others: a concurrent change to another column survives it.
type changedColumns []string

// set adds column when changed.
func (cc *changedColumns) set(column string, changed bool) {
	if changed {
		*cc = append(*cc, column)
	}
}

// assign sets *dst to *src when src is given, and reports whether it did.
func assign[T any](dst *T, src *T) bool {
	if src == nil {
		return false
	}
	*dst = *src
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Page asks for one page of a list.
type Page struct {
	Number  int // 1-based
	PerPage int
}

// MaxPerPage caps every list.
const MaxPerPage = 100

func (p Page) normalized() Page {
	if p.Number < 1 {
		p.Number = 1
	}
	if p.PerPage < 1 {
		p.PerPage = 25
	}
	if p.PerPage > MaxPerPage {
		p.PerPage = MaxPerPage
	}
	return p
}

func (p Page) offset() int { return (p.Number - 1) * p.PerPage }

// PageInfo describes the page a list returned.
type PageInfo struct {
	Page    int
	PerPage int
	Total   int64
}

// HasMore reports whether a later page exists.
func (p PageInfo) HasMore() bool { return int64(p.Page*p.PerPage) < p.Total }

// listPage counts the rows q selects and loads one page of them into dest, in order.
func listPage[T any](q *gorm.DB, page Page, order string) ([]T, PageInfo, error) {
	page = page.normalized()
	info := PageInfo{Page: page.Number, PerPage: page.PerPage}
	if err := q.Session(&gorm.Session{}).Model(new(T)).Count(&info.Total).Error; err != nil {
		return nil, info, err
	}
	var rows []T
	if info.Total > int64(page.offset()) {
		if err := q.Order(order).Limit(page.PerPage).Offset(page.offset()).Find(&rows).Error; err != nil {
			return nil, info, err
		}
	}
	return rows, info, nil
}
