package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// demoSlug names the demo merchant; its presence is how loading knows what is there.
const demoSlug = "demo"

// demoCommand loads the demo merchant (once) and prints a fresh API key and portal link.
func demoCommand(ctx context.Context, e *env) error { return printDemo(ctx, e) }

func printDemo(ctx context.Context, e *env) error {
	m, err := loadDemo(ctx, e.store, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	_, secret, err := e.store.CreateAPIKey(ctx, m.ID, "demo")
	if err != nil {
		return err
	}
	url, _, err := mintLink(ctx, e, m.ID, models.ExternalRef+"demo-1", models.PortalLinkInput{
		ReturnURL: "https://acme.example/account",
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, `
  Demo merchant:  %s (%s)
  API key:        %s
  Portal link:    %s
  Sign in:        %s%s (as zoe@example.com)
  Mail:           %s

  Try the API:    curl -H "Authorization: Bearer %s" %s/v1/customers

`, m.Name, m.ID, secret, url, e.cfg.BaseURL, views.LoginURL(m.Slug), e.cfg.mailDestination(), secret, e.cfg.BaseURL)
	return nil
}

// loadDemo creates the demo merchant and its customers unless they exist. Each customer is
// keyed by its external ID, so running it again adds nothing.
func loadDemo(ctx context.Context, s *models.Store, now time.Time) (*models.Merchant, error) {
	m, err := s.FindMerchant(ctx, demoSlug)
	if errors.Is(err, models.ErrNotFound) {
		m, err = createDemoMerchant(ctx, s)
	}
	if err != nil {
		return nil, err
	}
	for _, c := range demoCustomers(now) {
		if _, err := s.GetCustomer(ctx, m.ID, models.ExternalRef+*c.customer.ExternalID); err == nil {
			continue
		} else if !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		if err := c.load(ctx, s, m.ID); err != nil {
			return nil, fmt.Errorf("customer %s: %w", *c.customer.ExternalID, err)
		}
	}
	return m, nil
}

func createDemoMerchant(ctx context.Context, s *models.Store) (*models.Merchant, error) {
	m, err := s.CreateMerchant(ctx, "Acme Cloud", demoSlug)
	if err != nil {
		return nil, err
	}
	accent, email, support := "#4338ca", "billing@acme.example", "https://acme.example/support"
	mode, emailLogin := models.CancelAtPeriodEnd, true
	return s.UpdateMerchantSettings(ctx, m.ID, models.SystemActor, models.MerchantSettings{
		AccentColor: &accent, SupportEmail: &email, SupportURL: &support, CancellationMode: &mode, EmailLogin: &emailLogin,
	})
}

// demoCustomer is one demo customer and everything they have.
type demoCustomer struct {
	customer      models.CustomerInput
	contacts      []models.ContactInput
	subscriptions []models.SubscriptionInput
	invoices      []demoInvoice
	entitlements  []models.EntitlementInput
	details       *models.PaymentDetailsInput
}

// demoInvoice is an invoice and how it was settled.
type demoInvoice struct {
	models.InvoiceInput
	paidBy   string // payment method when paid in full
	refund   int64  // refunded after payment
	credited bool   // a credit note follows, crediting it
}

func (d demoCustomer) load(ctx context.Context, s *models.Store, merchantID string) error {
	actor := models.SystemActor
	c, err := s.CreateCustomer(ctx, merchantID, actor, d.customer)
	if err != nil {
		return err
	}
	for _, in := range d.contacts {
		if _, err := s.CreateContact(ctx, models.MerchantScope(merchantID).Customer(c.ID), actor, in); err != nil {
			return err
		}
	}
	var subs []string
	for _, in := range d.subscriptions {
		in.CustomerRef = c.ID
		sub, err := s.CreateSubscription(ctx, merchantID, actor, in)
		if err != nil {
			return err
		}
		subs = append(subs, sub.ID)
	}
	for _, in := range d.invoices {
		if err := in.load(ctx, s, merchantID, c.ID); err != nil {
			return err
		}
	}
	for i, in := range d.entitlements {
		// The demo's storage entitlement comes with the second subscription.
		if i == 1 && len(subs) > 1 {
			in.SubscriptionID = &subs[1]
		}
		if _, err := s.CreateEntitlement(ctx, models.MerchantScope(merchantID).Customer(c.ID), actor, in); err != nil {
			return err
		}
	}
	if d.details != nil {
		if _, err := s.SetPaymentDetails(ctx, models.MerchantScope(merchantID).Customer(c.ID), actor, *d.details); err != nil {
			return err
		}
	}
	return nil
}

func (d demoInvoice) load(ctx context.Context, s *models.Store, merchantID, customerID string) error {
	actor := models.SystemActor
	d.CustomerRef = customerID
	inv, err := s.CreateInvoice(ctx, merchantID, actor, d.InvoiceInput)
	if err != nil {
		return err
	}
	if d.paidBy != "" {
		paidAt := inv.IssuedAt.AddDate(0, 0, 3)
		pay := models.PaymentInput{CustomerRef: customerID, InvoiceID: &inv.ID, Amount: inv.Total, Currency: inv.Currency, Method: d.paidBy, PaidAt: &paidAt}
		if _, err := s.CreatePayment(ctx, merchantID, actor, pay); err != nil {
			return err
		}
	}
	if d.refund > 0 {
		refundedAt := inv.IssuedAt.AddDate(0, 0, 10)
		refund := models.PaymentInput{CustomerRef: customerID, InvoiceID: &inv.ID, Kind: models.KindRefund, Amount: d.refund, Currency: inv.Currency, Method: d.paidBy, PaidAt: &refundedAt}
		if _, err := s.CreatePayment(ctx, merchantID, actor, refund); err != nil {
			return err
		}
	}
	if d.credited {
		issued := inv.IssuedAt.AddDate(0, 0, 10)
		note := models.InvoiceInput{
			CustomerRef: customerID, Kind: models.KindCreditNote, Number: "CN-" + inv.Number,
			CreditedInvoiceID: &inv.ID, Currency: inv.Currency, IssuedAt: &issued,
			Memo:  "Service credit for the outage on " + inv.IssuedAt.Format("2 January 2006") + ".",
			Lines: []models.InvoiceLineInput{{Description: "Service credit", Quantity: 1, UnitAmount: d.refund, TaxRate: 0}},
		}
		if _, err := s.CreateInvoice(ctx, merchantID, actor, note); err != nil {
			return err
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// demoCustomers is the demo's data, dated relative to now so it always looks current.
func demoCustomers(now time.Time) []demoCustomer {
	today := now.Truncate(24 * time.Hour)
	periodStart := today.AddDate(0, 0, -10)
	yearStart := today.AddDate(0, 0, -100)
	return []demoCustomer{
		{
			customer: models.CustomerInput{
				ExternalID: ptr("demo-1"), Name: ptr("Zoë Müller-Łukasiewicz"), Email: ptr("zoe@example.com"),
				Phone: ptr("+49 30 1234567"), TaxID: ptr("DE123456789"),
				Address: &models.AddressInput{Line1: ptr("Friedrichstraße 123"), PostalCode: ptr("10117"), City: ptr("Berlin"), Country: ptr("DE")},
			},
			contacts: []models.ContactInput{
				{Name: ptr("Anna Schmidt"), Email: ptr("anna.schmidt@example.com"), Role: ptr("Accounts payable")},
				{Name: ptr("Max Weber"), Email: ptr("max.weber@example.com"), Phone: ptr("+49 30 7654321"), Role: ptr("IT administrator")},
			},
			subscriptions: []models.SubscriptionInput{
				{PlanName: ptr("Pro plan"), Currency: ptr("EUR"), UnitAmount: ptr(int64(4900)), Interval: ptr("month"),
					CurrentPeriodStart: &periodStart, CurrentPeriodEnd: ptr(periodStart.AddDate(0, 1, 0))},
				{PlanName: ptr("Storage add-on, 500 GB"), Currency: ptr("EUR"), UnitAmount: ptr(int64(12000)), Interval: ptr("year"),
					CurrentPeriodStart: &yearStart, CurrentPeriodEnd: ptr(yearStart.AddDate(1, 0, 0))},
			},
			invoices: append(monthlyInvoices(periodStart, 24), demoInvoice{
				InvoiceInput: models.InvoiceInput{
					Number: "ACME-S-0001", Currency: "EUR", IssuedAt: &yearStart, DueAt: ptr(yearStart.AddDate(0, 0, 14)),
					PeriodStart: &yearStart, PeriodEnd: ptr(yearStart.AddDate(1, 0, 0)),
					Lines: []models.InvoiceLineInput{{Description: "Storage add-on, 500 GB (yearly)", Quantity: 1, UnitAmount: 12000, TaxRate: 1900}},
				},
				paidBy: "sepa_debit",
			}, demoInvoice{
				InvoiceInput: models.InvoiceInput{
					Number: "ACME-US-0001", Currency: "USD", IssuedAt: ptr(today.AddDate(0, -4, 0)), DueAt: ptr(today.AddDate(0, -4, 30)),
					Lines: []models.InvoiceLineInput{
						{Description: "Onboarding workshop (remote, half day)", Quantity: 1, UnitAmount: 95000},
						{Description: "Data migration", Quantity: 3, UnitAmount: 25000},
					},
				},
				paidBy: "card",
			}),
			entitlements: []models.EntitlementInput{
				{FeatureKey: ptr("seats"), Name: ptr("Team seats"), Limit: ptr(int64(10)), Usage: ptr(int64(7))},
				{FeatureKey: ptr("storage_gb"), Name: ptr("Storage (GB)"), Limit: ptr(int64(500)), Usage: ptr(int64(123))},
				{FeatureKey: ptr("api_calls"), Name: ptr("API calls per month"), Limit: ptr(int64(100000)), Usage: ptr(int64(45210))},
				{FeatureKey: ptr("sso"), Name: ptr("Single sign-on"), Value: ptr("enabled")},
			},
			details: &models.PaymentDetailsInput{Method: models.MethodSEPADebit, AccountHolder: "Zoë Müller-Łukasiewicz", IBAN: "DE89 3704 0044 0532 0130 00"},
		},
		{
			customer: models.CustomerInput{
				ExternalID: ptr("demo-2"), Name: ptr("Дмитрий Иванов"), Email: ptr("dmitry@example.com"), PreferredLocale: ptr("en"),
				Address: &models.AddressInput{Line1: ptr("Keizersgracht 1"), PostalCode: ptr("1015 CJ"), City: ptr("Amsterdam"), Country: ptr("NL")},
			},
			contacts: []models.ContactInput{{Name: ptr("Olga Petrova"), Email: ptr("olga@example.com"), Role: ptr("Finance")}},
			invoices: []demoInvoice{
				usdInvoice("ACME-US-0002", today.AddDate(0, -2, 0), 49000, "card"),
				usdInvoice("ACME-US-0003", today.AddDate(0, -1, 0), 49000, "card"),
				usdInvoice("ACME-US-0004", today.AddDate(0, 0, -3), 49000, ""),
			},
			details: &models.PaymentDetailsInput{Method: models.MethodCard, CardBrand: "visa", CardLast4: "4242", CardExpMonth: 8, CardExpYear: now.Year() + 2},
		},
		{
			customer: models.CustomerInput{
				ExternalID: ptr("demo-3"), Name: ptr("Jan de Vries"), Email: ptr("jan@example.nl"), PreferredLocale: ptr("nl"),
				Address: &models.AddressInput{Line1: ptr("Oudegracht 10"), PostalCode: ptr("3511 AP"), City: ptr("Utrecht"), Country: ptr("NL")},
			},
			contacts: []models.ContactInput{{Name: ptr("Sanne Bakker"), Email: ptr("sanne@example.nl"), Role: ptr("Office manager")}},
			invoices: []demoInvoice{
				{InvoiceInput: models.InvoiceInput{Number: "ACME-NL-0001", Currency: "EUR", IssuedAt: ptr(today.AddDate(0, -1, 0)), DueAt: ptr(today.AddDate(0, -1, 14)),
					Lines: []models.InvoiceLineInput{{Description: "Starter plan", Quantity: 1, UnitAmount: 1900, TaxRate: 2100}}}, paidBy: "bank_transfer"},
				{InvoiceInput: models.InvoiceInput{Number: "ACME-NL-0002", Currency: "EUR", IssuedAt: &today, DueAt: ptr(today.AddDate(0, 0, 14)),
					Lines: []models.InvoiceLineInput{{Description: "Starter plan", Quantity: 1, UnitAmount: 1900, TaxRate: 2100}}}},
			},
		},
	}
}

// monthlyInvoices is n months of Pro plan invoices ending with the current period: the
// latest open, the one before overdue, one void and one uncollectible in the past, and the
// rest paid (one of them partly refunded with a credit note).
func monthlyInvoices(current time.Time, n int) []demoInvoice {
	invoices := make([]demoInvoice, 0, n)
	for i := n - 1; i >= 0; i-- {
		start := current.AddDate(0, -i, 0)
		in := demoInvoice{InvoiceInput: models.InvoiceInput{
			Number:   fmt.Sprintf("ACME-%04d", n-i),
			Currency: "EUR", IssuedAt: &start, DueAt: ptr(start.AddDate(0, 0, 14)),
			PeriodStart: &start, PeriodEnd: ptr(start.AddDate(0, 1, 0)),
			Lines: []models.InvoiceLineInput{
				{Description: "Pro plan, " + start.Format("January 2006"), Quantity: 1, UnitAmount: 4900, TaxRate: 1900},
			},
		}}
		switch i {
		case 0: // the current month: open, due in two weeks
		case 1:
			in.DueAt = ptr(current.AddDate(0, 0, -5)) // overdue
		case 7:
			in.Status = models.StatusVoid
		case 13:
			in.Status = models.StatusUncollectible
		case 4:
			in.paidBy, in.refund, in.credited = "card", 1000, true
			in.Lines = append(in.Lines, models.InvoiceLineInput{Description: "Extra seats", Quantity: 3, UnitAmount: 800, TaxRate: 1900})
		default:
			in.paidBy = "sepa_debit"
		}
		invoices = append(invoices, in)
	}
	return invoices
}

func usdInvoice(number string, issued time.Time, amount int64, paidBy string) demoInvoice {
	return demoInvoice{
		InvoiceInput: models.InvoiceInput{
			Number: number, Currency: "USD", IssuedAt: &issued, DueAt: ptr(issued.AddDate(0, 0, 30)),
			PeriodStart: &issued, PeriodEnd: ptr(issued.AddDate(0, 1, 0)),
			Lines: []models.InvoiceLineInput{{Description: "Business plan", Quantity: 1, UnitAmount: amount}},
		},
		paidBy: paidBy,
	}
}
