package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// eventCatalog is what the OpenAPI document says of webhook events: each event type
// (x-webhooks) and the schema of the event it POSTs.
type eventCatalog struct {
	version string
	schemas map[string]*openapi3.Schema
}

func loadEventCatalog(t *testing.T, doc *openapi3.T) eventCatalog {
	t.Helper()
	raw, err := json.Marshal(doc.Extensions["x-webhooks"])
	if err != nil {
		t.Fatal(err)
	}
	var hooks map[string]struct {
		Post struct {
			RequestBody struct {
				Ref string `json:"$ref"`
			} `json:"requestBody"`
		} `json:"post"`
	}
	if err := json.Unmarshal(raw, &hooks); err != nil || len(hooks) == 0 {
		t.Fatalf("the document lists no webhook events (x-webhooks): %v", err)
	}
	c := eventCatalog{version: doc.Info.Version, schemas: map[string]*openapi3.Schema{}}
	for eventType, hook := range hooks {
		name, ok := strings.CutPrefix(hook.Post.RequestBody.Ref, "#/components/requestBodies/")
		body := doc.Components.RequestBodies[name]
		if !ok || body == nil {
			t.Fatalf("x-webhooks %s: the request body %q is not a component", eventType, hook.Post.RequestBody.Ref)
		}
		c.schemas[eventType] = body.Value.Content.Get("application/json").Schema.Value
	}
	return c
}

// eventChange is one change a scenario makes through the Store, and the event types it
// must announce, in any order: none for bookkeeping that is no resource's change.
type eventChange struct {
	method string // the Store method the change exercises
	want   []string
	// setup prepares what the change needs; what it announces does not count.
	setup func(t *testing.T)
	// change makes the change and returns the merchant whose events it announces.
	change func(t *testing.T) string
}

// storeReads are the Store's exported methods that change no row (or, for SigningSecrets
// and WebhookPolicy, none at all): every other one must be exercised by a change below.
var storeReads = []string{
	"AuthenticateAPIKey", "CanRenew", "CountInvoicesOfYear", "FindMerchant", "ForEachInvoiceOfYear", "GetContact",
	"GetCustomer", "GetCustomerInvoice", "GetInvoice", "GetMerchant", "GetPayment", "GetPaymentDetails", "GetPaymentProvider",
	"GetSubscription", "GetWebhookEndpoint", "InvoiceNumbers", "InvoicePayments", "InvoiceYears", "ListAuditEvents",
	"ListContacts", "ListCustomerInvoices",
	"ListCustomers", "ListEmails", "ListEntitlements", "ListInvoices", "ListOutboxEvents", "ListPayments", "ListPortalLinks",
	"ListSubscriptions", "ListWebhookDeliveries", "ListWebhookEndpoints", "MerchantResource", "Now", "OldestPendingEmail",
	"OldestPendingWebhookDelivery", "OpenPaymentProvider", "Payability", "Ready", "SignInMerchant", "SigningSecrets",
	"SummarizeCustomer", "WebhookPolicy",
}

// Every change the Store makes to a resource announces exactly the events the OpenAPI
// document lists for it (and bookkeeping announces nothing); every documented event is
// announced by some change; each event validates against its documented schema, carries
// the API version, and holds no secret; and its data is the resource exactly as the API's
// GET shows it right after the change.
func TestEveryChangeAnnouncesItsDocumentedEvent(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		a := newApp(t, db)
		catalog := loadEventCatalog(t, a.contract(t).doc)
		if catalog.version != models.APIVersion {
			t.Errorf("the document is API version %s, events say %s", catalog.version, models.APIVersion)
		}
		m, secret := merchantWithKey(t, a.store, "Acme")
		api := a.api(secret)
		secrets := []string{secret}
		changes := storeChanges(t, a, m, &secrets)

		exercised := map[string]bool{}
		announced := map[string]bool{}
		for _, ch := range changes {
			exercised[ch.method] = true
			t.Run(ch.method, func(t *testing.T) {
				if ch.setup != nil {
					ch.setup(t)
				}
				before := eventIDs(t, a.store, m.ID)
				merchant := ch.change(t)
				var got []string
				for _, e := range newEvents(t, a.store, merchant, before) {
					got = append(got, e.Type)
					announced[e.Type] = true
					checkEvent(t, catalog, &e, secrets)
					checkMatchesAPI(t, api, &e)
				}
				slices.Sort(got)
				want := slices.Sorted(slices.Values(ch.want))
				if !slices.Equal(got, want) {
					t.Errorf("announced %v, want %v", got, want)
				}
				for _, eventType := range want {
					if catalog.schemas[eventType] == nil {
						t.Errorf("%s is not documented in the OpenAPI document's x-webhooks", eventType)
					}
				}
			})
		}

		for eventType := range catalog.schemas {
			if !announced[eventType] {
				t.Errorf("the document lists %s, but no change announced it", eventType)
			}
		}
		store := reflect.TypeFor[*models.Store]()
		for i := range store.NumMethod() {
			name := store.Method(i).Name
			if !exercised[name] && !slices.Contains(storeReads, name) {
				t.Errorf("Store.%s is neither a read (storeReads) nor a change this test makes: add it to one, with the events it announces", name)
			}
		}
	})
}

