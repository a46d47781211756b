package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

var actor = models.Actor{Type: models.ActorAPIKey, ID: "key_test", IP: "192.0.2.1", UserAgent: "test"}

func ptr[T any](v T) *T { return &v }

// tenant is a merchant with one customer, the starting point of most tests.
type tenant struct {
	merchant string
	customer string
}

func newTenant(t *testing.T, s *models.Store, name string) tenant {
	t.Helper()
	ctx := context.Background()
	m, err := s.CreateMerchant(ctx, name, "")
	if err != nil {
		t.Fatalf("create merchant: %v", err)
	}
	c, err := s.CreateCustomer(ctx, m.ID, actor, models.CustomerInput{Name: ptr("Zoë Müller"), ExternalID: ptr("ext-1"), Email: ptr("zoe@example.com")})
	if err != nil {
		t.Fatalf("create customer: %v", err)
	}
	return tenant{merchant: m.ID, customer: c.ID}
}

func invoiceInput(customer, number string) models.InvoiceInput {
	return models.InvoiceInput{
		CustomerRef: customer, Number: number, Currency: "EUR",
		Lines: []models.InvoiceLineInput{
			{Description: "Pro plan", Quantity: 1, UnitAmount: 4900, TaxRate: 1900},
			{Description: "Seats", Quantity: 3, UnitAmount: 333, TaxRate: 1900},
		},
	}
}

func subscriptionInput(customer string) models.SubscriptionInput {
	start := time.Now().UTC().Add(-24 * time.Hour)
	return models.SubscriptionInput{
		CustomerRef: customer, PlanName: ptr("Pro"), Currency: ptr("EUR"), UnitAmount: ptr(int64(4900)),
		Interval: ptr("month"), CurrentPeriodStart: &start, CurrentPeriodEnd: ptr(start.AddDate(0, 1, 0)),
	}
}

