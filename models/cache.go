package models

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// A portal page loads its session, and then its customer's data (a page of invoices, the
// overview, entitlements, how they can pay), for every request, and the same customer asks
// again within moments. The Store keeps both for at most cacheTTL of its clock, and
// forgets them the moment it changes what they hold: every
// change made in a write transaction forgets what its audit event's customer (or, for a
// merchant's change, the merchant's customers) had cached, when it commits; a transaction
// that writes a cached table without an audit event forgets everything; and the session
// row's own writes (locale, flash, activity) forget that session. So a revocation is seen
// at once by the instance that made it, and within cacheTTL by every other instance.
// Finished pages are never cached: the data is, and each page renders afresh.

// cacheTTL is how long a cached session or list may serve: the staleness another instance's
// change may have.
const cacheTTL = time.Second

// Bounds of the caches: past them the oldest-looking entries go first (anything outdated,
// then arbitrary ones).
const (
	maxCachedSessions  = 4096
	maxCachedCustomers = 4096
	maxCachedReads     = 12 // of one customer: tabs and pages of the invoice list, and the rest
)

// cachedTables are the tables what the caches hold comes from.
var cachedTables = []string{
	"portal_sessions", "portal_links", "customers", "merchants", "invoices", "subscriptions",
	"entitlements", "payment_details", "payment_provider_accounts",
}

// customerKey names one customer of one merchant.
type customerKey struct{ merchant, customer string }

// cachedRead is one read of a customer's data: what a Store method returned, by the key
// the method gave it.
type cachedRead struct {
	value any
	at    time.Time
}

// storeCache holds the Store's cached sessions and reads of customers' data. A fill of the
// reads carries the generation it started in and is dropped when something was forgotten
// since: it may have read what the change replaced.
type storeCache struct {
	sessions   *expiring[string, *PortalAccess] // shared and never changed: see cachedPortalAccess
	mu         sync.Mutex
	generation uint64
	customers  map[customerKey]map[any]cachedRead
	swept      time.Time // see sweep
	loads      flights[customerRead]
}

// customerRead names one cached read of one customer.
type customerRead struct {
	customer customerKey
	key      any
}

func newStoreCache() *storeCache {
	return &storeCache{sessions: newExpiring[string, *PortalAccess](maxCachedSessions), customers: make(map[customerKey]map[any]cachedRead)}
}

// fresh reports whether an entry cached at at may still serve at now.
func fresh(at, now time.Time) bool { return now.Sub(at) < cacheTTL }

// begin is the generation a fill of a customer's reads starts in.
func (c *storeCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.generation
}

// read returns what is cached of a customer under key, if fresh at now.
func (c *storeCache) read(ck customerKey, key any, now time.Time) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.customers[ck][key]
	if !ok || !fresh(e.at, now) {
		return nil, false
	}
	return e.value, true
}

// putRead caches what was read of a customer under key at now, unless something was
// forgotten since gen.
func (c *storeCache) putRead(gen uint64, now time.Time, ck customerKey, key, value any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.generation {
		return
	}
	anyFresh := func(reads map[any]cachedRead) bool {
		for _, e := range reads {
			if fresh(e.at, now) {
				return true
			}
		}
		return false
	}
	sweep(c.customers, &c.swept, now, anyFresh)
	reads, ok := c.customers[ck]
	if !ok {
		makeRoom(c.customers, maxCachedCustomers, anyFresh)
		reads = make(map[any]cachedRead)
		c.customers[ck] = reads
	}
	makeRoom(reads, maxCachedReads, func(e cachedRead) bool { return fresh(e.at, now) })
	reads[key] = cachedRead{value: value, at: now}
}

