package models_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// TestIBANsAreSealedAndSurviveKeyRotation: an IBAN on file is stored sealed (the masked
// form beside it), opens under rotated keys (new key first, old key still listed), and an
// IBAN kept in the clear from before is sealed by SealPaymentDetails.
func TestIBANsAreSealedAndSurviveKeyRotation(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		old := models.NewStore(db, models.WithDataKeys(dataKeys(t, 1)))
		tn := newTenant(t, old, "Acme")
		sc := models.MerchantScope(tn.merchant).Customer(tn.customer)
		const iban = "DE89370400440532013000"
		if _, err := old.SetPaymentDetails(ctx, sc, actor, models.PaymentDetailsInput{Method: models.MethodSEPADebit, AccountHolder: "Zoë", IBAN: "de89 3704 0044 0532 0130 00"}); err != nil {
			t.Fatal(err)
		}
		var raw struct {
			IBAN       string `gorm:"column:iban"`
			IBANSealed []byte `gorm:"column:iban_sealed"`
			IBANMasked string `gorm:"column:iban_masked"`
		}
		if err := db.Writer().Table("payment_details").Where("customer_id = ?", tn.customer).Take(&raw).Error; err != nil {
			t.Fatal(err)
		}
		if raw.IBAN != "" || len(raw.IBANSealed) == 0 || bytes.Contains(raw.IBANSealed, []byte("370400")) || raw.IBANMasked != "DE89 •••• •••• •••• •••• 00" {
			t.Fatalf("stored as %+v: the IBAN must be sealed, only its masked form readable", raw)
		}

		rotated := models.NewStore(db, models.WithDataKeys(dataKeys(t, 2, 1)))
		if got, err := rotated.GetPaymentDetails(ctx, sc); err != nil || got.IBAN != iban || got.MaskedIBAN() != raw.IBANMasked {
			t.Fatalf("after rotation: %+v, %v; want the old row to open", got, err)
		}
		dropped := models.NewStore(db, models.WithDataKeys(dataKeys(t, 2)))
		if got, err := dropped.GetPaymentDetails(ctx, sc); err != nil || got.IBAN != "" || got.MaskedIBAN() != raw.IBANMasked {
			t.Fatalf("with the sealing key dropped: %+v, %v; want no IBAN but the masked one", got, err)
		}

		// A row from before IBANs were sealed.
		if err := db.Writer().Exec("UPDATE payment_details SET iban = ?, iban_sealed = NULL, iban_masked = '' WHERE customer_id = ?", "NL91 ABNA 0417 1643 00", tn.customer).Error; err != nil {
			t.Fatal(err)
		}
		if n, err := rotated.SealPaymentDetails(ctx); err != nil || n != 1 {
			t.Fatalf("sealed %d rows, %v; want 1", n, err)
		}
		if n, _ := rotated.SealPaymentDetails(ctx); n != 0 {
			t.Errorf("a second run sealed %d rows again", n)
		}
		got, err := models.NewStore(db, models.WithDataKeys(dataKeys(t, 2))).GetPaymentDetails(ctx, sc)
		if err != nil || got.IBAN != "NL91ABNA0417164300" || got.MaskedIBAN() != "NL91 •••• •••• •••• 00" {
			t.Errorf("after sealing the clear row: %+v, %v", got, err)
		}
	})
}