func TestEntitiesRoundTrip(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, models.WithDataKeys(dataKeys(t, 1))) // IBANs are sealed
		tn := newTenant(t, s, "Acme")
		sc := models.MerchantScope(tn.merchant)

		t.Run("customer", func(t *testing.T) {
			in := models.CustomerInput{Phone: ptr("+31 20 123 4567"), Address: &models.AddressInput{City: ptr("Łódź"), Country: ptr("PL")}, PreferredLocale: ptr("de")}
			if _, err := s.UpdateCustomer(ctx, tn.merchant, actor, "external:ext-1", in); err != nil {
				t.Fatal(err)
			}
			c, err := s.GetCustomer(ctx, tn.merchant, tn.customer)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != "Zoë Müller" || c.Phone != "+31 20 123 4567" || c.Address.City != "Łódź" || c.Address.Country != "PL" || c.PreferredLocale != "de" {
				t.Errorf("customer = %+v", c)
			}
			list, info, err := s.ListCustomers(ctx, tn.merchant, "zoe@example.com", models.Page{})
			if err != nil || len(list) != 1 || info.Total != 1 {
				t.Errorf("list = %d rows, %+v, %v", len(list), info, err)
			}
		})

		t.Run("contact", func(t *testing.T) {
			con, err := s.CreateContact(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), actor, models.ContactInput{Name: ptr("Anna"), Email: ptr("anna@example.com"), Role: ptr("Finance")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.UpdateContact(ctx, models.MerchantScope(tn.merchant).Customer("external:ext-1"), actor, con.ID, models.ContactInput{Phone: ptr("+49 30 1234567")}); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetContact(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), con.ID)
			if err != nil || got.Name != "Anna" || got.Phone != "+49 30 1234567" || got.Role != "Finance" {
				t.Fatalf("contact = %+v, %v", got, err)
			}
			if err := s.DeleteContact(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), actor, con.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.GetContact(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), con.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("deleted contact: err = %v", err)
			}
		})

		t.Run("invoice with lines", func(t *testing.T) {
			inv, err := s.CreateInvoice(ctx, tn.merchant, actor, invoiceInput(tn.customer, "INV-1"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.GetInvoice(ctx, sc, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			// 4900 + 3×333 = 5899; tax 19 %: 931 + 189.81→190 = 1121; total 7020.
			if got.Subtotal != 5899 || got.Tax != 1121 || got.Total != 7020 || got.AmountDue != 7020 || len(got.Lines) != 2 || got.Lines[1].Amount != 999 {
				t.Errorf("invoice = %+v", got)
			}
			if _, err := s.UpdateInvoiceStatus(ctx, tn.merchant, actor, inv.ID, models.StatusVoid); err != nil {
				t.Fatal(err)
			}
			list, _, err := s.ListInvoices(ctx, sc, models.InvoiceFilter{CustomerRef: "external:ext-1", Status: models.StatusVoid}, models.Page{})
			if err != nil || len(list) != 1 || list[0].AmountDue != 0 {
				t.Errorf("void list = %+v, %v", list, err)
			}
		})

		t.Run("payment settles invoice", func(t *testing.T) {
			inv, err := s.CreateInvoice(ctx, tn.merchant, actor, invoiceInput(tn.customer, "INV-2"))
			if err != nil {
				t.Fatal(err)
			}
			pay := func(kind models.PaymentKind, amount int64) error {
				_, err := s.CreatePayment(ctx, tn.merchant, actor, models.PaymentInput{CustomerRef: tn.customer, InvoiceID: &inv.ID, Kind: kind, Amount: amount, Currency: "EUR", Method: "card"})
				return err
			}
			if err := pay(models.KindPayment, 5000); err != nil {
				t.Fatal(err)
			}
			if err := pay(models.KindPayment, 3000); err == nil {
				t.Error("overpayment was accepted")
			}
			if err := pay(models.KindPayment, 2020); err != nil {
				t.Fatal(err)
			}
			if err := pay(models.KindRefund, 1000); err != nil {
				t.Fatal(err)
			}
			got, _ := s.GetInvoice(ctx, sc, inv.ID)
			if got.Status != models.StatusPaid || got.AmountPaid != 7020 || got.AmountDue != 0 || got.AmountRefunded != 1000 {
				t.Errorf("invoice after payments = %+v", got)
			}
			list, info, err := s.ListPayments(ctx, sc, models.PaymentFilter{InvoiceID: inv.ID}, models.Page{})
			if err != nil || info.Total != 3 || len(list) != 3 {
				t.Errorf("payments = %d, %v", info.Total, err)
			}
			// The invoice's page lists the same, without checking again that it may see it.
			for _, scope := range []models.Scope{sc, models.CustomerScope(tn.merchant, got.CustomerID)} {
				if mine, err := s.InvoicePayments(ctx, scope, got); err != nil || !reflect.DeepEqual(mine, list) {
					t.Errorf("%+v: invoice payments %+v, %v; want %+v", scope, mine, err, list)
				}
			}
			if theirs, err := s.InvoicePayments(ctx, models.MerchantScope("mer_other"), got); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("another merchant's scope: %+v, %v; want ErrNotFound", theirs, err)
			}
		})

		t.Run("subscription cancel and resume", func(t *testing.T) {
			sub, err := s.CreateSubscription(ctx, tn.merchant, actor, subscriptionInput(tn.customer))
			if err != nil {
				t.Fatal(err)
			}
			c := models.Cancellation{AtPeriodEnd: true, Reason: "too_expensive", Comment: "Budget cuts"}
			got, err := s.CancelSubscription(ctx, models.CustomerScope(tn.merchant, tn.customer), actor, sub.ID, c)
			if err != nil || !got.CancelAtPeriodEnd || got.Status != models.SubActive || got.CancellationReason != "too_expensive" {
				t.Fatalf("scheduled cancel = %+v, %v", got, err)
			}
			got, err = s.ResumeSubscription(ctx, sc, actor, sub.ID)
			if err != nil || got.CancelAtPeriodEnd || got.CanceledAt != nil || got.NextBillingAt() == nil {
				t.Fatalf("resume = %+v, %v", got, err)
			}
			got, err = s.CancelSubscription(ctx, sc, actor, sub.ID, models.Cancellation{})
			if err != nil || got.Status != models.SubCanceled || got.EndedAt == nil {
				t.Fatalf("immediate cancel = %+v, %v", got, err)
			}
			var stateErr *models.StateError
			if _, err := s.ResumeSubscription(ctx, sc, actor, sub.ID); !errors.As(err, &stateErr) {
				t.Errorf("resume of canceled: err = %v, want StateError", err)
			}
		})

		t.Run("entitlement", func(t *testing.T) {
			e, err := s.CreateEntitlement(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), actor, models.EntitlementInput{FeatureKey: ptr("seats"), Name: ptr("Seats"), Limit: ptr(int64(10))})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.UpdateEntitlement(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), actor, e.ID, models.EntitlementInput{Usage: ptr(int64(4))}); err != nil {
				t.Fatal(err)
			}
			list, err := s.ListEntitlements(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer))
			if err != nil || len(list) != 1 || *list[0].Usage != 4 || *list[0].Limit != 10 {
				t.Fatalf("entitlements = %+v, %v", list, err)
			}
			if err := s.DeleteEntitlement(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), actor, e.ID); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("payment details", func(t *testing.T) {
			_, err := s.SetPaymentDetails(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer), actor, models.PaymentDetailsInput{Method: models.MethodSEPADebit, AccountHolder: "Zoë", IBAN: "nl91 abna 0417 1643 00"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.GetPaymentDetails(ctx, models.MerchantScope(tn.merchant).Customer(tn.customer))
			if err != nil || got.IBAN != "NL91ABNA0417164300" || got.MaskedIBAN() != "NL91 •••• •••• •••• 00" {
				t.Fatalf("details = %+v (%s), %v", got, got.MaskedIBAN(), err)
			}
		})

		t.Run("merchant settings", func(t *testing.T) {
			mode := models.CancelImmediately
			m, err := s.UpdateMerchantSettings(ctx, tn.merchant, actor, models.MerchantSettings{AccentColor: ptr("#112233"), CancellationMode: &mode, EditableFields: &[]string{"email", "name", "email"}})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := s.GetMerchant(ctx, tn.merchant)
			if got.AccentColor != "#112233" || got.CancellationMode != mode || !got.MayEdit("email") || got.MayEdit("phone") || len(m.EditableFields) != 2 {
				t.Errorf("merchant = %+v", got)
			}
		})

		t.Run("merchant identity", func(t *testing.T) {
			before, _ := s.GetMerchant(ctx, tn.merchant)
			if !before.PoweredBy {
				t.Error("a new merchant hides \"Powered by Portico\"; it shows it until the merchant says otherwise")
			}
			_, err := s.UpdateMerchantSettings(ctx, tn.merchant, actor, models.MerchantSettings{
				Address: &models.AddressInput{Line1: ptr("Hauptstraße 1"), City: ptr("Berlin"), Country: ptr("DE")},
				VATID:   ptr("DE123456789"), FaviconURL: ptr("https://acme.example/icon.png"), PoweredBy: ptr(false),
			})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := s.GetMerchant(ctx, tn.merchant)
			if got.Address.City != "Berlin" || got.Address.Country != "DE" || got.VATID != "DE123456789" ||
				got.FaviconURL != "https://acme.example/icon.png" || got.PoweredBy || got.AccentColor != "#112233" {
				t.Errorf("merchant = %+v", got)
			}
			for _, bad := range []models.MerchantSettings{
				{FaviconURL: ptr("http://acme.example/icon.png")},
				{Address: &models.AddressInput{Country: ptr("Germany")}},
				{VATID: ptr(strings.Repeat("X", 33))},
			} {
				var invalid *models.ValidationError
				if _, err := s.UpdateMerchantSettings(ctx, tn.merchant, actor, bad); !errors.As(err, &invalid) {
					t.Errorf("%+v: %v, want a validation error", bad, err)
				}
			}
		})

		t.Run("api key", func(t *testing.T) {
			key, secret, err := s.CreateAPIKey(ctx, tn.merchant, "back office")
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.AuthenticateAPIKey(ctx, secret)
			if err != nil || got.ID != key.ID || got.MerchantID != tn.merchant {
				t.Fatalf("authenticate = %+v, %v", got, err)
			}
			if _, err := s.RevokeAPIKey(ctx, key.Prefix); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AuthenticateAPIKey(ctx, secret); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("revoked key authenticated: %v", err)
			}
		})

		t.Run("audit log", func(t *testing.T) {
			events, info, err := s.ListAuditEvents(ctx, tn.merchant, models.AuditFilter{CustomerID: tn.customer}, models.Page{PerPage: 100})
			if err != nil || info.Total < 10 {
				t.Fatalf("audit events = %d, %v", info.Total, err)
			}
			if events[0].ActorID != "key_test" || events[0].IP != "192.0.2.1" {
				t.Errorf("newest event = %+v", events[0])
			}
		})
	})
}

