package models

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/portico/portico/migrations"
	"gorm.io/gorm"
)

// A fill that started before a change was forgotten is not cached: it may hold what the
// change replaced.
func TestCacheDropsFillsThatRacedAChange(t *testing.T) {
	now := time.Now()
	a := &PortalAccess{Session: PortalSession{ID: "ps_1"}, Customer: PortalCustomer{ID: "cus_1"}, Merchant: Merchant{ID: "mer_1"}}
	type readKey struct{}
	ck := customerKey{"mer_1", "cus_1"}
	for _, forget := range []func(c *storeCache){
		func(c *storeCache) { c.forgetSession("ps_other") },
		func(c *storeCache) { c.forget(&txChanges{cachedTables: true, customers: []customerKey{{"mer_2", ""}}}) },
	} {
		c := newStoreCache()
		gen := c.begin()
		forget(c)
		c.putSession(gen, now, a)
		c.putRead(gen, now, ck, readKey{}, []Invoice{{ID: "inv_1"}})
		if _, ok := c.session("ps_1", now); ok {
			t.Error("a session loaded before a change was cached")
		}
		if _, ok := c.read(ck, readKey{}, now); ok {
			t.Error("a customer's data read before a change was cached")
		}
		c.putSession(c.begin(), now, a)
		if _, ok := c.session("ps_1", now); !ok {
			t.Error("a session loaded after the change was not cached")
		}
	}
}

// The caches hold at most their bounds of sessions, customers and reads per customer.
func TestCachesAreBounded(t *testing.T) {
	now := time.Now()
	c := newStoreCache()
	for i := range maxCachedSessions + 5 {
		c.putSession(c.begin(), now, &PortalAccess{Session: PortalSession{ID: string(rune(i))}})
	}
	for i := range maxCachedCustomers + 5 {
		c.putRead(c.begin(), now, customerKey{"mer_1", string(rune(i))}, 0, nil)
	}
	for i := range maxCachedReads + 5 {
		c.putRead(c.begin(), now, customerKey{"mer_1", "cus_1"}, i, nil)
	}
	if len(c.sessions) != maxCachedSessions || len(c.customers) != maxCachedCustomers || len(c.customers[customerKey{"mer_1", "cus_1"}]) != maxCachedReads {
		t.Errorf("%d sessions, %d customers, %d reads of one", len(c.sessions), len(c.customers), len(c.customers[customerKey{"mer_1", "cus_1"}]))
	}
}

// A write transaction that changes a cached table without an audit event to say whose
// data it changed forgets everything; one that writes only other tables forgets nothing.
func TestUnrecordedWritesToCachedTablesForgetEverything(t *testing.T) {
	db, err := OpenDB(filepath.Join(t.TempDir(), "portico.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := migrations.Up(db.Writer()); err != nil {
		t.Fatal(err)
	}
	ctx, s := context.Background(), NewStore(db)
	m, err := s.CreateMerchant(ctx, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateCustomer(ctx, m.ID, SystemActor, CustomerInput{Name: ptr("Zoë")})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := s.MintPortalLink(ctx, MerchantScope(m.ID).Customer(c.ID), SystemActor, PortalLinkInput{})
	if err != nil {
		t.Fatal(err)
	}
	entry, err := s.OpenPortalLink(ctx, LinkOpening{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		table, column, value string
		raw                  string // instead of an update of table
		forgets              bool
	}{
		{table: "api_keys", column: "name", value: "unrelated"},
		{table: "customers", column: "name", value: "Zoë Renamed", forgets: true},
		{table: "api_keys", raw: "UPDATE api_keys SET name = 'raw'"},
		{table: "customers", raw: "UPDATE Customers SET name = 'Zoë Raw'", forgets: true},
	} {
		before, err := s.LoadPortalAccess(ctx, entry.Session.ID)
		if err != nil {
			t.Fatal(err)
		}
		err = s.writeTx(ctx, func(tx *gorm.DB) error {
			if tc.raw != "" {
				return tx.Exec(tc.raw).Error
			}
			return tx.Table(tc.table).Where("1 = 1").Update(tc.column, tc.value).Error
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.cache.session(entry.Session.ID, s.Now()); ok == tc.forgets {
			t.Errorf("after an unrecorded write to %s the session is cached: %v, want %v", tc.table, ok, !tc.forgets)
		}
		if after, _ := s.LoadPortalAccess(ctx, entry.Session.ID); tc.forgets && after.Customer.Name == before.Customer.Name {
			t.Errorf("after an unrecorded write to %s: %q", tc.table, after.Customer.Name)
		}
	}
}

func ptr[T any](v T) *T { return &v }
