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
	for _, tc := range []struct {
		name   string
		forget func(c *storeCache)
		reads  bool // whether the change may have changed customers' data
	}{
		{"another session's own write", func(c *storeCache) { c.sessions.forgetKey("ps_other") }, false},
		{"another merchant's change", func(c *storeCache) {
			c.forget(&txChanges{cachedTables: true, customers: []customerKey{{"mer_2", ""}}})
		}, true},
	} {
		c := newStoreCache()
		sessionGen, gen := c.sessions.begin(), c.begin()
		tc.forget(c)
		c.sessions.put(sessionGen, now, "ps_1", a)
		c.putRead(gen, now, ck, readKey{}, []Invoice{{ID: "inv_1"}})
		if _, ok := c.sessions.get("ps_1", now); ok {
			t.Errorf("%s: a session loaded before the change was cached", tc.name)
		}
		if _, ok := c.read(ck, readKey{}, now); ok == tc.reads {
			t.Errorf("%s: a customer's data read before the change cached: %v, want %v", tc.name, ok, !tc.reads)
		}
		c.sessions.put(c.sessions.begin(), now, "ps_1", a)
		if _, ok := c.sessions.get("ps_1", now); !ok {
			t.Errorf("%s: a session loaded after the change was not cached", tc.name)
		}
	}
}

// The caches hold at most their bounds of sessions, customers and reads per customer.
func TestCachesAreBounded(t *testing.T) {
	now := time.Now()
	c := newStoreCache()
	for i := range maxCachedSessions + 5 {
		c.sessions.put(c.sessions.begin(), now, string(rune(i)), &PortalAccess{})
	}
	for i := range maxCachedCustomers + 5 {
		c.putRead(c.begin(), now, customerKey{"mer_1", string(rune(i))}, 0, nil)
	}
	for i := range maxCachedReads + 5 {
		c.putRead(c.begin(), now, customerKey{"mer_1", "cus_1"}, i, nil)
	}
	if len(c.sessions.entries) != maxCachedSessions || len(c.customers) != maxCachedCustomers || len(c.customers[customerKey{"mer_1", "cus_1"}]) != maxCachedReads {
		t.Errorf("%d sessions, %d customers, %d reads of one", len(c.sessions.entries), len(c.customers), len(c.customers[customerKey{"mer_1", "cus_1"}]))
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
		if _, ok := s.cache.sessions.get(entry.Session.ID, s.Now()); ok == tc.forgets {
			t.Errorf("after an unrecorded write to %s the session is cached: %v, want %v", tc.table, ok, !tc.forgets)
		}
		if after, _ := s.LoadPortalAccess(ctx, entry.Session.ID); tc.forgets && after.Customer.Name == before.Customer.Name {
			t.Errorf("after an unrecorded write to %s: %q", tc.table, after.Customer.Name)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// What can no longer serve is let go within a cacheTTL, however far the caches are from
// their bounds: a day's visitors would otherwise fill them with pages nobody reads again.
func TestCachesLetGoOfWhatExpired(t *testing.T) {
	start := time.Now()
	c := newStoreCache()
	for i := range 100 {
		c.sessions.put(c.sessions.begin(), start, string(rune('a'+i)), &PortalAccess{})
		c.putRead(c.begin(), start, customerKey{"mer_1", string(rune('a' + i))}, 0, nil)
	}
	later := start.Add(cacheTTL + time.Millisecond)
	c.sessions.put(c.sessions.begin(), later, "new", &PortalAccess{})
	c.putRead(c.begin(), later, customerKey{"mer_1", "new"}, 0, nil)
	if len(c.sessions.entries) != 1 || len(c.customers) != 1 {
		t.Errorf("a TTL later, after one more of each: %d sessions, %d customers kept; want 1 and 1", len(c.sessions.entries), len(c.customers))
	}
	if _, ok := c.sessions.get("new", later); !ok {
		t.Error("the fresh session was let go")
	}
	if _, ok := c.read(customerKey{"mer_1", "new"}, 0, later); !ok {
		t.Error("the fresh read was let go")
	}
}