func TestUniqueViolationsAreTyped(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		other := newTenant(t, s, "Other")
		if _, err := s.CreateInvoice(ctx, tn.merchant, actor, invoiceInput(tn.customer, "INV-1")); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			err   error
			field string
		}{
			{"merchant slug", second(s.CreateMerchant(ctx, "Acme", "")), "slug"},
			{"customer external ID", second(s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: ptr("X"), ExternalID: ptr("ext-1")})), "external_id"},
			{"invoice number", second(s.CreateInvoice(ctx, tn.merchant, actor, invoiceInput(tn.customer, "INV-1"))), "number"},
		}
		for _, tc := range cases {
			var dup *models.DuplicateError
			if !errors.As(tc.err, &dup) || dup.Field != tc.field {
				t.Errorf("%s: err = %v, want DuplicateError on %s", tc.name, tc.err, tc.field)
			}
		}
		// Uniqueness is per merchant: another merchant may reuse the same values.
		if _, err := s.CreateInvoice(ctx, other.merchant, actor, invoiceInput(other.customer, "INV-1")); err != nil {
			t.Errorf("other merchant's INV-1: %v", err)
		}
	})
}

func second[T any](_ T, err error) error { return err }

func TestNoRowOfAnotherMerchant(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db)
		a := newTenant(t, s, "Merchant A")
		b := newTenant(t, s, "Merchant B")
		inv, err := s.CreateInvoice(ctx, a.merchant, actor, invoiceInput(a.customer, "A-1"))
		if err != nil {
			t.Fatal(err)
		}
		sub, err := s.CreateSubscription(ctx, a.merchant, actor, subscriptionInput(a.customer))
		if err != nil {
			t.Fatal(err)
		}
		con, err := s.CreateContact(ctx, models.MerchantScope(a.merchant).Customer(a.customer), actor, models.ContactInput{Name: ptr("Anna"), Email: ptr("anna@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		ent, err := s.CreateEntitlement(ctx, models.MerchantScope(a.merchant).Customer(a.customer), actor, models.EntitlementInput{FeatureKey: ptr("seats"), Name: ptr("Seats")})
		if err != nil {
			t.Fatal(err)
		}
		link, _, err := s.MintPortalLink(ctx, models.MerchantScope(a.merchant).Customer(a.customer), actor, models.PortalLinkInput{})
		if err != nil {
			t.Fatal(err)
		}
		pay, err := s.CreatePayment(ctx, a.merchant, actor, models.PaymentInput{CustomerRef: a.customer, Amount: 100, Currency: "EUR", Method: "card"})
		if err != nil {
			t.Fatal(err)
		}
		asB := models.MerchantScope(b.merchant)
		// B's own customer, scoped to B, must not see A's rows either.
		asBCustomer := models.CustomerScope(a.merchant, b.customer)
		for name, err := range map[string]error{
			"customer":              second(s.GetCustomer(ctx, b.merchant, a.customer)),
			"update customer":       second(s.UpdateCustomer(ctx, b.merchant, actor, a.customer, models.CustomerInput{Name: ptr("Mallory")})),
			"delete customer":       s.DeleteCustomer(ctx, b.merchant, actor, a.customer),
			"contact":               second(s.GetContact(ctx, models.MerchantScope(b.merchant).Customer(a.customer), con.ID)),
			"contact via own cust":  second(s.GetContact(ctx, models.MerchantScope(b.merchant).Customer(b.customer), con.ID)),
			"update contact":        second(s.UpdateContact(ctx, models.MerchantScope(b.merchant).Customer(b.customer), actor, con.ID, models.ContactInput{Name: ptr("X")})),
			"delete contact":        s.DeleteContact(ctx, models.MerchantScope(b.merchant).Customer(b.customer), actor, con.ID),
			"invoice":               second(s.GetInvoice(ctx, asB, inv.ID)),
			"invoice of other cust": second(s.GetInvoice(ctx, asBCustomer, inv.ID)),
			"invoice status":        second(s.UpdateInvoiceStatus(ctx, b.merchant, actor, inv.ID, models.StatusVoid)),
			"subscription":          second(s.GetSubscription(ctx, asB, sub.ID)),
			"cancel subscription":   second(s.CancelSubscription(ctx, asB, actor, sub.ID, models.Cancellation{})),
			"cancel other customer": second(s.CancelSubscription(ctx, asBCustomer, actor, sub.ID, models.Cancellation{})),
			"update subscription":   second(s.UpdateSubscription(ctx, b.merchant, actor, sub.ID, models.SubscriptionInput{PlanName: ptr("X")})),
			"entitlement update":    second(s.UpdateEntitlement(ctx, models.MerchantScope(b.merchant).Customer(b.customer), actor, ent.ID, models.EntitlementInput{Name: ptr("X")})),
			"entitlement delete":    s.DeleteEntitlement(ctx, models.MerchantScope(b.merchant).Customer(b.customer), actor, ent.ID),
			"payment":               second(s.GetPayment(ctx, asB, pay.ID)),
			"payment details":       second(s.GetPaymentDetails(ctx, models.MerchantScope(b.merchant).Customer(a.customer))),
			"portal links":          second3(s.ListPortalLinks(ctx, models.MerchantScope(b.merchant).Customer(a.customer), models.Page{})),
			"revoke portal link":    second(s.RevokePortalLink(ctx, asB, actor, link.ID)),
			"mint for A's customer": second3(s.MintPortalLink(ctx, models.MerchantScope(b.merchant).Customer(a.customer), actor, models.PortalLinkInput{})),
			"invoice for A's cust":  second(s.CreateInvoice(ctx, b.merchant, actor, invoiceInput(a.customer, "B-9"))),
		} {
			var invalid *models.ValidationError
			if !errors.Is(err, models.ErrNotFound) && !errors.As(err, &invalid) {
				t.Errorf("%s: err = %v, want not found", name, err)
			}
		}
		for name, list := range map[string]func() (int, error){
			"invoices of B": func() (int, error) {
				l, _, err := s.ListInvoices(ctx, asB, models.InvoiceFilter{}, models.Page{})
				return len(l), err
			},
			"payments of B": func() (int, error) {
				l, _, err := s.ListPayments(ctx, asB, models.PaymentFilter{}, models.Page{})
				return len(l), err
			},
			"subscriptions of B": func() (int, error) {
				l, _, err := s.ListSubscriptions(ctx, asB, models.SubscriptionFilter{}, models.Page{})
				return len(l), err
			},
			"A's invoices as B's customer": func() (int, error) {
				l, _, err := s.ListInvoices(ctx, asBCustomer, models.InvoiceFilter{}, models.Page{})
				return len(l), err
			},
		} {
			if n, err := list(); err != nil || n != 0 {
				t.Errorf("%s: %d rows, %v", name, n, err)
			}
		}
		// Both merchants use external ID ext-1: each must get its own customer.
		if c, err := s.GetCustomer(ctx, b.merchant, "external:ext-1"); err != nil || c.ID != b.customer {
			t.Errorf("B's external:ext-1 = %v, %v", c, err)
		}
		// Nothing of A's changed.
		if got, _ := s.GetCustomer(ctx, a.merchant, a.customer); got == nil || got.Name != "Zoë Müller" {
			t.Errorf("A's customer changed: %+v", got)
		}
		if got, _ := s.GetSubscription(ctx, models.MerchantScope(a.merchant), sub.ID); got == nil || got.Status != models.SubActive {
			t.Errorf("A's subscription changed: %+v", got)
		}
	})
}

