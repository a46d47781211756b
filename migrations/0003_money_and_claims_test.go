package migrations_test

import (
	"testing"
	"time"

	"github.com/portico/portico/migrations"
)

// TestMoneyAndClaimsMigratesExistingRows writes rows as the schema before 0003 held them,
// then migrates: credit notes come off what their invoices owe, unfinished idempotency
// claims count as carried out, external IDs become NFC where that collides with nothing.
func TestMoneyAndClaimsMigratesExistingRows(t *testing.T) {
	beforeStep(t, "0003_money_and_claims", func(o olderSchema) {
		t, w, insert := o.t, o.w, o.insert
		now := time.Now().UTC()
		insert("merchants", map[string]any{"id": "mer_1", "slug": "acme", "name": "Acme", "default_locale": "en",
			"cancellation_mode": "period_end", "editable_fields": "", "created_at": now, "updated_at": now})
		for id, ext := range map[string]string{"cus_nfc": "zo\u00eb", "cus_nfd": "zoe\u0308", "cus_jose": "jose\u0301"} {
			insert("customers", map[string]any{"id": id, "merchant_id": "mer_1", "external_id": ext, "name": id, "created_at": now, "updated_at": now})
		}
		invoice := func(id, kind, status string, total, paid, due int64, credits *string) {
			insert("invoices", map[string]any{"id": id, "merchant_id": "mer_1", "customer_id": "cus_nfc", "kind": kind, "number": id,
				"credited_invoice_id": credits, "status": status, "currency": "EUR", "subtotal": total, "tax": 0, "total": total,
				"amount_paid": paid, "amount_refunded": 0, "amount_due": due, "issued_at": now, "created_at": now, "updated_at": now})
		}
		open, paid, overcredited := "inv_open", "inv_paid", "inv_over"
		invoice(open, "invoice", "open", 1000, 400, 600, nil)
		invoice("cn_1", "credit_note", "issued", 300, 0, 0, &open)
		invoice("cn_void", "credit_note", "void", 999, 0, 0, &open)
		invoice(paid, "invoice", "paid", 1000, 1000, 0, nil)
		invoice("cn_2", "credit_note", "issued", 200, 0, 0, &paid)
		invoice(overcredited, "invoice", "open", 10, 0, 10, nil)
		invoice("cn_3", "credit_note", "issued", 500000, 0, 0, &overcredited) // the 5,000.00 note against 10.00
		for key, status := range map[string]int{"finished": 201, "unfinished": 0} {
			insert("idempotency_records", map[string]any{"merchant_id": "mer_1", "key": key, "request_hash": []byte("h"), "status": status, "created_at": now})
		}

		if err := migrations.Up(w); err != nil {
			t.Fatal(err)
		}
		type money struct{ AmountCredited, AmountDue int64 }
		for id, want := range map[string]money{open: {300, 300}, paid: {200, 0}, overcredited: {10, 0}} {
			var got money
			if err := w.Table("invoices").Select("amount_credited", "amount_due").Where("id = ?", id).Take(&got).Error; err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: %+v, want %+v", id, got, want)
			}
		}
		type claim struct {
			LeasedUntil *time.Time
			CommittedAt *time.Time
		}
		for key, committed := range map[string]bool{"finished": false, "unfinished": true} {
			var got claim
			if err := w.Table("idempotency_records").Where("key = ?", key).Take(&got).Error; err != nil {
				t.Fatal(err)
			}
			if got.LeasedUntil == nil || (got.CommittedAt != nil) != committed {
				t.Errorf("%s: %+v, want a lease and committed %v", key, got, committed)
			}
		}
		for id, want := range map[string]string{"cus_nfc": "zo\u00eb", "cus_nfd": "zoe\u0308", "cus_jose": "jos\u00e9"} {
			var ext string
			if err := w.Table("customers").Select("external_id").Where("id = ?", id).Row().Scan(&ext); err != nil {
				t.Fatal(err)
			}
			if ext != want {
				t.Errorf("%s: external ID %q, want %q", id, ext, want)
			}
		}
	})
}