func TestEPCPayload(t *testing.T) {
	account := models.BankAccount{AccountHolder: "Acme Cloud GmbH", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"}
	for _, tc := range []struct {
		name      string
		account   models.BankAccount
		amount    int64
		reference string
		want      string // "" for ErrNoTransferCode
	}{
		{"unstructured reference", account, 11662, "INV-0027", "BCD\n002\n1\nSCT\nCOBADEFFXXX\nAcme Cloud GmbH\nDE89370400440532013000\nEUR116.62\n\n\nINV-0027\nnote"},
		{"creditor reference", account, 5, "RF18 5390 0754 7034", "BCD\n002\n1\nSCT\nCOBADEFFXXX\nAcme Cloud GmbH\nDE89370400440532013000\nEUR0.05\n\nRF18539007547034\n\nnote"},
		{"RF with a wrong check", account, 100, "RF19 5390 0754 7034", "BCD\n002\n1\nSCT\nCOBADEFFXXX\nAcme Cloud GmbH\nDE89370400440532013000\nEUR1.00\n\n\nRF19 5390 0754 7034\nnote"},
		{"no BIC", models.BankAccount{AccountHolder: "A", IBAN: account.IBAN}, 100, "X", "BCD\n002\n1\nSCT\n\nA\nDE89370400440532013000\nEUR1.00\n\n\nX\nnote"},
		{"largest amount", account, 999_999_999_99, "X", "BCD\n002\n1\nSCT\nCOBADEFFXXX\nAcme Cloud GmbH\nDE89370400440532013000\nEUR999999999.99\n\n\nX\nnote"},
		{"too large", account, 999_999_999_99 + 1, "X", ""},
		{"nothing due", account, 0, "X", ""},
		{"no account", models.BankAccount{}, 100, "X", ""},
		{"reference too long", account, 100, strings.Repeat("x", 141), ""},
	} {
		got, err := models.EPCPayload(tc.account, tc.amount, tc.reference, "note")
		if tc.want == "" {
			if err != models.ErrNoTransferCode {
				t.Errorf("%s: %q, %v; want ErrNoTransferCode", tc.name, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s:\n got %q (%v)\nwant %q", tc.name, got, err, tc.want)
		}
	}
}

func TestMerchantBankAccountAndProviderValidation(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, models.WithDataKeys(dataKeys(t, 1)))
		tn := newTenant(t, s, "Acme")
		for _, tc := range []struct {
			name     string
			settings models.MerchantSettings
			field    string
		}{
			{"bad IBAN", models.MerchantSettings{BankAccount: &models.BankAccountInput{AccountHolder: "A", IBAN: "DE00 0000"}}, "bank_account.iban"},
			{"no holder", models.MerchantSettings{BankAccount: &models.BankAccountInput{IBAN: "DE89370400440532013000"}}, "bank_account.account_holder"},
			{"bad BIC", models.MerchantSettings{BankAccount: &models.BankAccountInput{AccountHolder: "A", IBAN: "DE89370400440532013000", BIC: "XX"}}, "bank_account.bic"},
			{"unknown placeholder", models.MerchantSettings{RemittanceFormat: ptr("{invoice}")}, "remittance_format"},
			{"secret key", models.MerchantSettings{PaymentProvider: &models.ProviderInput{Provider: "stripe", SecretKey: "sk_live_abcdefghijk", WebhookSecret: "whsec_abcdefghijk"}}, "stripe.secret_key"},
			{"no signing secret", models.MerchantSettings{PaymentProvider: &models.ProviderInput{Provider: "stripe", SecretKey: "rk_live_abcdefghijk"}}, "stripe.webhook_secret"},
		} {
			_, err := s.UpdateMerchantSettings(ctx, tn.merchant, actor, tc.settings)
			invalid, ok := err.(*models.ValidationError)
			if !ok {
				t.Errorf("%s: %v, want a validation error", tc.name, err)
				continue
			}
			if f, ok := invalid.For(tc.field); !ok || strings.Contains(f.Message, "abcdefghijk") {
				t.Errorf("%s: %v, want an error on %s that does not repeat the secret", tc.name, err, tc.field)
			}
		}
		if _, err := models.NewStore(db).UpdateMerchantSettings(ctx, tn.merchant, actor, models.MerchantSettings{
			PaymentProvider: &models.ProviderInput{Provider: "stripe", SecretKey: "rk_live_abcdefghijk", WebhookSecret: "whsec_abcdefghijk"},
		}); err == nil || !strings.Contains(err.Error(), "PORTICO_DATA_KEYS") {
			t.Errorf("without data keys: %v, want a refusal", err)
		}
	})
}

// TestProviderPaymentUnderConcurrency: many deliveries of one payment's events at once, in
// any order, record one payment and settle the invoice once, on both engines.
func TestProviderPaymentUnderConcurrency(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, models.WithDataKeys(dataKeys(t, 1)))
		tn := newTenant(t, s, "Acme")
		// Rounds, because the race that matters — a "processing" event inserting the payment
		// while a "succeeded" one for the same payment collides with it — is a matter of timing.
		for round := range 10 {
			inv, err := s.CreateInvoice(ctx, tn.merchant, actor, invoiceInput(tn.customer, fmt.Sprint("INV-", round)))
			if err != nil {
				t.Fatal(err)
			}
			paymentID := fmt.Sprint("pi_", round)
			event := func(kind models.ProviderEventKind) *models.ProviderEvent {
				return &models.ProviderEvent{Kind: kind, MerchantID: tn.merchant, CustomerID: tn.customer, InvoiceID: inv.ID,
					PaymentID: paymentID, Amount: inv.AmountDue, Currency: "EUR", Method: "sepa_debit"}
			}
			kinds := []models.ProviderEventKind{models.EventPaymentProcessing, models.EventPaymentSucceeded}
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Go(func() {
					if _, err := s.RecordProviderPayment(ctx, tn.merchant, "stripe", event(kinds[i%2])); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			payments, _, _ := s.ListPayments(ctx, models.MerchantScope(tn.merchant), models.PaymentFilter{InvoiceID: inv.ID}, models.Page{PerPage: 100})
			got, _ := s.GetInvoice(ctx, models.MerchantScope(tn.merchant), inv.ID)
			if len(payments) != 1 || payments[0].Status != models.PaymentSucceeded || got.Status != models.StatusPaid || got.AmountPaid != got.Total {
				t.Fatalf("round %d, 16 concurrent events: %d payments (%+v), invoice %s paid %d of %d", round, len(payments), payments, got.Status, got.AmountPaid, got.Total)
			}
			// A failure reported after the success changes nothing.
			if outcome, err := s.RecordProviderPayment(ctx, tn.merchant, "stripe", event(models.EventPaymentFailed)); err != nil || outcome != models.OutcomeUnchanged {
				t.Fatalf("round %d, failed after succeeded: %s, %v", round, outcome, err)
			}
		}
	})
}