// storeChanges is every kind of change the Store makes, in an order that builds on itself.
// The secrets they hand out, which no event may hold, are added to secrets.
func storeChanges(t *testing.T, a *app, m *models.Merchant, secrets *[]string) []eventChange {
	ctx, s, actor := context.Background(), a.store, models.SystemActor
	on := func(t *testing.T, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	str := func(v string) *string { return &v }
	const iban, payee = "DE89370400440532013000", "GB82WEST12345698765432"
	*secrets = append(*secrets, iban, "NL91ABNA0417164300")
	var (
		key                  *models.APIKey
		endpoint, doomed     *models.WebhookEndpoint
		customer, contact    string
		entitlement          string
		subscription, lapsed string
		invoice, note, bad   string
		portalPaid           string
		token                string
		link                 *models.PortalLink
		access               *models.PortalAccess
		claim                *models.IdempotencyClaim
		delivery             []models.ClaimedDelivery
		emails               []models.ClaimedEmail
	)
	newCustomer := func(t *testing.T) string {
		c, err := s.CreateCustomer(ctx, m.ID, actor, models.CustomerInput{Name: str("Zoë")})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	newInvoice := func(t *testing.T, number string, status models.InvoiceStatus) string {
		inv, err := s.CreateInvoice(ctx, m.ID, actor, models.InvoiceInput{
			CustomerRef: customer, Number: number, Status: status, Currency: "EUR",
			DueAt: new(time.Now().AddDate(0, 0, 14)), Lines: []models.InvoiceLineInput{{Description: "Seat", Quantity: 2, UnitAmount: 5000}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return inv.ID
	}
	pay := func(kind models.PaymentKind, amount int64) func(t *testing.T) string {
		return func(t *testing.T) string {
			_, err := s.CreatePayment(ctx, m.ID, actor, models.PaymentInput{CustomerRef: customer, InvoiceID: &invoice, Kind: kind, Amount: amount, Currency: "EUR", Method: "card"})
			return on(t, err)
		}
	}
	moveInvoice := func(id *string, to models.InvoiceStatus) func(t *testing.T) string {
		return func(t *testing.T) string {
			_, err := s.UpdateInvoiceStatus(ctx, m.ID, actor, *id, to)
			return on(t, err)
		}
	}
	providerPayment := func(kind models.ProviderEventKind) func(t *testing.T) string {
		return func(t *testing.T) string {
			_, err := s.RecordProviderPayment(ctx, m.ID, "stripe", &models.ProviderEvent{
				ID: "evt_" + string(kind), Kind: kind, MerchantID: m.ID, CustomerID: customer, InvoiceID: portalPaid,
				PaymentID: "pi_1", Amount: 10000, Currency: "EUR", Method: "sepa_debit",
			})
			return on(t, err)
		}
	}
	subscriptionInput := models.SubscriptionInput{
		PlanName: str("Pro"), Currency: str("EUR"), UnitAmount: new(int64(4900)), Interval: str("month"),
		CurrentPeriodStart: new(time.Now().AddDate(0, 0, -1)), CurrentPeriodEnd: new(time.Now().AddDate(0, 1, 0)),
	}
	details := func(iban string) func(t *testing.T) string {
		return func(t *testing.T) string {
			_, err := s.SetPaymentDetails(ctx, models.MerchantScope(m.ID).Customer(customer), actor,
				models.PaymentDetailsInput{Method: models.MethodSEPADebit, AccountHolder: "Zoë", IBAN: iban})
			return on(t, err)
		}
	}
	changes := []eventChange{
		{method: "CreateAPIKey", want: []string{"api_key.created"}, change: func(t *testing.T) string {
			var secret string
			var err error
			key, secret, err = s.CreateAPIKey(ctx, m.ID, "billing")
			*secrets = append(*secrets, secret)
			return on(t, err)
		}},
		// Using a key is no change of it worth announcing.
		{method: "TouchAPIKey", change: func(t *testing.T) string { return on(t, s.TouchAPIKey(ctx, m.ID, key)) }},
		{method: "RevokeAPIKey", want: []string{"api_key.revoked"}, change: func(t *testing.T) string {
			_, err := s.RevokeAPIKey(ctx, key.Prefix)
			return on(t, err)
		}},
		{method: "UpdateMerchantSettings", want: []string{"merchant.updated"}, change: func(t *testing.T) string {
			_, err := s.UpdateMerchantSettings(ctx, m.ID, actor, models.MerchantSettings{AccentColor: str("#4338ca")})
			return on(t, err)
		}},
		{method: "UpdateMerchantSettings", want: []string{"merchant.updated"}, change: func(t *testing.T) string {
			*secrets = append(*secrets, "rk_test_EventsSecretKey42", "whsec_EventsSigning42", payee)
			_, err := s.UpdateMerchantSettings(ctx, m.ID, actor, models.MerchantSettings{
				BankAccount:     &models.BankAccountInput{AccountHolder: "Acme GmbH", IBAN: payee},
				PaymentProvider: &models.ProviderInput{Provider: "stripe", SecretKey: "rk_test_EventsSecretKey42", WebhookSecret: "whsec_EventsSigning42"},
			})
			return on(t, err)
		}},
		// A new merchant has no endpoint that could hear of it.
		{method: "CreateMerchant", change: func(t *testing.T) string {
			other, err := s.CreateMerchant(ctx, "Other", "other-"+strings.ToLower(m.ID[4:]))
			on(t, err)
			return other.ID
		}},
		{method: "CreateWebhookEndpoint", want: []string{"webhook_endpoint.created"}, change: func(t *testing.T) string {
			var err error
			endpoint, err = s.CreateWebhookEndpoint(ctx, m.ID, actor, "https://hooks.acme.example/portico/t0ken?key=s3cret")
			*secrets = append(*secrets, endpoint.Secret, "t0ken", "s3cret")
			return on(t, err)
		}},
		{method: "UpdateWebhookEndpoint", want: []string{"webhook_endpoint.updated"}, change: func(t *testing.T) string {
			_, err := s.UpdateWebhookEndpoint(ctx, m.ID, actor, endpoint.ID, models.WebhookEndpointInput{URL: str("https://hooks.acme.example/portico/t0ken?key=s3cret&v=2")})
			return on(t, err)
		}},
		{method: "RotateWebhookSecret", want: []string{"webhook_endpoint.secret_rotated"}, change: func(t *testing.T) string {
			rotated, err := s.RotateWebhookSecret(ctx, m.ID, actor, endpoint.ID)
			*secrets = append(*secrets, rotated.Secret)
			return on(t, err)
		}},
		{method: "CreateCustomer", want: []string{"customer.created"}, change: func(t *testing.T) string {
			customer = newCustomer(t)
			return m.ID
		}},
		{method: "UpdateCustomer", want: []string{"customer.updated"}, change: func(t *testing.T) string {
			_, err := s.UpdateCustomer(ctx, m.ID, actor, customer, models.CustomerInput{Email: str("zoe@example.com")})
			return on(t, err)
		}},
		{method: "CreateContact", want: []string{"contact.created"}, change: func(t *testing.T) string {
			c, err := s.CreateContact(ctx, models.MerchantScope(m.ID).Customer(customer), actor, models.ContactInput{Name: str("Ada"), Email: str("ada@example.com")})
			contact = c.ID
			return on(t, err)
		}},
		{method: "UpdateContact", want: []string{"contact.updated"}, change: func(t *testing.T) string {
			_, err := s.UpdateContact(ctx, models.MerchantScope(m.ID).Customer(customer), actor, contact, models.ContactInput{Role: str("Finance")})
			return on(t, err)
		}},
		{method: "DeleteContact", want: []string{"contact.deleted"}, change: func(t *testing.T) string {
			return on(t, s.DeleteContact(ctx, models.MerchantScope(m.ID).Customer(customer), actor, contact))
		}},
		{method: "CreateEntitlement", want: []string{"entitlement.created"}, change: func(t *testing.T) string {
			e, err := s.CreateEntitlement(ctx, models.MerchantScope(m.ID).Customer(customer), actor, models.EntitlementInput{FeatureKey: str("seats"), Name: str("Seats")})
			entitlement = e.ID
			return on(t, err)
		}},
		{method: "UpdateEntitlement", want: []string{"entitlement.updated"}, change: func(t *testing.T) string {
			_, err := s.UpdateEntitlement(ctx, models.MerchantScope(m.ID).Customer(customer), actor, entitlement, models.EntitlementInput{Usage: new(int64(3))})
			return on(t, err)
		}},
		{method: "DeleteEntitlement", want: []string{"entitlement.deleted"}, change: func(t *testing.T) string {
			return on(t, s.DeleteEntitlement(ctx, models.MerchantScope(m.ID).Customer(customer), actor, entitlement))
		}},
		{method: "SetPaymentDetails", want: []string{"payment_details.created"}, change: details(iban)},
		{method: "SetPaymentDetails", want: []string{"payment_details.updated"}, change: details("NL91 ABNA 0417 1643 00")},
		{method: "CreateSubscription", want: []string{"subscription.created"}, change: func(t *testing.T) string {
			in := subscriptionInput
			in.CustomerRef = customer
			sub, err := s.CreateSubscription(ctx, m.ID, actor, in)
			subscription = sub.ID
			return on(t, err)
		}},
		{method: "UpdateSubscription", want: []string{"subscription.updated"}, change: func(t *testing.T) string {
			_, err := s.UpdateSubscription(ctx, m.ID, actor, subscription, models.SubscriptionInput{PlanName: str("Pro plus")})
			return on(t, err)
		}},
		{method: "CancelSubscription", want: []string{"subscription.cancel_scheduled"}, change: func(t *testing.T) string {
			_, err := s.CancelSubscription(ctx, models.CustomerScope(m.ID, customer), actor, subscription, models.Cancellation{AtPeriodEnd: true, Reason: "unused"})
			return on(t, err)
		}},
		{method: "ResumeSubscription", want: []string{"subscription.resumed"}, change: func(t *testing.T) string {
			_, err := s.ResumeSubscription(ctx, models.CustomerScope(m.ID, customer), actor, subscription)
			return on(t, err)
		}},
		{method: "CancelSubscription", want: []string{"subscription.canceled"}, change: func(t *testing.T) string {
			_, err := s.CancelSubscription(ctx, models.MerchantScope(m.ID), actor, subscription, models.Cancellation{})
			return on(t, err)
		}},
		{method: "CreateInvoice", want: []string{"invoice.created"}, change: func(t *testing.T) string {
			invoice = newInvoice(t, "INV-1", models.StatusDraft)
			return m.ID
		}},
		{method: "UpdateInvoiceStatus", want: []string{"invoice.opened"}, change: moveInvoice(&invoice, models.StatusOpen)},
		{method: "CreatePayment", want: []string{"payment.created", "invoice.updated"}, change: pay(models.KindPayment, 4000)},
		{method: "CreateInvoice", want: []string{"credit_note.created", "invoice.updated"}, change: func(t *testing.T) string {
			cn, err := s.CreateInvoice(ctx, m.ID, actor, models.InvoiceInput{
				CustomerRef: customer, Kind: models.KindCreditNote, Number: "CN-1", Currency: "EUR", CreditedInvoiceID: &invoice,
				Lines: []models.InvoiceLineInput{{Description: "Goodwill", Quantity: 1, UnitAmount: 1000}},
			})
			note = cn.ID
			return on(t, err)
		}},
		{method: "UpdateInvoiceStatus", want: []string{"credit_note.voided", "invoice.updated"}, change: moveInvoice(&note, models.StatusVoid)},
		{method: "CreatePayment", want: []string{"payment.created", "invoice.paid"}, change: pay(models.KindPayment, 6000)},
		{method: "CreatePayment", want: []string{"refund.created", "invoice.updated"}, change: pay(models.KindRefund, 1000)},
		{method: "UpdateInvoice", want: []string{"invoice.updated"},
			setup: func(t *testing.T) { bad = newInvoice(t, "INV-2", models.StatusOpen) },
			change: func(t *testing.T) string {
				_, err := s.UpdateInvoice(ctx, m.ID, actor, bad, models.InvoiceUpdate{Memo: str("Thanks"), PaymentURL: str("https://pay.acme.example/inv-2")})
				return on(t, err)
			}},
		{method: "UpdateInvoiceStatus", want: []string{"invoice.marked_uncollectible"}, change: moveInvoice(&bad, models.StatusUncollectible)},
		{method: "UpdateInvoiceStatus", want: []string{"invoice.voided"}, change: moveInvoice(&bad, models.StatusVoid)},
		// A customer pays in the portal through the merchant's Stripe: a SEPA debit is under
		// way, then it succeeds and settles the invoice.
		{method: "RecordProviderPayment", want: []string{"payment.created"},
			setup:  func(t *testing.T) { portalPaid = newInvoice(t, "INV-3", models.StatusOpen) },
			change: providerPayment(models.EventPaymentProcessing)},
		{method: "RecordProviderPayment", want: []string{"payment.updated", "invoice.paid"}, change: providerPayment(models.EventPaymentSucceeded)},
		{method: "SetProviderPaymentDetails", want: []string{"payment_details.updated"}, change: func(t *testing.T) string {
			_, err := s.SetProviderPaymentDetails(ctx, models.MerchantScope(m.ID).Customer(customer), "stripe", models.SavedPaymentMethod{
				Method: models.MethodCard, ProviderCustomerID: "cus_stripe", ProviderMethodID: "pm_1", CardBrand: "visa", CardLast4: "4242", CardExpMonth: 12, CardExpYear: 2030,
			})
			return on(t, err)
		}},
		// Sealing IBANs kept in the clear changes how they are kept, not what anyone is shown.
		{method: "SealPaymentDetails", change: func(t *testing.T) string {
			_, err := s.SealPaymentDetails(ctx)
			return on(t, err)
		}},
		{method: "MintPortalLink", want: []string{"portal_link.created"}, change: func(t *testing.T) string {
			var err error
			link, token, err = s.MintPortalLink(ctx, models.MerchantScope(m.ID).Customer(customer), actor, models.PortalLinkInput{Section: "invoices"})
			*secrets = append(*secrets, token)
			return on(t, err)
		}},
		{method: "OpenPortalLink", want: []string{"portal_link.opened"}, change: func(t *testing.T) string {
			entry, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: token, IP: "192.0.2.1"})
			on(t, err)
			access, err = s.LoadPortalAccess(ctx, entry.Session.ID)
			return on(t, err)
		}},
		// A portal session is no resource of the API: its comings and goings are the audit
		// log's (portal_link.opened announces it began).
		{method: "LoadPortalAccess", change: func(t *testing.T) string {
			a.clock.advance(2 * time.Minute) // past the minute within which last-seen is not written again
			_, err := s.LoadPortalAccess(ctx, access.Session.ID)
			return on(t, err)
		}},
		{method: "SetPortalSessionLocale", change: func(t *testing.T) string { return on(t, s.SetPortalSessionLocale(ctx, access, "de")) }},
		// The one-time message a form leaves for the next page is the session's too.
		{method: "SetPortalFlash", change: func(t *testing.T) string { return on(t, s.SetPortalFlash(ctx, access, "profile_saved")) }},
		{method: "TakePortalFlash", change: func(t *testing.T) string {
			access.Session.Flash = "profile_saved"
			_, err := s.TakePortalFlash(ctx, access)
			return on(t, err)
		}},
		{method: "EndPortalSession", change: func(t *testing.T) string { return on(t, s.EndPortalSession(ctx, access, actor)) }},
		{method: "RevokePortalLink", want: []string{"portal_link.revoked"}, change: func(t *testing.T) string {
			_, err := s.RevokePortalLink(ctx, models.MerchantScope(m.ID), actor, link.ID)
			return on(t, err)
		}},
		// Revoking a revoked link changes nothing, so it announces nothing.
		{method: "RevokePortalLink", change: func(t *testing.T) string {
			_, err := s.RevokePortalLink(ctx, models.MerchantScope(m.ID), actor, link.ID)
			return on(t, err)
		}},
		// Every way a link is mailed mints it, and the minting is what is announced; the
		// message is a job, like a webhook delivery.
		{method: "SendPortalLink", want: []string{"portal_link.created"}, change: func(t *testing.T) string {
			_, token, _, err := s.SendPortalLink(ctx, models.MerchantScope(m.ID).Customer(customer), actor, models.PortalLinkInput{ExpiresIn: models.MinLinkLifetime}, "")
			*secrets = append(*secrets, token)
			return on(t, err)
		}},
		{method: "RenewPortalLink", want: []string{"portal_link.created"},
			setup: func(t *testing.T) { a.clock.advance(2 * models.MinLinkLifetime) },
			change: func(t *testing.T) string {
				links, _, err := s.ListPortalLinks(ctx, models.MerchantScope(m.ID).Customer(customer), models.Page{PerPage: 1})
				on(t, err)
				_, err = s.RenewPortalLink(ctx, links[0].ID, "en", "192.0.2.1", "test")
				return on(t, err)
			}},
		{method: "RequestSignIn", want: []string{"portal_link.created"},
			setup: func(t *testing.T) {
				_, err := s.UpdateMerchantSettings(ctx, m.ID, actor, models.MerchantSettings{EmailLogin: new(true)})
				on(t, err)
			},
			change: func(t *testing.T) string {
				n, err := s.RequestSignIn(ctx, m.ID, "zoe@example.com", "en", "192.0.2.1", "test")
				if n != 1 {
					t.Errorf("%d sign-in links mailed, want 1", n)
				}
				return on(t, err)
			}},
		{method: "ClaimEmails", change: func(t *testing.T) string {
			var err error
			if emails, err = s.ClaimEmails(ctx, 1); len(emails) != 1 {
				t.Fatalf("claimed %d emails, want 1", len(emails))
			}
			return on(t, err)
		}},
		{method: "RecordEmailAttempt", change: func(t *testing.T) string {
			return on(t, s.RecordEmailAttempt(ctx, &emails[0], models.AttemptResult{}, false))
		}},
		// Each link revoked at once is announced on its own.
		{method: "RevokeCustomerPortalLinks", want: []string{"portal_link.revoked", "portal_link.revoked"},
			setup: func(t *testing.T) {
				lapsed = newCustomer(t)
				for range 2 {
					_, token, err := s.MintPortalLink(ctx, models.MerchantScope(m.ID).Customer(lapsed), actor, models.PortalLinkInput{})
					*secrets = append(*secrets, token)
					on(t, err)
				}
			},
			change: func(t *testing.T) string {
				_, err := s.RevokeCustomerPortalLinks(ctx, models.MerchantScope(m.ID).Customer(lapsed), actor)
				return on(t, err)
			}},
		// Idempotency records are the API's bookkeeping of requests, not resources.
		{method: "ClaimIdempotencyKey", change: func(t *testing.T) string {
			var err error
			claim, _, err = s.ClaimIdempotencyKey(ctx, m.ID, "k-1", make([]byte, 32))
			return on(t, err)
		}},
		{method: "FinishIdempotentRequest", change: func(t *testing.T) string {
			return on(t, s.FinishIdempotentRequest(ctx, claim, http.StatusCreated, []byte(`{}`)))
		}},
		{method: "ReleaseIdempotencyKey", change: func(t *testing.T) string {
			claim, _, err := s.ClaimIdempotencyKey(ctx, m.ID, "k-2", make([]byte, 32))
			on(t, err)
			return on(t, s.ReleaseIdempotencyKey(ctx, claim))
		}},
		{method: "PurgeIdempotencyRecords", change: func(t *testing.T) string {
			_, err := s.PurgeIdempotencyRecords(ctx)
			return on(t, err)
		}},
		// Deliveries are how events travel: announcing them would announce without end.
		{method: "ClaimWebhookDeliveries", change: func(t *testing.T) string {
			var err error
			delivery, err = s.ClaimWebhookDeliveries(ctx, 1)
			if len(delivery) != 1 {
				t.Fatalf("claimed %d deliveries, want 1", len(delivery))
			}
			return on(t, err)
		}},
		{method: "RecordWebhookAttempt", change: func(t *testing.T) string {
			_, err := s.RecordWebhookAttempt(ctx, &delivery[0], models.AttemptResult{StatusCode: 500, Err: errors.New("answered 500")})
			return on(t, err)
		}},
		{method: "RetryWebhookDelivery", change: func(t *testing.T) string {
			_, err := s.RetryWebhookDelivery(ctx, m.ID, models.Actor{Type: models.ActorAPIKey, ID: "key"}, delivery[0].ID)
			return on(t, err)
		}},
		// Three days of failures disable the endpoint, which the merchant hears of.
		{method: "RecordWebhookAttempt", want: []string{"webhook_endpoint.disabled"},
			setup: func(t *testing.T) {
				a.clock.advance(models.DisableFailingEndpointAfter)
				var err error
				if delivery, err = s.ClaimWebhookDeliveries(ctx, 1); err != nil || len(delivery) != 1 {
					t.Fatalf("claim: %v %v", delivery, err)
				}
			},
			change: func(t *testing.T) string {
				disabled, err := s.RecordWebhookAttempt(ctx, &delivery[0], models.AttemptResult{StatusCode: 500, Err: errors.New("answered 500")})
				if !disabled {
					t.Error("three days of failures did not disable the endpoint")
				}
				return on(t, err)
			}},
		{method: "DeleteWebhookEndpoint", want: []string{"webhook_endpoint.deleted"}, change: func(t *testing.T) string {
			return on(t, s.DeleteWebhookEndpoint(ctx, m.ID, actor, endpoint.ID))
		}},
		{method: "CreateWebhookEndpoint", want: []string{"webhook_endpoint.created"}, change: func(t *testing.T) string {
			var err error
			doomed, err = s.CreateWebhookEndpoint(ctx, m.ID, actor, "https://other.acme.example/")
			*secrets = append(*secrets, doomed.Secret)
			return on(t, err)
		}},
		{method: "DeleteCustomer", want: []string{"customer.deleted"},
			setup:  func(t *testing.T) { lapsed = newCustomer(t) },
			change: func(t *testing.T) string { return on(t, s.DeleteCustomer(ctx, m.ID, actor, lapsed)) }},
	}
	return changes
}

// eventIDs is the set of a merchant's events so far.
func eventIDs(t *testing.T, s *models.Store, merchantID string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for _, e := range allEvents(t, s, merchantID) {
		ids[e.ID] = true
	}
	return ids
}

// newEvents is a merchant's events that are not in before.
func newEvents(t *testing.T, s *models.Store, merchantID string, before map[string]bool) []models.OutboxEvent {
	t.Helper()
	return slices.DeleteFunc(allEvents(t, s, merchantID), func(e models.OutboxEvent) bool { return before[e.ID] })
}

func allEvents(t *testing.T, s *models.Store, merchantID string) []models.OutboxEvent {
	t.Helper()
	var all []models.OutboxEvent
	for page := 1; ; page++ {
		rows, info, err := s.ListOutboxEvents(context.Background(), merchantID, models.Page{Number: page, PerPage: models.MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, rows...)
		if !info.HasMore() {
			return all
		}
	}
}

// checkEvent checks the body a delivery of e would POST against its documented schema,
// and that it holds none of secrets.
func checkEvent(t *testing.T, catalog eventCatalog, e *models.OutboxEvent, secrets []string) {
	t.Helper()
	body, err := e.Envelope()
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if schema := catalog.schemas[e.Type]; schema != nil {
		if err := schema.VisitJSON(v); err != nil {
			t.Errorf("%s does not match its schema: %v\n%s", e.Type, err, body)
		}
	}
	if v["api_version"] != catalog.version {
		t.Errorf("%s: api_version %v, want %s", e.Type, v["api_version"], catalog.version)
	}
	for _, secret := range secrets {
		if secret != "" && strings.Contains(string(body), secret) {
			t.Errorf("%s holds a secret (%.8s…): %s", e.Type, secret, body)
		}
	}
}

// checkMatchesAPI checks that an event's data is the resource exactly as the API shows it
// now, right after the change: the event and the API share one shape, and one builder.
// Deleted resources and API keys have nothing to GET; in events an endpoint's URL is cut to
// its origin, and the merchant's IBAN is masked.
func checkMatchesAPI(t *testing.T, api *apiClient, e *models.OutboxEvent) {
	t.Helper()
	var data map[string]any
	if err := json.Unmarshal([]byte(e.Payload), &data); err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(e.Type, ".deleted") {
		return
	}
	id, _ := data["id"].(string)
	customer, _ := data["customer_id"].(string)
	find := func(path string) map[string]any {
		t.Helper()
		list := api.call(t, http.MethodGet, path, nil).expect(t, http.StatusOK).json["data"].([]any)
		for _, item := range list {
			if item.(map[string]any)["id"] == id {
				return item.(map[string]any)
			}
		}
		t.Fatalf("%s: %s lists no %s", e.Type, path, id)
		return nil
	}
	var shown map[string]any
	switch data["object"] {
	case "customer":
		shown = api.call(t, http.MethodGet, "/v1/customers/"+id, nil).expect(t, http.StatusOK).json
	case "contact":
		shown = api.call(t, http.MethodGet, "/v1/customers/"+customer+"/contacts/"+id, nil).expect(t, http.StatusOK).json
	case "entitlement":
		shown = find("/v1/customers/" + customer + "/entitlements")
	case "invoice", "credit_note":
		shown = api.call(t, http.MethodGet, "/v1/invoices/"+id, nil).expect(t, http.StatusOK).json
	case "payment":
		shown = api.call(t, http.MethodGet, "/v1/payments/"+id, nil).expect(t, http.StatusOK).json
	case "payment_details":
		shown = api.call(t, http.MethodGet, "/v1/customers/"+customer+"/payment_details", nil).expect(t, http.StatusOK).json
	case "subscription":
		shown = api.call(t, http.MethodGet, "/v1/subscriptions/"+id, nil).expect(t, http.StatusOK).json
	case "portal_link":
		shown = find("/v1/customers/" + customer + "/portal_links")
	case "merchant":
		shown = api.call(t, http.MethodGet, "/v1/merchant", nil).expect(t, http.StatusOK).json
		if account := shown["bank_account"].(map[string]any); account["iban"] != "" {
			account["iban"] = models.MaskIBAN(account["iban"].(string))
		}
	case "webhook_endpoint":
		shown = api.call(t, http.MethodGet, "/v1/webhook_endpoints/"+id, nil).expect(t, http.StatusOK).json
		u, _ := url.Parse(shown["url"].(string))
		shown["url"] = u.Scheme + "://" + u.Host
	case "api_key":
		return
	default:
		t.Fatalf("%s: no API resource to compare %v with", e.Type, data["object"])
	}
	if !reflect.DeepEqual(data, shown) {
		for _, k := range slices.Sorted(maps.Keys(shown)) {
			if !reflect.DeepEqual(data[k], shown[k]) {
				t.Errorf("%s: data.%s is %v; the API shows %v", e.Type, k, data[k], shown[k])
			}
		}
		for k := range data {
			if _, ok := shown[k]; !ok {
				t.Errorf("%s: data.%s is not in the API's resource", e.Type, k)
			}
		}
	}
}
