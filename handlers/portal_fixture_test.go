package handlers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/portico/portico/handlers"
	"github.com/portico/portico/models"
)

func ptr[T any](v T) *T { return &v }

// billing is a portal fixture whose customer has a full account: 27 monthly invoices (one
// open, one overdue, the rest paid), a draft, a credit note, a USD invoice, a payment and a
// refund, two subscriptions, entitlements, a contact and a bank account. Another customer
// of the same merchant and a customer of another merchant have their own rows, so every
// page can be checked for leaks.
type billing struct {
	*portalFixture
	invoices      []*models.Invoice // INV-0001 … INV-0027, oldest first
	draft         *models.Invoice
	creditNote    *models.Invoice
	usd           *models.Invoice
	monthly       *models.Subscription
	contact       *models.Contact
	neighbour     foreignRows // another customer of the same merchant
	otherMerchant foreignRows // a customer of another merchant
}

// foreignRows are rows the fixture's customer must never see.
type foreignRows struct {
	invoice      *models.Invoice
	subscription *models.Subscription
	contact      *models.Contact
}

// fixtureStep fails the test on a fixture error.
func fixtureStep[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func newBilling(t testing.TB, db *models.DB, configure func(*handlers.Options)) *billing {
	t.Helper()
	f := &billing{portalFixture: newPortalFixture(t, db, configure)}
	ctx, s := context.Background(), f.store
	m, cus, sys := f.merchant.ID, f.customer.ID, models.SystemActor
	// A seller with an address, a VAT ID and a SEPA creditor identifier; a buyer with an
	// address and an email: what an invoice's header and a mandate show.
	fixtureStep[*models.Merchant](t)(s.UpdateMerchantSettings(ctx, m, sys, models.MerchantSettings{
		Address: &models.AddressInput{Line1: ptr("Hauptstraße 1"), PostalCode: ptr("10115"), City: ptr("Berlin"), Country: ptr("DE")},
		VATID:   ptr("DE123456789"), SEPACreditorID: ptr("DE98ZZZ09999999999"),
	}))
	f.customer = fixtureStep[*models.Customer](t)(s.UpdateCustomer(ctx, m, sys, cus, models.CustomerInput{
		Email:   ptr("zoe@example.com"),
		Address: &models.AddressInput{Line1: ptr("Keizersgracht 1"), PostalCode: ptr("1015 CJ"), City: ptr("Amsterdam"), Country: ptr("NL")},
	}))
	invoice := fixtureStep[*models.Invoice](t)
	now := time.Now().UTC()
	line := []models.InvoiceLineInput{{Description: "Pro plan", Quantity: 1, UnitAmount: 10000, TaxRate: 1900}}
	for i := 1; i <= 27; i++ {
		issued := now.AddDate(0, i-27, -1)
		in := models.InvoiceInput{
			CustomerRef: cus, Number: fmt.Sprintf("INV-%04d", i), Currency: "EUR", Status: models.StatusPaid,
			IssuedAt: &issued, DueAt: ptr(issued.AddDate(0, 0, 14)),
			PeriodStart: &issued, PeriodEnd: ptr(issued.AddDate(0, 1, 0)), Lines: line,
		}
		if i >= 26 {
			in.Status = models.StatusOpen // INV-0026 is past its due date: overdue
		}
		f.invoices = append(f.invoices, invoice(s.CreateInvoice(ctx, m, sys, in)))
	}
	f.draft = invoice(s.CreateInvoice(ctx, m, sys, models.InvoiceInput{
		CustomerRef: cus, Number: "INV-DRAFT", Currency: "EUR", Status: models.StatusDraft, Lines: line,
	}))
	f.creditNote = invoice(s.CreateInvoice(ctx, m, sys, models.InvoiceInput{
		CustomerRef: cus, Kind: models.KindCreditNote, Number: "CN-0001", Currency: "EUR",
		CreditedInvoiceID: &f.invoices[24].ID,
		Lines:             []models.InvoiceLineInput{{Description: "Goodwill credit", Quantity: 1, UnitAmount: 1000}},
	}))
	f.usd = invoice(s.CreateInvoice(ctx, m, sys, models.InvoiceInput{
		CustomerRef: cus, Number: "US-0001", Currency: "USD", IssuedAt: ptr(now.AddDate(0, 0, -2)),
		DueAt: ptr(now.AddDate(0, 0, 30)),
		Lines: []models.InvoiceLineInput{{Description: "Consulting", Quantity: 1, UnitAmount: 123456}},
	}))
	payment := fixtureStep[*models.Payment](t)
	payment(s.CreatePayment(ctx, m, sys, models.PaymentInput{
		CustomerRef: cus, InvoiceID: &f.invoices[26].ID, Kind: models.KindPayment, Status: models.PaymentSucceeded,
		Amount: 5000, Currency: "EUR", Method: "card",
	}))
	payment(s.CreatePayment(ctx, m, sys, models.PaymentInput{
		CustomerRef: cus, InvoiceID: &f.invoices[24].ID, Kind: models.KindRefund, Status: models.PaymentSucceeded,
		Amount: 1000, Currency: "EUR", Method: "sepa_debit",
	}))
	subscription := fixtureStep[*models.Subscription](t)
	f.monthly = subscription(s.CreateSubscription(ctx, m, sys, models.SubscriptionInput{
		CustomerRef: cus, PlanName: ptr("Pro plan"), Currency: ptr("EUR"), UnitAmount: ptr(int64(4900)),
		Interval: ptr("month"), CurrentPeriodStart: ptr(now.AddDate(0, 0, -10)), CurrentPeriodEnd: ptr(now.AddDate(0, 0, 20)),
	}))
	subscription(s.CreateSubscription(ctx, m, sys, models.SubscriptionInput{
		CustomerRef: cus, PlanName: ptr("Storage, 500 GB"), Currency: ptr("EUR"), UnitAmount: ptr(int64(12000)),
		Interval: ptr("year"), CurrentPeriodStart: ptr(now.AddDate(0, -2, 0)), CurrentPeriodEnd: ptr(now.AddDate(0, 10, 0)),
	}))
	entitlement := fixtureStep[*models.Entitlement](t)
	entitlement(s.CreateEntitlement(ctx, models.MerchantScope(m).Customer(cus), sys, models.EntitlementInput{
		FeatureKey: ptr("seats"), Name: ptr("Seats"), Limit: ptr(int64(10)), Usage: ptr(int64(3)),
	}))
	entitlement(s.CreateEntitlement(ctx, models.MerchantScope(m).Customer(cus), sys, models.EntitlementInput{
		FeatureKey: ptr("support"), Name: ptr("Support"), Value: ptr("Priority"),
	}))
	f.contact = fixtureStep[*models.Contact](t)(s.CreateContact(ctx, models.MerchantScope(m).Customer(cus), sys, models.ContactInput{
		Name: ptr("Ada Lovelace"), Email: ptr("ada@example.com"), Role: ptr("Accounts"),
	}))
	fixtureStep[*models.PaymentDetails](t)(s.SetPaymentDetails(ctx, models.MerchantScope(m).Customer(cus), sys, models.PaymentDetailsInput{
		Method: models.MethodSEPADebit, AccountHolder: "Zoë Müller", IBAN: "DE89 3704 0044 0532 0130 00",
	}))

	f.neighbour = foreignCustomer(t, s, m, "Y")
	other := fixtureStep[*models.Merchant](t)(s.CreateMerchant(ctx, "Other Shop", fmt.Sprintf("other-%d", fixtureMerchants.Add(1))))
	f.otherMerchant = foreignCustomer(t, s, other.ID, "Z")
	return f
}

// foreignCustomer makes a customer with an invoice, a subscription and a contact.
func foreignCustomer(t testing.TB, s *models.Store, merchantID, name string) foreignRows {
	t.Helper()
	ctx, sys := context.Background(), models.SystemActor
	cus := fixtureStep[*models.Customer](t)(s.CreateCustomer(ctx, merchantID, sys, models.CustomerInput{Name: ptr(name)}))
	return foreignRows{
		invoice: fixtureStep[*models.Invoice](t)(s.CreateInvoice(ctx, merchantID, sys, models.InvoiceInput{
			CustomerRef: cus.ID, Number: name + "-0001", Currency: "EUR",
			Lines: []models.InvoiceLineInput{{Description: "Secret work", Quantity: 1, UnitAmount: 777}},
		})),
		subscription: fixtureStep[*models.Subscription](t)(s.CreateSubscription(ctx, merchantID, sys, models.SubscriptionInput{
			CustomerRef: cus.ID, PlanName: ptr("Secret plan"), Currency: ptr("EUR"), UnitAmount: ptr(int64(100)),
			Interval: ptr("month"), CurrentPeriodStart: ptr(time.Now().AddDate(0, 0, -1)), CurrentPeriodEnd: ptr(time.Now().AddDate(0, 1, 0)),
		})),
		contact: fixtureStep[*models.Contact](t)(s.CreateContact(ctx, models.MerchantScope(merchantID).Customer(cus.ID), sys, models.ContactInput{
			Name: ptr("Secret contact"), Email: ptr("secret@example.com"),
		})),
	}
}

// signIn opens a fresh link for the fixture's customer, in lang when given.
func (f *billing) signIn(t testing.TB, lang string) *visitor {
	t.Helper()
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{Locale: lang})
	v := f.visitor()
	v.open(t, linkURL)
	return v
}
