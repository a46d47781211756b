package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// TestInvoiceStatusTransitions walks the invoice and credit-note state machines: every move
// the design allows succeeds, every other is refused and changes nothing.
func TestInvoiceStatusTransitions(t *testing.T) {
	allowed := map[models.InvoiceKind]map[models.InvoiceStatus][]models.InvoiceStatus{
		models.KindInvoice: {
			models.StatusDraft:         {models.StatusOpen, models.StatusVoid},
			models.StatusOpen:          {models.StatusPaid, models.StatusVoid, models.StatusUncollectible},
			models.StatusUncollectible: {models.StatusPaid, models.StatusVoid},
			models.StatusPaid:          nil,
			models.StatusVoid:          nil,
		},
		models.KindCreditNote: {
			models.StatusIssued: {models.StatusVoid},
			models.StatusVoid:   nil,
		},
	}
	every := []models.InvoiceStatus{models.StatusDraft, models.StatusOpen, models.StatusPaid, models.StatusVoid, models.StatusUncollectible, models.StatusIssued}
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		credited, err := s.CreateInvoice(ctx, tn.merchant, actor, invoiceInput(tn.customer, "CREDITED"))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for kind, from := range allowed {
			for status, moves := range from {
				for _, to := range every {
					n++
					in := invoiceInput(tn.customer, fmt.Sprintf("T-%d", n))
					in.Kind, in.Status = kind, status
					if kind == models.KindCreditNote {
						in.CreditedInvoiceID = &credited.ID
						in.Lines = in.Lines[:1]
						in.Lines[0].UnitAmount = 100
					}
					inv, err := s.CreateInvoice(ctx, tn.merchant, actor, in)
					if err != nil {
						t.Fatalf("create %s %s: %v", status, kind, err)
					}
					want := false
					for _, m := range moves {
						want = want || m == to
					}
					got, err := s.UpdateInvoiceStatus(ctx, tn.merchant, actor, inv.ID, to)
					var (
						refused *models.StateError
						invalid *models.ValidationError // a status nothing moves to, such as draft
					)
					switch {
					case want && err != nil:
						t.Errorf("%s %s → %s: %v, want allowed", kind, status, to, err)
					case want && got.Status != to:
						t.Errorf("%s %s → %s: now %s", kind, status, to, got.Status)
					case !want && !errors.As(err, &refused) && !errors.As(err, &invalid):
						t.Errorf("%s %s → %s: %v, want it refused", kind, status, to, err)
					}
					if after, _ := s.GetInvoice(ctx, models.MerchantScope(tn.merchant), inv.ID); !want && after.Status != status {
						t.Errorf("%s %s → %s refused, yet the status is now %s", kind, status, to, after.Status)
					}
				}
			}
		}
	})
}

