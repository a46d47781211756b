package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// TestScopeOfOneCustomer: the merchant may name one of its customers by ID or external:ID
// and sees all of their rows; the customer's own view (a portal session) never sees a draft.
func TestScopeOfOneCustomer(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		in := invoiceInput(tn.customer, "DRAFT-1")
		in.Status = models.StatusDraft
		draft, err := s.CreateInvoice(ctx, tn.merchant, actor, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{tn.customer, "external:ext-1"} {
			sc := models.MerchantScope(tn.merchant).Customer(ref)
			if _, err := s.GetInvoice(ctx, sc, draft.ID); err != nil {
				t.Errorf("the merchant, naming %s: %v", ref, err)
			}
			if _, err := s.CreateContact(ctx, sc, actor, models.ContactInput{Name: ptr("Ada"), Email: ptr("ada@example.com")}); err != nil {
				t.Errorf("a contact for %s: %v", ref, err)
			}
		}
		if _, err := s.GetInvoice(ctx, models.CustomerScope(tn.merchant, tn.customer), draft.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the customer's own view of a draft: %v, want ErrNotFound", err)
		}
		contacts, _, err := s.ListContacts(ctx, models.MerchantScope(tn.merchant).Customer("external:ext-1"), models.ContactQuery{})
		if err != nil || len(contacts) != 2 {
			t.Errorf("contacts by external ID: %d, %v", len(contacts), err)
		}
		for _, sc := range []models.Scope{
			models.MerchantScope(tn.merchant),                           // no customer named
			models.MerchantScope(tn.merchant).Customer("external:nope"), // no such customer
			models.MerchantScope("mer_00000000000000000000000000").Customer(tn.customer),
		} {
			if _, _, err := s.ListContacts(ctx, sc, models.ContactQuery{}); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("contacts of %+v: %v, want ErrNotFound", sc, err)
			}
		}
	})
}