// readCustomer is what load reads of the customer sc names, cached under key (a comparable
// value naming the read and its arguments) for cacheTTL. What the cache keeps is shared,
// so every value passes through clone on its way in and out: callers may change theirs.
// Only a scope naming its customer by ID is cached, as changes forget customers by ID.
// Requests that miss while the read is being loaded wait for that load (see flights).
func readCustomer[T any](ctx context.Context, s *Store, sc Scope, key any, clone func(T) T, load func(now time.Time) (T, error)) (T, error) {
	now, ck := s.Now(), customerKey{sc.MerchantID, sc.CustomerID}
	if !ValidCustomerID(sc.CustomerID) {
		return load(now)
	}
	if v, ok := s.cache.read(ck, key, now); ok {
		return clone(v.(T)), nil
	}
	kept, err := s.cache.loads.do(ctx, customerRead{ck, key}, func() (any, error) {
		gen := s.cache.begin()
		v, err := load(now)
		if err != nil {
			return nil, err
		}
		kept := clone(v)
		s.cache.putRead(gen, now, ck, key, kept)
		return kept, nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return clone(kept.(T)), nil
}

// makeRoom makes room in m for one more entry below limit: it deletes what is no longer
// fresh, then, if it must, arbitrary entries.
func makeRoom[K comparable, V any](m map[K]V, limit int, fresh func(V) bool) {
	if len(m) < limit {
		return
	}
	maps.DeleteFunc(m, func(_ K, v V) bool { return !fresh(v) })
	for k := range m {
		if len(m) < limit {
			return
		}
		delete(m, k)
	}
}

// sweep deletes from m what is no longer fresh at now, once per cacheTTL (swept says when it
// last did). An entry past cacheTTL never serves again, and a portal sees thousands of
// customers a day: without it the caches would fill to their bounds with them, hundreds of
// megabytes of pages nobody reads, and keep them.
func sweep[K comparable, V any](m map[K]V, swept *time.Time, now time.Time, fresh func(V) bool) {
	if now.Sub(*swept) < cacheTTL {
		return
	}
	*swept = now
	maps.DeleteFunc(m, func(_ K, v V) bool { return !fresh(v) })
}

// forget forgets what a committed (or rolled back) write transaction may have changed.
func (c *storeCache) forget(ch *txChanges) {
	if !ch.cachedTables {
		return
	}
	changed := func(merchant, customer string) bool {
		return len(ch.customers) == 0 || slices.ContainsFunc(ch.customers, func(k customerKey) bool {
			return k.merchant == merchant && (k.customer == "" || k.customer == customer)
		})
	}
	c.sessions.forget(func(_ string, a *PortalAccess) bool { return changed(a.Merchant.ID, a.Customer.ID) })
	c.loads.forget()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for ck := range c.customers {
		if changed(ck.merchant, ck.customer) {
			delete(c.customers, ck)
		}
	}
}

// writesCachedTable reports whether a write statement may have changed a table the caches
// hold rows of. A raw statement names no table to GORM, but its SQL names every table it
// writes: one that mentions none of them (the job queues' SET LOCAL and advisory locks on
// PostgreSQL, run every poll) must not empty the caches.
func writesCachedTable(st *gorm.Statement) bool {
	if st.Table != "" {
		return slices.Contains(cachedTables, st.Table)
	}
	sql := strings.ToLower(st.SQL.String())
	return slices.ContainsFunc(cachedTables, func(table string) bool { return strings.Contains(sql, table) })
}

// txChanges is what a write transaction changed, for the caches: whether it wrote a table
// they hold rows of, and whose data its audit events say it changed (customer "": all of
// the merchant's).
type txChanges struct {
	cachedTables bool
	customers    []customerKey
}

type txChangesKey struct{}

// changesOf is what the write transaction tx runs in has changed so far; nil outside one.
func changesOf(tx *gorm.DB) *txChanges {
	ch, _ := tx.Statement.Context.Value(txChangesKey{}).(*txChanges)
	return ch
}

// withChanges is ctx for a write transaction that collects its changes in ch.
func withChanges(ctx context.Context, ch *txChanges) context.Context {
	return context.WithValue(ctx, txChangesKey{}, ch)
}

// noteCustomerChanged notes, in the transaction's changes, that tx changed a customer's
// data (customerID "": any of the merchant's).
func noteCustomerChanged(tx *gorm.DB, merchantID, customerID string) {
	if ch := changesOf(tx); ch != nil {
		ch.customers = append(ch.customers, customerKey{merchantID, customerID})
	}
}

// watchCachedTables makes every write statement of a write transaction note whether it
// touched a table the caches hold rows of.
func (db *DB) watchCachedTables() error {
	note := func(tx *gorm.DB) {
		if ch := changesOf(tx); ch != nil && writesCachedTable(tx.Statement) {
			ch.cachedTables = true
		}
	}
	cb := db.write.Callback()
	for _, hook := range []registrar{
		cb.Create().After("gorm:create"), cb.Update().After("gorm:update"),
		cb.Delete().After("gorm:delete"), cb.Raw().After("gorm:raw"),
	} {
		if err := hook.Register("portico:watch_cached_tables", note); err != nil {
			return err
		}
	}
	return nil
}

// maxCachedKeys bounds the API key cache (see AuthenticateAPIKey).
const maxCachedKeys = 1024

// expiring is a bounded map whose entries serve for at most cacheTTL of the Store's clock:
// the portal sessions and the API keys requests authenticated with. A fill carries the
// generation it started in and is dropped when anything was forgotten since: it may have
// read what was forgotten (a session ended, a key revoked).
type expiring[K comparable, V any] struct {
	mu         sync.Mutex
	generation uint64
	limit      int
	entries    map[K]expiringEntry[V]
	swept      time.Time // see sweep
	loads      flights[K]
}

type expiringEntry[V any] struct {
	value V
	at    time.Time
}

func newExpiring[K comparable, V any](limit int) *expiring[K, V] {
	return &expiring[K, V]{limit: limit, entries: make(map[K]expiringEntry[V])}
}

// begin is the generation a fill starts in.
func (c *expiring[K, V]) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.generation
}

// get returns a copy of the value under k, if it is fresh at now.
func (c *expiring[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || !fresh(e.at, now) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// put keeps v under k, read at now, unless something was forgotten since gen.
func (c *expiring[K, V]) put(gen uint64, now time.Time, k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.generation {
		return
	}
	isFresh := func(e expiringEntry[V]) bool { return fresh(e.at, now) }
	sweep(c.entries, &c.swept, now, isFresh)
	makeRoom(c.entries, c.limit, isFresh)
	c.entries[k] = expiringEntry[V]{value: v, at: now}
}

// update changes the value kept under k, if there is one, keeping its age.
func (c *expiring[K, V]) update(k K, change func(*V)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		change(&e.value)
		c.entries[k] = e
	}
}

// forgetKey forgets the value under k.
func (c *expiring[K, V]) forgetKey(k K) {
	c.loads.forgetKey(k)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	delete(c.entries, k)
}

// forget forgets every value match picks.
func (c *expiring[K, V]) forget(match func(K, V) bool) {
	c.loads.forget()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for k, e := range c.entries {
		if match(k, e.value) {
			delete(c.entries, k)
		}
	}
}

// flights share one load among the requests that miss the same cache entry at once. Under
// load an entry that expires is asked for again many times before its first load returns,
// and each miss would run the same query: on PostgreSQL at 256 connections, 80 % of the
// overview's reads missed that way, 4,000 queries a second for 200 customers, queueing for
// the pool's connections and so making the next herd larger.
type flights[K comparable] struct {
	mu      sync.Mutex
	pending map[K]*flight
}

// flight is one load in progress; done closes when it ends.
type flight struct {
	done  chan struct{}
	value any
	ok    bool
}

// do returns what load returns, or, while a load of k runs, waits for it and returns its
// value. A failed load's error is not shared: it may be the loading request's own
// cancellation, so a waiter then loads for itself. A waiter stops waiting when ctx ends.
func (f *flights[K]) do(ctx context.Context, k K, load func() (any, error)) (any, error) {
	f.mu.Lock()
	if fl, ok := f.pending[k]; ok {
		f.mu.Unlock()
		select {
		case <-fl.done:
			if fl.ok {
				return fl.value, nil
			}
			return load()
		case <-ctx.Done():
			return nil, storeError("wait for a read in progress", ctx.Err())
		}
	}
	if f.pending == nil {
		f.pending = make(map[K]*flight)
	}
	fl := &flight{done: make(chan struct{})}
	f.pending[k] = fl
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		if f.pending[k] == fl {
			delete(f.pending, k)
		}
		f.mu.Unlock()
		close(fl.done)
	}()
	v, err := load()
	fl.value, fl.ok = v, err == nil
	return v, err
}

// forgetKey lets later misses of k load afresh rather than wait for a load that may have
// read what a change replaced; forget does so for every key.
func (f *flights[K]) forgetKey(k K) {
	f.mu.Lock()
	delete(f.pending, k)
	f.mu.Unlock()
}

func (f *flights[K]) forget() {
	f.mu.Lock()
	clear(f.pending)
	f.mu.Unlock()
}
