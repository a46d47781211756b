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

// cacheFixture is a customer with an open invoice and a live portal session, and a second
// customer with a session and nothing billed, on a Store whose clock the test holds.
type cacheFixture struct {
	t     *testing.T
	db    *models.DB
	s     *models.Store
	now   *time.Time
	ctx   context.Context
	tn    tenant
	sc    models.Scope // the merchant's view of the customer
	inv   *models.Invoice
	link  *models.PortalLink
	a     *models.PortalAccess
	bare  *models.PortalAccess // the second customer's session
	other string               // a link of the second customer
}

func newCacheFixture(t *testing.T, db *models.DB) *cacheFixture {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	f := &cacheFixture{t: t, db: db, now: &now, ctx: context.Background()}
	f.s = f.store()
	f.tn = newTenant(t, f.s, "Acme")
	f.sc = models.MerchantScope(f.tn.merchant).Customer(f.tn.customer)
	inv, err := f.s.CreateInvoice(f.ctx, f.tn.merchant, actor, invoiceInput(f.tn.customer, "INV-1"))
	if err != nil {
		t.Fatal(err)
	}
	f.inv = inv
	f.link, f.a = f.open(f.sc)
	bare, err := f.s.CreateCustomer(f.ctx, f.tn.merchant, actor, models.CustomerInput{Name: ptr("Bare")})
	if err != nil {
		t.Fatal(err)
	}
	_, f.bare = f.open(models.MerchantScope(f.tn.merchant).Customer(bare.ID))
	if _, f.other, err = f.s.MintPortalLink(f.ctx, models.MerchantScope(f.tn.merchant).Customer(bare.ID), actor, models.PortalLinkInput{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// store is a Store over the fixture's database telling the fixture's time: another
// instance of Portico when it is not f.s.
func (f *cacheFixture) store() *models.Store {
	return models.NewStore(f.db, models.WithDataKeys(dataKeys(f.t, 1)), models.WithClock(func() time.Time { return *f.now }))
}

// open mints a link for the customer sc names and opens a session from it.
func (f *cacheFixture) open(sc models.Scope) (*models.PortalLink, *models.PortalAccess) {
	f.t.Helper()
	link, token, err := f.s.MintPortalLink(f.ctx, sc, actor, models.PortalLinkInput{})
	if err != nil {
		f.t.Fatal(err)
	}
	entry, err := f.s.OpenPortalLink(f.ctx, models.LinkOpening{Token: token})
	if err != nil {
		f.t.Fatal(err)
	}
	a, err := f.s.LoadPortalAccess(f.ctx, entry.Session.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return link, a
}

// access loads the session through s, as a portal request does.
func (f *cacheFixture) access(s *models.Store, a *models.PortalAccess) (*models.PortalAccess, error) {
	return s.LoadPortalAccess(f.ctx, a.Session.ID)
}

// invoices loads the first page of a tab of the customer's portal list through s.
func (f *cacheFixture) invoices(s *models.Store, filter models.InvoiceFilter) []models.Invoice {
	f.t.Helper()
	rows, _, err := s.ListCustomerInvoices(f.ctx, f.a.Scope(), filter, models.Page{Number: 1, PerPage: 25})
	if err != nil {
		f.t.Fatal(err)
	}
	return rows
}

// fill loads, through s, everything the caches hold in these tests.
func (f *cacheFixture) fill(s *models.Store) {
	f.t.Helper()
	for _, a := range []*models.PortalAccess{f.a, f.bare} {
		if _, err := f.access(s, a); err != nil {
			f.t.Fatal(err)
		}
	}
	f.invoices(s, models.InvoiceFilter{})
	f.invoices(s, models.InvoiceFilter{Kind: models.KindCreditNote})
	f.summary(s)
	f.entitlements(s)
	f.payability(s)
	f.years(s)
	if _, err := s.GetPaymentDetails(f.ctx, f.sc); !errors.Is(err, models.ErrNotFound) {
		f.t.Fatalf("payment details before any: %v, want ErrNotFound", err)
	}
}

// paymentDetails checks what the customer has on file, read through the Store under test.
func (f *cacheFixture) paymentDetails(check func(*models.PaymentDetails) bool) {
	f.t.Helper()
	p, err := f.s.GetPaymentDetails(f.ctx, f.sc)
	f.must(err)
	if !check(p) {
		f.t.Errorf("payment details %+v", p)
	}
}

// summary loads the customer's overview through s.
func (f *cacheFixture) summary(s *models.Store) *models.CustomerSummary {
	f.t.Helper()
	sum, err := s.SummarizeCustomer(f.ctx, f.a.Scope())
	f.must(err)
	return sum
}

// entitlements loads the customer's entitlements through s.
func (f *cacheFixture) entitlements(s *models.Store) []models.Entitlement {
	f.t.Helper()
	rows, err := s.ListEntitlements(f.ctx, f.a.Scope())
	f.must(err)
	return rows
}

// payability loads how the customer can pay through s.
func (f *cacheFixture) payability(s *models.Store) models.Payability {
	f.t.Helper()
	pb, err := s.Payability(f.ctx, f.a.Scope())
	f.must(err)
	return pb
}

// years loads the years of the customer's invoice archive through s.
func (f *cacheFixture) years(s *models.Store) []int {
	f.t.Helper()
	years, err := s.InvoiceYears(f.ctx, f.a.Scope())
	f.must(err)
	return years
}

// must fails the test on err.
func (f *cacheFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// pay records a payment or refund of the fixture's invoice through f.s.
func (f *cacheFixture) pay(kind models.PaymentKind, amount int64) {
	f.t.Helper()
	_, err := f.s.CreatePayment(f.ctx, f.tn.merchant, actor, models.PaymentInput{
		CustomerRef: f.tn.customer, InvoiceID: &f.inv.ID, Kind: kind, Amount: amount, Currency: "EUR", Method: "bank_transfer",
	})
	f.must(err)
}

// ended checks that the session a serves no more, for the reason want.
func (f *cacheFixture) ended(a *models.PortalAccess, want models.SessionEnd) {
	f.t.Helper()
	got, err := f.access(f.s, a)
	if !errors.Is(err, models.ErrSessionOver) || got.Ended != want {
		f.t.Errorf("session after the change: %v (ended %q), want it over: %s", err, got.Ended, want)
	}
}

// session checks the session a as the next request loads it.
func (f *cacheFixture) session(a *models.PortalAccess, check func(*models.PortalAccess) bool) {
	f.t.Helper()
	got, err := f.access(f.s, a)
	if err != nil || !check(got) {
		f.t.Errorf("session after the change: %v, %+v", err, got)
	}
}

// invoice checks the fixture's invoice as the next list shows it.
func (f *cacheFixture) invoice(check func(models.Invoice) bool) {
	f.t.Helper()
	rows := f.invoices(f.s, models.InvoiceFilter{})
	if len(rows) == 0 || !check(rows[len(rows)-1]) {
		f.t.Errorf("invoice list after the change: %+v", rows)
	}
}

// Every Store method that changes what the session and customer caches hold makes the next
// load see the change at once, without the clock moving on.
func TestCachesForgetWhatTheStoreChanges(t *testing.T) {
	cases := []struct {
		name   string
		change func(f *cacheFixture)
		check  func(f *cacheFixture)
	}{
		{"session ended",
			func(f *cacheFixture) { f.must(f.s.EndPortalSession(f.ctx, f.a, actor)) },
			func(f *cacheFixture) { f.ended(f.a, models.SessionSignedOut) }},
		{"session replaced by another link",
			func(f *cacheFixture) {
				_, err := f.s.OpenPortalLink(f.ctx, models.LinkOpening{Token: f.other, PreviousSession: f.a.Session.ID, Switch: true})
				f.must(err)
			},
			func(f *cacheFixture) { f.ended(f.a, models.SessionReplaced) }},
		{"link revoked",
			func(f *cacheFixture) {
				_, err := f.s.RevokePortalLink(f.ctx, f.sc, actor, f.link.ID)
				f.must(err)
			},
			func(f *cacheFixture) { f.ended(f.a, models.SessionRevoked) }},
		{"customer's links revoked",
			func(f *cacheFixture) {
				_, err := f.s.RevokeCustomerPortalLinks(f.ctx, f.sc, actor)
				f.must(err)
			},
			func(f *cacheFixture) { f.ended(f.a, models.SessionRevoked) }},
		{"new link invalidating the others",
			func(f *cacheFixture) {
				_, _, err := f.s.MintPortalLink(f.ctx, f.sc, actor, models.PortalLinkInput{InvalidateExisting: true})
				f.must(err)
			},
			func(f *cacheFixture) { f.ended(f.a, models.SessionRevoked) }},
		{"session locale",
			func(f *cacheFixture) { f.must(f.s.SetPortalSessionLocale(f.ctx, f.a, "fr")) },
			func(f *cacheFixture) {
				f.session(f.a, func(a *models.PortalAccess) bool { return a.Session.Locale == "fr" })
			}},
		{"flash set",
			func(f *cacheFixture) { f.must(f.s.SetPortalFlash(f.ctx, f.a, "Saved.")) },
			func(f *cacheFixture) {
				f.session(f.a, func(a *models.PortalAccess) bool { return a.Session.Flash == "Saved." })
			}},
		{"flash taken",
			func(f *cacheFixture) {
				f.must(f.s.SetPortalFlash(f.ctx, f.a, "Saved."))
				a, err := f.access(f.s, f.a)
				f.must(err)
				flash, err := f.s.TakePortalFlash(f.ctx, a)
				f.must(err)
				if flash != "Saved." {
					f.t.Fatalf("took %q", flash)
				}
			},
			func(f *cacheFixture) {
				f.session(f.a, func(a *models.PortalAccess) bool { return a.Session.Flash == "" })
			}},
		{"customer updated",
			func(f *cacheFixture) {
				_, err := f.s.UpdateCustomer(f.ctx, f.tn.merchant, actor, f.tn.customer, models.CustomerInput{Name: ptr("Zoë Schmidt"), PreferredLocale: ptr("de")})
				f.must(err)
			},
			func(f *cacheFixture) {
				f.session(f.a, func(a *models.PortalAccess) bool {
					return a.Customer.Name == "Zoë Schmidt" && a.Customer.PreferredLocale == "de"
				})
			}},
		{"customer deleted",
			func(f *cacheFixture) { f.must(f.s.DeleteCustomer(f.ctx, f.tn.merchant, actor, f.bare.Customer.ID)) },
			func(f *cacheFixture) {
				if _, err := f.access(f.s, f.bare); !errors.Is(err, models.ErrNotFound) {
					f.t.Errorf("session of a deleted customer: %v, want ErrNotFound", err)
				}
			}},
		{"merchant branding",
			func(f *cacheFixture) {
				_, err := f.s.UpdateMerchantSettings(f.ctx, f.tn.merchant, actor, models.MerchantSettings{Name: ptr("Acme Two"), AccentColor: ptr("#224466")})
				f.must(err)
			},
			func(f *cacheFixture) {
				f.session(f.bare, func(a *models.PortalAccess) bool {
					return a.Merchant.Name == "Acme Two" && a.Merchant.AccentColor == "#224466"
				})
			}},
		{"merchant policy",
			func(f *cacheFixture) {
				_, err := f.s.UpdateMerchantSettings(f.ctx, f.tn.merchant, actor, models.MerchantSettings{EditableFields: &[]string{}, CancellationMode: ptr(models.CancellationMode("not_allowed"))})
				f.must(err)
			},
			func(f *cacheFixture) {
				f.session(f.a, func(a *models.PortalAccess) bool {
					return len(a.Merchant.EditableFields) == 0 && a.Merchant.CancellationMode == "not_allowed"
				})
			}},
		{"invoice created",
			func(f *cacheFixture) {
				in := invoiceInput(f.tn.customer, "INV-2")
				in.IssuedAt = ptr(time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC))
				_, err := f.s.CreateInvoice(f.ctx, f.tn.merchant, actor, in)
				f.must(err)
			},
			func(f *cacheFixture) {
				if rows := f.invoices(f.s, models.InvoiceFilter{}); len(rows) != 2 {
					f.t.Errorf("%d invoices listed, want 2", len(rows))
				}
				if years := f.years(f.s); len(years) != 2 || years[1] != 2019 {
					f.t.Errorf("archive years %v, want 2019 among them", years)
				}
				if sum := f.summary(f.s); sum.Balances[0].AmountDue != 2*f.inv.AmountDue {
					f.t.Errorf("balance %+v, want both invoices due", sum.Balances)
				}
			}},
		{"subscription created",
			func(f *cacheFixture) {
				_, err := f.s.CreateSubscription(f.ctx, f.tn.merchant, actor, subscriptionInput(f.tn.customer))
				f.must(err)
			},
			func(f *cacheFixture) {
				if sum := f.summary(f.s); len(sum.Subscriptions) != 1 {
					f.t.Errorf("%d live subscriptions on the overview, want 1", len(sum.Subscriptions))
				}
			}},
		{"entitlement created",
			func(f *cacheFixture) {
				_, err := f.s.CreateEntitlement(f.ctx, f.sc, actor, models.EntitlementInput{FeatureKey: ptr("seats"), Name: ptr("Seats")})
				f.must(err)
			},
			func(f *cacheFixture) {
				if rows := f.entitlements(f.s); len(rows) != 1 {
					f.t.Errorf("%d entitlements, want the new one", len(rows))
				}
			}},
		{"payment details",
			func(f *cacheFixture) {
				_, err := f.s.SetPaymentDetails(f.ctx, f.sc, actor, models.PaymentDetailsInput{
					Method: models.MethodSEPADebit, AccountHolder: "Zoë", IBAN: "DE89370400440532013000", AutoCollect: ptr(true),
				})
				f.must(err)
			},
			func(f *cacheFixture) {
				if pb := f.payability(f.s); pb.Collection == nil || pb.Collection.Method != models.MethodSEPADebit {
					f.t.Errorf("collection %+v, want the new IBAN's", pb.Collection)
				}
				f.paymentDetails(func(p *models.PaymentDetails) bool { return p.IBAN == "DE89370400440532013000" })
			}},
		{"payment method saved by the provider",
			func(f *cacheFixture) {
				_, err := f.s.SetProviderPaymentDetails(f.ctx, f.sc, "stripe", models.SavedPaymentMethod{
					Method: models.MethodCard, ProviderCustomerID: "cus_stripe", ProviderMethodID: "pm_1", CardBrand: "visa", CardLast4: "4242", CardExpMonth: 12, CardExpYear: 2030,
				})
				f.must(err)
			},
			func(f *cacheFixture) {
				f.paymentDetails(func(p *models.PaymentDetails) bool { return p.Provider == "stripe" && p.CardLast4 == "4242" })
			}},
		{"merchant bank account",
			func(f *cacheFixture) {
				_, err := f.s.UpdateMerchantSettings(f.ctx, f.tn.merchant, actor, models.MerchantSettings{
					BankAccount: &models.BankAccountInput{AccountHolder: "Acme GmbH", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"},
				})
				f.must(err)
			},
			func(f *cacheFixture) {
				if pb := f.payability(f.s); pb.BankAccount.AccountHolder != "Acme GmbH" {
					f.t.Errorf("bank account %+v, want the merchant's new one", pb.BankAccount)
				}
			}},
		{"invoice updated",
			func(f *cacheFixture) {
				_, err := f.s.UpdateInvoice(f.ctx, f.tn.merchant, actor, f.inv.ID, models.InvoiceUpdate{PaymentURL: ptr("https://pay.example/1")})
				f.must(err)
			},
			func(f *cacheFixture) {
				f.invoice(func(inv models.Invoice) bool { return inv.PaymentURL == "https://pay.example/1" })
			}},
		{"invoice status",
			func(f *cacheFixture) {
				_, err := f.s.UpdateInvoiceStatus(f.ctx, f.tn.merchant, actor, f.inv.ID, models.StatusUncollectible)
				f.must(err)
			},
			func(f *cacheFixture) {
				f.invoice(func(inv models.Invoice) bool { return inv.Status == models.StatusUncollectible })
			}},
		{"invoice voided",
			func(f *cacheFixture) {
				_, err := f.s.UpdateInvoiceStatus(f.ctx, f.tn.merchant, actor, f.inv.ID, models.StatusVoid)
				f.must(err)
			},
			func(f *cacheFixture) {
				f.invoice(func(inv models.Invoice) bool { return inv.Status == models.StatusVoid })
			}},
		{"payment",
			func(f *cacheFixture) {
				f.pay(models.KindPayment, f.inv.AmountDue)
			},
			func(f *cacheFixture) {
				f.invoice(func(inv models.Invoice) bool { return inv.Status == models.StatusPaid && inv.AmountDue == 0 })
			}},
		{"refund",
			func(f *cacheFixture) {
				f.pay(models.KindPayment, f.inv.AmountDue)
				f.invoices(f.s, models.InvoiceFilter{}) // cached again, paid
				// The list shows nothing a refund changes: a change made behind the Store's
				// back shows whether the refund forgot the cached list.
				f.must(f.db.Writer().Table("invoices").Where("id = ?", f.inv.ID).Update("number", "INV-1-R").Error)
				f.pay(models.KindRefund, 100)
			},
			func(f *cacheFixture) {
				f.invoice(func(inv models.Invoice) bool { return inv.Number == "INV-1-R" })
			}},
		{"credit note",
			func(f *cacheFixture) {
				note := invoiceInput(f.tn.customer, "CN-1")
				note.Kind, note.CreditedInvoiceID, note.Lines = models.KindCreditNote, &f.inv.ID, note.Lines[:1]
				_, err := f.s.CreateInvoice(f.ctx, f.tn.merchant, actor, note)
				f.must(err)
			},
			func(f *cacheFixture) {
				if notes := f.invoices(f.s, models.InvoiceFilter{Kind: models.KindCreditNote}); len(notes) != 1 {
					f.t.Errorf("%d credit notes listed, want 1", len(notes))
				}
				f.invoice(func(inv models.Invoice) bool { return inv.AmountDue < f.inv.AmountDue })
			}},
		{"provider payment event",
			func(f *cacheFixture) {
				_, err := f.s.RecordProviderPayment(f.ctx, f.tn.merchant, "stripe", &models.ProviderEvent{
					Kind: models.EventPaymentSucceeded, MerchantID: f.tn.merchant, CustomerID: f.tn.customer, InvoiceID: f.inv.ID,
					PaymentID: "pi_1", Amount: f.inv.AmountDue, Currency: "EUR", Method: "card",
				})
				f.must(err)
			},
			func(f *cacheFixture) {
				f.invoice(func(inv models.Invoice) bool { return inv.Status == models.StatusPaid })
			}},
	}
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				db := db
				if tc.name != cases[0].name {
					db = freshDB(t, db)
				}
				f := newCacheFixture(t, db)
				f.fill(f.s)
				tc.change(f)
				tc.check(f)
			})
		}
	})
}

