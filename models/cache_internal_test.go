package models

import (
	"testing"
	"time"
)

// A fill that started before a change was forgotten is not cached: it may hold what the
// change replaced.
func TestCacheDropsFillsThatRacedAChange(t *testing.T) {
	now := time.Now()
	a := &PortalAccess{Session: PortalSession{ID: "ps_1"}, Customer: PortalCustomer{ID: "cus_1"}, Merchant: Merchant{ID: "mer_1"}}
	ck, lk := customerKey{"mer_1", "cus_1"}, listKey{page: Page{Number: 1, PerPage: 25}}
	for _, forget := range []func(c *storeCache){
		func(c *storeCache) { c.forgetSession("ps_other") },
		func(c *storeCache) { c.forget(&txChanges{cachedTables: true, customers: []customerKey{{"mer_2", ""}}}) },
	} {
		c := newStoreCache()
		gen := c.begin()
		forget(c)
		c.putSession(gen, now, a)
		c.putList(gen, now, ck, lk, []Invoice{{ID: "inv_1"}}, PageInfo{Total: 1})
		if _, ok := c.session("ps_1", now); ok {
			t.Error("a session loaded before a change was cached")
		}
		if _, _, ok := c.list(ck, lk, now); ok {
			t.Error("a list loaded before a change was cached")
		}
		c.putSession(c.begin(), now, a)
		if _, ok := c.session("ps_1", now); !ok {
			t.Error("a session loaded after the change was not cached")
		}
	}
}

// The caches hold at most their bounds of sessions, customers and pages per customer.
func TestCachesAreBounded(t *testing.T) {
	now := time.Now()
	c := newStoreCache()
	for i := range maxCachedSessions + 5 {
		c.putSession(c.begin(), now, &PortalAccess{Session: PortalSession{ID: string(rune(i))}})
	}
	for i := range maxCachedCustomers + 5 {
		c.putList(c.begin(), now, customerKey{"mer_1", string(rune(i))}, listKey{}, nil, PageInfo{})
	}
	for i := range maxCachedPages + 5 {
		c.putList(c.begin(), now, customerKey{"mer_1", "cus_1"}, listKey{page: Page{Number: i}}, nil, PageInfo{})
	}
	if len(c.sessions) != maxCachedSessions || len(c.lists) != maxCachedCustomers || len(c.lists[customerKey{"mer_1", "cus_1"}]) != maxCachedPages {
		t.Errorf("%d sessions, %d customers, %d pages of one", len(c.sessions), len(c.lists), len(c.lists[customerKey{"mer_1", "cus_1"}]))
	}
}
