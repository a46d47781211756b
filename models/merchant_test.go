package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// TestMerchantCreditorID: the SEPA creditor identifier a mandate names is checked with its
// mod-97 digits, kept in one form however it was typed, and can be cleared.
func TestMerchantCreditorID(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx, s := context.Background(), models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		set := func(id string) (*models.Merchant, error) {
			return s.UpdateMerchantSettings(ctx, tn.merchant, actor, models.MerchantSettings{SEPACreditorID: &id})
		}
		if m, err := set(" de98 zzz0 9999 9999 99"); err != nil || m.SEPACreditorID != "DE98ZZZ09999999999" {
			t.Fatalf("valid: %+v, %v", m, err)
		}
		var invalid *models.ValidationError
		if _, err := set("DE97ZZZ09999999999"); !errors.As(err, &invalid) || invalid.Fields[0].Field != "sepa_creditor_id" {
			t.Errorf("wrong check digits: %v", err)
		}
		if m, _ := s.GetMerchant(ctx, tn.merchant); m.SEPACreditorID != "DE98ZZZ09999999999" {
			t.Errorf("a refused update changed it to %q", m.SEPACreditorID)
		}
		if m, err := set(""); err != nil || m.SEPACreditorID != "" {
			t.Errorf("clearing: %+v, %v", m, err)
		}
	})
}