// freshDB is a new database of db's engine.
func freshDB(t *testing.T, db *models.DB) *models.DB {
	if db.Dialect == models.Postgres {
		return testdb.Postgres(t)
	}
	return testdb.SQLite(t)
}

// Another instance serves what it cached for at most a second of its clock: a link revoked
// and an invoice paid elsewhere show there a second later at the latest.
func TestCachesOfAnotherInstanceServeAtMostASecond(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newCacheFixture(t, db)
		other := f.store()
		f.fill(other)
		_, err := f.s.RevokePortalLink(f.ctx, f.sc, actor, f.link.ID)
		f.must(err)
		f.pay(models.KindPayment, f.inv.AmountDue)

		*f.now = f.now.Add(time.Second - time.Microsecond)
		if a, err := f.access(other, f.a); err != nil || f.invoices(other, models.InvoiceFilter{})[0].Status != models.StatusOpen {
			t.Errorf("within the second the other instance serves what it cached: %v, %+v", err, a)
		}
		*f.now = f.now.Add(time.Microsecond)
		if a, err := f.access(other, f.a); !errors.Is(err, models.ErrSessionOver) || a.Ended != models.SessionRevoked {
			t.Errorf("a second after the revocation, the other instance: %v, %+v", err, a)
		}
		if rows := f.invoices(other, models.InvoiceFilter{}); rows[0].Status != models.StatusPaid {
			t.Errorf("a second after the payment, the other instance lists %+v", rows[0])
		}
	})
}