func second3[A, B any](_ A, _ B, err error) error { return err }

func TestConcurrentWritersNeverSeeLockedDatabase(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		const writers = 50
		var wg sync.WaitGroup
		errs := make(chan error, writers*3)
		for i := range writers {
			wg.Go(func() {
				c, err := s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: ptr(fmt.Sprintf("Customer %d", i))})
				if err != nil {
					errs <- err
					return
				}
				inv, err := s.CreateInvoice(ctx, tn.merchant, actor, invoiceInput(c.ID, fmt.Sprintf("C-%d", i)))
				if err != nil {
					errs <- err
					return
				}
				// A read-modify-write transaction: with deferred transactions on SQLite this
				// is where "database is locked" appears.
				if _, err := s.CreatePayment(ctx, tn.merchant, actor, models.PaymentInput{CustomerRef: c.ID, InvoiceID: &inv.ID, Amount: inv.Total, Currency: "EUR", Method: "card"}); err != nil {
					errs <- err
				}
				if _, _, err := s.ListInvoices(ctx, models.MerchantScope(tn.merchant), models.InvoiceFilter{}, models.Page{}); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		_, info, _ := s.ListInvoices(ctx, models.MerchantScope(tn.merchant), models.InvoiceFilter{Status: models.StatusPaid}, models.Page{})
		if info.Total != writers {
			t.Errorf("paid invoices = %d, want %d", info.Total, writers)
		}
	})
}

