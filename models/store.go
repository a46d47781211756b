// Package models holds Portico's data: the GORM models, the domain rules, and the Store,
// which owns every query and transaction. Every Store method takes a context and the
// merchant it acts for, and no method can return another merchant's row.
package models

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Store is Portico's data access. It is safe for concurrent use.
type Store struct {
	db       *DB
	clock    func() time.Time
	dataKeys *DataKeys                 // seals secrets at rest; nil: nothing secret can be stored
	webhooks WebhookPolicy             // where webhooks may go
	links    Links                     // for the addresses resources carry in events
	cache    *storeCache               // sessions and reads of customers' data (see cache.go)
	keys     *expiring[string, APIKey] // API keys requests authenticated with, by secret hash
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

// Links are what the Store builds the addresses in resources with (an invoice's PDF, where
// a merchant's payment provider sends its events): PORTICO_BASE_URL and the paths the
// handlers serve. Events carry resources, and the Store writes events.
type Links struct {
	BaseURL *url.URL
	// ProviderHook is the path of a merchant's payment provider's events
	// (views.ProviderHookURL).
	ProviderHook func(provider, merchantID string) string
}

// base is the base URL without a trailing slash; empty without one, so that links are paths.
func (l Links) base() string {
	if l.BaseURL == nil {
		return ""
	}
	return strings.TrimSuffix(l.BaseURL.String(), "/")
}

// providerHook is where a merchant's payment provider sends its events; empty when the
// Store was given no ProviderHook.
func (l Links) providerHook(provider, merchantID string) string {
	if l.ProviderHook == nil {
		return ""
	}
	return l.base() + l.ProviderHook(provider, merchantID)
}

// WithLinks gives the Store what it builds the addresses in resources with.
func WithLinks(l Links) StoreOption {
	return func(s *Store) { s.links = l }
}

// NewStore returns a Store over an open database.
func NewStore(db *DB, opts ...StoreOption) *Store {
	s := &Store{db: db, clock: time.Now, cache: newStoreCache(), keys: newExpiring[string, APIKey](maxCachedKeys)}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Now is the Store's clock, the one clock of a Portico process: every timestamp it writes
// and every "is it overdue / expired yet" it decides. UTC, truncated to microseconds so a
// time read back from PostgreSQL equals the time written.
func (s *Store) Now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// read is a query on the read pool, run under readContext.
func (s *Store) read(ctx context.Context) *gorm.DB {
	return s.db.read.WithContext(s.db.readContext(ctx))
}

// reader is a query on the read pool limited to one merchant's rows.
func (s *Store) reader(ctx context.Context, merchantID string) *gorm.DB {
	return s.read(ctx).Where("merchant_id = ?", merchantID)
}

// Scope is whose rows a call on customer-owned data may see or change, and who is looking:
// always one merchant's rows, and at most one customer's of that merchant. Every Store
// method on customer-owned rows takes one, so tenant isolation is part of every query.
type Scope struct {
	MerchantID string
	// CustomerID names one customer by ID, or by the merchant's own ID as "external:ID"
	// (how the API's /customers/{id}/… routes name them). Empty: any customer of the
	// merchant.
	CustomerID string
	// byMerchant: the merchant looks at one of its customers (drafts and all); a scope with
	// a customer is otherwise that customer's own view.
	byMerchant bool
}

// MerchantScope is the scope of an API key: all of one merchant's customers.
func MerchantScope(merchantID string) Scope { return Scope{MerchantID: merchantID, byMerchant: true} }

// Customer narrows a merchant's scope to one of its customers, by ID or external:ID: what
// the API's /customers/{id}/… routes act on. The merchant still sees what the customer
// would not.
func (sc Scope) Customer(customerRef string) Scope {
	sc.CustomerID = customerRef
	return sc
}

// CustomerScope is a customer's own view of their account: a portal session's scope.
func CustomerScope(merchantID, customerID string) Scope {
	return Scope{MerchantID: merchantID, CustomerID: customerID}
}

// where limits q to the rows of a customer-owned table that sc may see. A reference that
// names no customer of the merchant matches no row.
func (sc Scope) where(q *gorm.DB) *gorm.DB {
	q = q.Where("merchant_id = ?", sc.MerchantID)
	switch {
	case sc.CustomerID == "":
	case strings.HasPrefix(sc.CustomerID, ExternalRef):
		q = q.Where("customer_id = (?)", customerIDQuery(q.Session(&gorm.Session{NewDB: true}), sc.MerchantID, sc.CustomerID))
	default:
		q = q.Where("customer_id = ?", sc.CustomerID)
	}
	return q
}

// customerView reports whether sc is a customer's own view (a portal session). A customer
// never sees the merchant's drafts, nor anything that would reveal one.
func (sc Scope) customerView() bool { return sc.CustomerID != "" && !sc.byMerchant }

// invoices limits a query on invoices to the documents sc may see: no drafts for a
// customer.
func (sc Scope) invoices(q *gorm.DB) *gorm.DB {
	if sc.customerView() {
		return q.Where("status <> ?", StatusDraft)
	}
	return q
}

// customer resolves the one customer sc names, inside tx. A scope of the whole merchant, or
// one naming no customer of it, is ErrNotFound: rows that belong to a customer are always
// reached through theirs.
func (sc Scope) customer(tx *gorm.DB) (string, error) {
	if sc.CustomerID == "" {
		return "", ErrNotFound
	}
	return customerID(tx, sc.MerchantID, sc.CustomerID)
}

// customerID resolves a customer reference (an ID or external:ID) inside a transaction.
func customerID(tx *gorm.DB, merchantID, ref string) (string, error) {
	if !validCustomerRef(ref) {
		return "", ErrNotFound
	}
	var c Customer
	err := whereCustomerRef(tx.Where("merchant_id = ?", merchantID), ref).Select("id").Take(&c).Error
	return c.ID, err
}

// customerIDQuery is a subquery for the ID of the customer a reference names, so a read can
// check ownership in the same statement.
func customerIDQuery(db *gorm.DB, merchantID, ref string) *gorm.DB {
	return whereCustomerRef(db.Model(&Customer{}).Select("id").Where("merchant_id = ?", merchantID), ref)
}

// scoped is a query on the read pool limited to the rows sc may see.
func (s *Store) scoped(ctx context.Context, sc Scope) *gorm.DB {
	return sc.where(s.read(ctx))
}

// writeTx runs fn in one transaction on the write pool (on SQLite, in a savepoint of a
// transaction it may share with other writes: see groupCommit), and then forgets what the
// caches hold of what it changed.
func (s *Store) writeTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var changes txChanges
	err := s.db.transaction(withChanges(ctx, &changes), fn)
	s.cache.forget(&changes)
	return err
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
// Every change is recorded, so this is also where the caches learn whose data changed, and
// where a change made for an idempotent request
// commits only while the request still holds its key (see IdempotencyRecord).
func (s *Store) record(tx *gorm.DB, merchantID, customerID string, actor Actor, action string, details any) error {
	noteCustomerChanged(tx, merchantID, customerID)
	if err := s.markCarriedOut(tx, merchantID); err != nil {
		return err
	}
	body, err := json.Marshal(details)
	if err != nil {
		return err
	}
	return insertAuditEvent.exec(s.db, tx, newID("evt"), merchantID, customerID, string(actor.Type), actor.ID, action,
		string(body), truncate(actor.IP, 64), truncate(actor.UserAgent, 512), s.Now())
}

// insertAuditEvent writes an AuditEvent, every column.
var insertAuditEvent = newHotStmt("audit_events", `INSERT INTO audit_events `+
	`(id, merchant_id, customer_id, actor_type, actor_id, action, details, ip, user_agent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)

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

// Caps of every list, in the API and the portal alike.
const (
	MaxPerPage = 100
	// MaxPageNumber is the deepest page a list serves: deeper pages are an OFFSET scan
	// nobody reads.
	MaxPageNumber = 1_000_000
)

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

// listPage loads one page of the rows q selects into dest, in order, and counts them all,
// except when the first page is short: then it holds all of them, and most lists (one
// invoice's payments, a customer's few subscriptions) are one short page.
func listPage[T any](q *gorm.DB, page Page, order string) ([]T, PageInfo, error) {
	page = page.normalized()
	info := PageInfo{Page: page.Number, PerPage: page.PerPage}
	var rows []T
	if err := q.Session(&gorm.Session{}).Order(order).Limit(page.PerPage).Offset(page.offset()).Find(&rows).Error; err != nil {
		return nil, info, err
	}
	if page.offset() == 0 && len(rows) < page.PerPage {
		info.Total = int64(len(rows))
		return rows, info, nil
	}
	if err := q.Session(&gorm.Session{}).Model(new(T)).Count(&info.Total).Error; err != nil {
		return nil, info, err
	}
	return rows, info, nil
}