func TestCancelOption(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	periodEnd := now.AddDate(0, 0, 10)
	active := models.Subscription{Status: models.SubActive, CurrentPeriodEnd: periodEnd}
	scheduled := models.Subscription{Status: models.SubActive, CancelAtPeriodEnd: true, CurrentPeriodEnd: periodEnd}
	canceled := models.Subscription{Status: models.SubCanceled, CurrentPeriodEnd: periodEnd}
	for _, tc := range []struct {
		name string
		mode models.CancellationMode
		sub  models.Subscription
		at   time.Time
		want models.CancelOption
	}{
		{"active, at period end", models.CancelAtPeriodEnd, active, now, models.CancelOptionCancel},
		{"active, immediately", models.CancelImmediately, active, now, models.CancelOptionCancel},
		{"active, not allowed", models.CancelNotAllowed, active, now, models.CancelOptionContact},
		{"scheduled, before the end", models.CancelAtPeriodEnd, scheduled, now, models.CancelOptionResume},
		{"scheduled, not allowed: still undoable", models.CancelNotAllowed, scheduled, now, models.CancelOptionResume},
		{"scheduled, the period over", models.CancelAtPeriodEnd, scheduled, periodEnd, models.CancelOptionNone},
		{"canceled", models.CancelAtPeriodEnd, canceled, now, models.CancelOptionNone},
		{"canceled, not allowed", models.CancelNotAllowed, canceled, now, models.CancelOptionNone},
	} {
		m := models.Merchant{CancellationMode: tc.mode}
		if got := m.CancelOptionFor(&tc.sub, tc.at); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestPortalCancellation(t *testing.T) {
	for _, tc := range []struct {
		mode        models.CancellationMode
		atPeriodEnd bool
		err         error
	}{
		{models.CancelAtPeriodEnd, true, nil},
		{models.CancelImmediately, false, nil},
		{models.CancelNotAllowed, false, models.ErrCancelNotAllowed},
	} {
		m := models.Merchant{CancellationMode: tc.mode}
		c, err := m.PortalCancellation("too_expensive", "Budget")
		if !errors.Is(err, tc.err) || (err == nil && (c.AtPeriodEnd != tc.atPeriodEnd || c.Reason != "too_expensive" || c.Comment != "Budget")) {
			t.Errorf("%s: %+v, %v", tc.mode, c, err)
		}
		if m.CancelsAtPeriodEnd() != tc.atPeriodEnd {
			t.Errorf("%s: CancelsAtPeriodEnd = %t", tc.mode, !tc.atPeriodEnd)
		}
	}
}

func TestEditableProfile(t *testing.T) {
	m := models.Merchant{EditableFields: []string{"email", "address", "locale"}}
	for field, want := range map[string]bool{
		"name": false, "email": true, "phone": false, "tax_id": false,
		"address": true, "address.line1": true, "address.country": true,
		"preferred_locale": true, "locale": true, "external_id": false,
	} {
		if got := m.MayEdit(field); got != want {
			t.Errorf("MayEdit(%q) = %t, want %t", field, got, want)
		}
	}
	in := models.CustomerInput{
		ExternalID: ptr("x"), Name: ptr("Mallory"), Email: ptr("z@example.com"), Phone: ptr("+1 555"), TaxID: ptr("X"),
		PreferredLocale: ptr("de"), Address: &models.AddressInput{City: ptr("Köln")},
	}
	got, err := m.EditableProfile(in, &models.Customer{})
	if err != nil {
		t.Fatal(err)
	}
	if got.ExternalID != nil || got.Name != nil || got.Phone != nil || got.TaxID != nil {
		t.Errorf("kept a field the policy does not allow: %+v", got)
	}
	if got.Email == nil || *got.Email != "z@example.com" || got.PreferredLocale == nil || got.Address == nil || *got.Address.City != "Köln" {
		t.Errorf("dropped a field the policy allows: %+v", got)
	}
	if none, err := (&models.Merchant{}).EditableProfile(in, &models.Customer{}); err != nil || none != (models.CustomerInput{}) {
		t.Errorf("a merchant that allows nothing kept %+v (%v)", none, err)
	}
}

func TestProfileRequiresNameAndAnEmailOnceThereIsOne(t *testing.T) {
	all := models.Merchant{EditableFields: models.ProfileFields}
	withEmail, without := &models.Customer{Email: "zoe@example.com"}, &models.Customer{}
	for _, tc := range []struct {
		field string
		saved *models.Customer
		want  bool
	}{
		{"name", without, true}, {"email", withEmail, true}, {"email", without, false},
		{"phone", withEmail, false}, {"address.city", withEmail, false}, {"tax_id", withEmail, false},
	} {
		if got := all.ProfileRequires(tc.field, tc.saved); got != tc.want {
			t.Errorf("ProfileRequires(%q, email %q) = %t, want %t", tc.field, tc.saved.Email, got, tc.want)
		}
	}
	if (&models.Merchant{EditableFields: []string{"email"}}).ProfileRequires("name", without) {
		t.Error("a field the customer may not edit is required of them")
	}

	// Blanking a saved email is refused, with every other error of the form beside it.
	_, err := all.EditableProfile(models.CustomerInput{Name: ptr(""), Email: ptr(""), Phone: ptr("call me")}, withEmail)
	var invalid *models.ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("blank email: %v, want a validation error", err)
	}
	for field, code := range map[string]string{"email": "required", "name": "required", "phone": "invalid_phone"} {
		if f, ok := invalid.For(field); !ok || f.Code != code {
			t.Errorf("%s: %+v, want %s", field, f, code)
		}
	}
	// A customer without one may leave it empty; where the merchant keeps the email to
	// itself, the form's blank one is dropped, not refused.
	if got, err := all.EditableProfile(models.CustomerInput{Email: ptr("")}, without); err != nil || got.Email == nil {
		t.Errorf("no email saved, none given: %+v, %v", got, err)
	}
	if got, err := (&models.Merchant{EditableFields: []string{"phone"}}).EditableProfile(models.CustomerInput{Email: ptr("")}, withEmail); err != nil || got.Email != nil {
		t.Errorf("email not editable: %+v, %v", got, err)
	}
}