// An API key is cached where requests authenticated with it: its revocation is seen at
// once by the instance that revoked it and within a second by the others, and its use is
// written at most once a minute however many requests the cache answers.
func TestAPIKeyCache(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newCacheFixture(t, db)
		key, secret, err := f.s.CreateAPIKey(f.ctx, f.tn.merchant, "back office")
		f.must(err)
		other := f.store()
		lastUsed := func() *time.Time {
			t.Helper()
			var k models.APIKey
			f.must(db.Writer().Where("id = ?", key.ID).Take(&k).Error)
			return k.LastUsedAt
		}
		first := *f.now
		for i := range 3 {
			for _, s := range []*models.Store{f.s, other} {
				k, err := s.AuthenticateAPIKey(f.ctx, secret)
				if err != nil || k.ID != key.ID {
					t.Fatalf("authenticate = %+v, %v", k, err)
				}
				f.must(s.TouchAPIKey(f.ctx, k.MerchantID, k))
			}
			if used := lastUsed(); used == nil || !used.Equal(first) {
				t.Fatalf("request %d: last used %v, want %v (the first use of the minute)", i, used, first)
			}
			*f.now = f.now.Add(10 * time.Millisecond)
		}

		_, err = f.s.RevokeAPIKey(f.ctx, key.Prefix)
		f.must(err)
		if _, err := f.s.AuthenticateAPIKey(f.ctx, secret); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the revoking instance still takes the key: %v", err)
		}
		*f.now = f.now.Add(time.Second - 30*time.Millisecond - time.Microsecond)
		if _, err := other.AuthenticateAPIKey(f.ctx, secret); err != nil {
			t.Errorf("within the second the other instance takes the key it cached: %v", err)
		}
		*f.now = f.now.Add(time.Microsecond)
		if _, err := other.AuthenticateAPIKey(f.ctx, secret); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a second after the revocation, the other instance takes the key: %v", err)
		}
	})
}