// A read on PostgreSQL stops when its request is cancelled; on SQLite it runs to the end
// (see DB.readContext), which is what keeps the driver from stepping rows in a goroutine.
func TestReadsStopWithTheirRequestOnPostgres(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.GetCustomer(ctx, tn.merchant, tn.customer)
		if db.Dialect == models.Postgres && !errors.Is(err, context.Canceled) {
			t.Errorf("PostgreSQL read under a cancelled request: %v, want context.Canceled", err)
		}
		if db.Dialect == models.SQLite && err != nil {
			t.Errorf("SQLite read under a cancelled request: %v, want the customer", err)
		}
	})
}

// A list's total is right on every page, whether it came from counting or from a first page
// shorter than a page (which skips the count), and pages past the end are empty.
func TestListTotalsOnEveryPage(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db)
		ctx := context.Background()
		tn, other := newTenant(t, s, "Acme"), newTenant(t, s, "Other")
		for i := range 5 {
			if _, err := s.CreateInvoice(ctx, tn.merchant, actor, invoiceInput(tn.customer, fmt.Sprint("INV-", i))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CreateInvoice(ctx, other.merchant, actor, invoiceInput(other.customer, "X-1")); err != nil {
			t.Fatal(err)
		}
		for _, perPage := range []int{2, 5, 10} {
			for page := 1; page <= 4; page++ {
				rows, info, err := s.ListInvoices(ctx, models.MerchantScope(tn.merchant), models.InvoiceFilter{}, models.Page{Number: page, PerPage: perPage})
				if err != nil {
					t.Fatal(err)
				}
				want := min(max(5-(page-1)*perPage, 0), perPage)
				if len(rows) != want || info.Total != 5 {
					t.Errorf("%d a page, page %d: %d rows of %d, want %d of 5", perPage, page, len(rows), info.Total, want)
				}
			}
		}
	})
}