// Requests that miss the same entry at once share its load, and each still gets what the
// cache gives a request: a session and an overview of its own to change, and list rows to
// read and append to (their contract), none of which reaches the others or the cache.
func TestConcurrentMissesGetCopiesOfTheirOwn(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newCacheFixture(t, db)
		cold := f.store()
		errs := race(times(32, func() error {
			a, err := f.access(cold, f.a)
			if err != nil {
				return err
			}
			sum, err := cold.SummarizeCustomer(f.ctx, f.a.Scope())
			if err != nil {
				return err
			}
			rows, _, err := cold.ListCustomerInvoices(f.ctx, f.a.Scope(), models.InvoiceFilter{}, models.Page{Number: 1, PerPage: 25})
			if err != nil {
				return err
			}
			if a.Session.ID != f.a.Session.ID || sum.NextInvoice == nil || len(rows) != 1 || rows[0].Number != "INV-1" {
				return fmt.Errorf("loaded session %q, next invoice %v and %+v", a.Session.ID, sum.NextInvoice, rows)
			}
			a.Session.Flash = "changed by one request"
			sum.NextInvoice.Number = "changed by one request"
			_ = append(rows, models.Invoice{Number: "appended by one request"})
			return nil
		})...)
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if a, err := f.access(cold, f.a); err != nil || a.Session.Flash != "" {
			t.Errorf("the cached session after the requests: %v, flash %q", err, a.Session.Flash)
		}
		if next := f.summary(cold).NextInvoice; next == nil || next.Number != "INV-1" {
			t.Errorf("the cached overview after the requests: next invoice %+v", next)
		}
		if rows := f.invoices(cold, models.InvoiceFilter{}); len(rows) != 1 || rows[0].Number != "INV-1" {
			t.Errorf("the cached list after the requests: %+v", rows)
		}
	})
}
