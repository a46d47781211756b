package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// count is how many audit events and outbox events an action left for the merchant.
func (f *billing) count(t *testing.T, action string) (audit, outbox int) {
	t.Helper()
	ctx := context.Background()
	events, _, err := f.store.ListAuditEvents(ctx, f.merchant.ID, models.AuditFilter{Action: action}, models.Page{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	outboxEvents, _, err := f.store.ListOutboxEvents(ctx, f.merchant.ID, models.Page{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range outboxEvents {
		if e.Type == action {
			outbox++
		}
	}
	return len(events), outbox
}

func (f *billing) setPolicy(t *testing.T, settings models.MerchantSettings) {
	t.Helper()
	if _, err := f.store.UpdateMerchantSettings(context.Background(), f.merchant.ID, models.SystemActor, settings); err != nil {
		t.Fatal(err)
	}
}

func (f *billing) subscription(t *testing.T) *models.Subscription {
	t.Helper()
	sub, err := f.store.GetSubscription(context.Background(), models.MerchantScope(f.merchant.ID), f.monthly.ID)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestCancellingASubscription(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		for _, tc := range []struct {
			mode    models.CancellationMode
			event   string
			flash   string
			promise string // what the confirmation step says will happen
		}{
			{models.CancelAtPeriodEnd, "subscription.cancel_scheduled", "Your subscription will end at the end of the current period.", "stays active until"},
			{models.CancelImmediately, "subscription.canceled", "Your subscription was cancelled.", "ends immediately"},
		} {
			t.Run(string(tc.mode), func(t *testing.T) {
				f := newBilling(t, db, nil)
				f.setPolicy(t, models.MerchantSettings{CancellationMode: &tc.mode})
				v := f.signIn(t, "en")
				path := "/portal/subscriptions/" + f.monthly.ID
				confirm := v.page(t, path+"/cancel", http.StatusOK)
				if got := text(confirm.Find("main form")); !strings.Contains(got, tc.promise) {
					t.Errorf("confirmation says %q, want %q", got, tc.promise)
				}
				token, _ := confirm.Find(`input[name="csrf_token"]`).Attr("value")

				// Without the CSRF token: refused, nothing changes.
				if res := v.post(t, path+"/cancel", url.Values{"reason": {"too_expensive"}}); res.StatusCode != http.StatusForbidden {
					t.Errorf("cancel without CSRF token: %d, want 403", res.StatusCode)
				}
				if sub := f.subscription(t); sub.CanceledAt != nil {
					t.Fatal("a request without the CSRF token cancelled the subscription")
				}

				// A double click: two submits, one effect, both land on the subscription.
				form := url.Values{"csrf_token": {token}, "reason": {"too_expensive"}, "comment": {"Budget cuts"}}
				for i := range 2 {
					res := v.post(t, path+"/cancel", form)
					if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path {
						t.Fatalf("submit %d: %d → %s", i+1, res.StatusCode, res.Header.Get("Location"))
					}
					if i == 0 {
						doc := v.page(t, res.Header.Get("Location"), http.StatusOK)
						if got := text(doc.Find(`.flash[role="status"]`)); got != tc.flash {
							t.Errorf("flash = %q, want %q", got, tc.flash)
						}
					}
				}
				if audit, outbox := f.count(t, tc.event); audit != 1 || outbox != 1 {
					t.Errorf("%s: %d audit and %d outbox events, want 1 each", tc.event, audit, outbox)
				}
				sub := f.subscription(t)
				if sub.CancellationReason != "too_expensive" || sub.CancellationComment != "Budget cuts" {
					t.Errorf("reason = %q, comment = %q", sub.CancellationReason, sub.CancellationComment)
				}
				if got := sub.Status == models.SubCanceled; got != (tc.mode == models.CancelImmediately) {
					t.Errorf("status = %s after %s", sub.Status, tc.mode)
				}
			})
		}

		t.Run("undo", func(t *testing.T) {
			f := newBilling(t, db, nil)
			v := f.signIn(t, "en")
			path := "/portal/subscriptions/" + f.monthly.ID
			token := v.csrfToken(t)
			v.post(t, path+"/cancel", url.Values{"csrf_token": {token}})
			doc := v.page(t, path, http.StatusOK)
			if got := text(doc.Find("main")); !strings.Contains(got, "Keep my subscription") {
				t.Fatalf("scheduled cancellation page = %q", got)
			}
			for range 2 {
				if res := v.post(t, path+"/resume", url.Values{"csrf_token": {token}}); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("resume: %d", res.StatusCode)
				}
			}
			if sub := f.subscription(t); sub.CancelAtPeriodEnd || sub.CanceledAt != nil {
				t.Errorf("after undo: %+v", sub)
			}
			if audit, outbox := f.count(t, "subscription.resumed"); audit != 1 || outbox != 1 {
				t.Errorf("resumed: %d audit and %d outbox events, want 1 each", audit, outbox)
			}
		})

		t.Run("no undo after the period ended", func(t *testing.T) {
			f := newBilling(t, db, nil)
			v := f.signIn(t, "en")
			path := "/portal/subscriptions/" + f.monthly.ID
			v.post(t, path+"/cancel", url.Values{"csrf_token": {v.csrfToken(t)}})
			// The period ends in 20 days; the merchant has not synced the end yet.
			f.clock.advance(21 * 24 * time.Hour)
			defer f.clock.advance(-21 * 24 * time.Hour)
			v = f.signIn(t, "en")
			doc := v.page(t, path, http.StatusOK)
			if doc.Find(`form[action="`+path+`/resume"]`).Length() != 0 || strings.Contains(text(doc.Find("main")), "Keep my subscription") {
				t.Error("the page offers to keep a subscription whose period has ended")
			}
			res := v.post(t, path+"/resume", url.Values{"csrf_token": {v.csrfToken(t)}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path {
				t.Errorf("resume after the period: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			if got := text(v.page(t, path, http.StatusOK).Find(".flash")); got != "Nothing changed: this was already done." {
				t.Errorf("resume after the period says %q, want the unchanged notice", got)
			}
			if sub := f.subscription(t); !sub.CancelAtPeriodEnd || sub.CanceledAt == nil {
				t.Errorf("a cancellation was undone after its period ended: %+v", sub)
			}
		})

		t.Run("nothing left to cancel", func(t *testing.T) {
			f := newBilling(t, db, nil)
			mode := models.CancelImmediately
			f.setPolicy(t, models.MerchantSettings{CancellationMode: &mode})
			v := f.signIn(t, "en")
			path := "/portal/subscriptions/" + f.monthly.ID
			v.post(t, path+"/cancel", url.Values{"csrf_token": {v.csrfToken(t)}})
			if sub := f.subscription(t); sub.Status != models.SubCanceled {
				t.Fatalf("status = %s, want canceled", sub.Status)
			}
			res := v.get(t, path+"/cancel")
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path {
				t.Errorf("confirmation for a cancelled subscription: %d → %q, want 303 to its page", res.StatusCode, res.Header.Get("Location"))
			}
			doc := v.page(t, path, http.StatusOK)
			if doc.Find(`a[href="`+path+`/cancel"]`).Length() != 0 || doc.Find(`form[action="`+path+`/resume"]`).Length() != 0 {
				t.Error("a cancelled subscription's page offers to cancel or keep it")
			}
		})

		t.Run("not allowed", func(t *testing.T) {
			f := newBilling(t, db, nil)
			mode, email := models.CancelNotAllowed, "billing@acme.example"
			f.setPolicy(t, models.MerchantSettings{CancellationMode: &mode, SupportEmail: &email})
			v := f.signIn(t, "en")
			path := "/portal/subscriptions/" + f.monthly.ID
			page := text(v.page(t, path, http.StatusOK).Find("main"))
			if !strings.Contains(page, "To cancel this subscription, please contact Acme Cloud.") || !strings.Contains(page, email) {
				t.Errorf("subscription page = %q", page)
			}
			if res := v.post(t, path+"/cancel", url.Values{"csrf_token": {v.csrfToken(t)}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("cancel against the policy: %d, want 403", res.StatusCode)
			}
			if sub := f.subscription(t); sub.CanceledAt != nil {
				t.Error("cancelled against the merchant's policy")
			}
		})

		t.Run("bad reason", func(t *testing.T) {
			f := newBilling(t, db, nil)
			v := f.signIn(t, "de")
			path := "/portal/subscriptions/" + f.monthly.ID + "/cancel"
			res := v.post(t, path, url.Values{"csrf_token": {v.csrfToken(t)}, "reason": {"bogus"}, "comment": {"kept"}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("bad reason: %d, want 422", res.StatusCode)
			}
			doc := readHTML(t, res)
			if got := text(doc.Find("#field-reason-error")); got != "Wählen Sie eine der angebotenen Möglichkeiten." {
				t.Errorf("reason error = %q", got)
			}
			if got := doc.Find("#field-comment").Text(); got != "kept" {
				t.Errorf("comment not kept: %q", got)
			}
			if sub := f.subscription(t); sub.CanceledAt != nil {
				t.Error("cancelled despite a bad reason")
			}
		})
	})
}

// formCase is one invalid form submission and the message its field must show.
type formCase struct {
	name   string
	form   url.Values
	field  string // the input's element ID
	en, de string
}

// checkInvalidForms submits each case in English and German: 422, the translated message
// tied to its input, the input kept, and the saved state unchanged.
func checkInvalidForms(t *testing.T, f *billing, path string, cases []formCase, saved func() string) {
	t.Helper()
	before := saved()
	for _, lang := range []string{"en", "de"} {
		v := f.signIn(t, lang)
		token := v.csrfToken(t)
		for _, tc := range cases {
			form := url.Values{"csrf_token": {token}}
			for k, vs := range tc.form {
				form[k] = vs
			}
			res := v.post(t, path, form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: %d, want 422", lang, tc.name, res.StatusCode)
				continue
			}
			doc := readHTML(t, res)
			input := doc.Find("#" + tc.field)
			want := map[string]string{"en": tc.en, "de": tc.de}[lang]
			describedBy, _ := input.Attr("aria-describedby")
			if got := text(doc.Find("#" + describedBy)); describedBy == "" || got != want {
				t.Errorf("%s %s: error %q (aria-describedby %q), want %q", lang, tc.name, got, describedBy, want)
			}
			if invalid, _ := input.Attr("aria-invalid"); invalid != "true" {
				t.Errorf("%s %s: input not marked invalid", lang, tc.name)
			}
			for k, vs := range tc.form {
				field := doc.Find(`[name="` + k + `"]`)
				if got, _ := field.Attr("value"); got != vs[0] && !field.Is("select") {
					t.Errorf("%s %s: %s shows %q, want the input %q kept", lang, tc.name, k, got, vs[0])
				}
			}
		}
	}
	if after := saved(); after != before {
		t.Errorf("invalid forms changed what is saved:\n%s\n→ %s", before, after)
	}
}

func TestProfileForm(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newBilling(t, db, nil)
		saved := func() string {
			c, err := f.store.GetCustomer(context.Background(), f.merchant.ID, f.customer.ID)
			if err != nil {
				t.Fatal(err)
			}
			return strings.Join([]string{c.Name, c.Email, c.Phone, c.Address.Country, c.TaxID, c.PreferredLocale}, "|")
		}
		checkInvalidForms(t, f, "/portal/profile", []formCase{
			{"bad email", url.Values{"name": {"Zoë"}, "email": {"zoe@"}}, "field-email",
				"Enter an email address like name@example.com.", "Geben Sie eine E-Mail-Adresse wie name@example.com ein."},
			{"no name", url.Values{"name": {""}, "email": {"zoe@example.com"}}, "field-name",
				"Please fill in this field.", "Bitte füllen Sie dieses Feld aus."},
			// The customer has an email address: it may change, not go.
			{"email blanked", url.Values{"name": {"Zoë"}, "email": {""}}, "field-email",
				"Please fill in this field.", "Bitte füllen Sie dieses Feld aus."},
			{"bad phone", url.Values{"name": {"Zoë"}, "phone": {"call me"}}, "field-phone",
				"Enter a phone number like +31 20 123 4567.", "Geben Sie eine Telefonnummer wie +49 30 1234567 ein."},
			// Not one of the select's choices: only a crafted request sends it.
			{"bad country", url.Values{"name": {"Zoë"}, "address.country": {"XX"}}, "field-address-country",
				"Enter a two-letter country code like DE or NL.", "Geben Sie einen zweistelligen Ländercode wie DE oder AT ein."},
		}, saved)

		v := f.signIn(t, "en")
		form := url.Values{
			"csrf_token": {v.csrfToken(t)}, "name": {"Zoë Müller-Łukasiewicz"}, "email": {"zoe@example.com"},
			"address.line1": {"Hauptstraße 1"}, "address.postal_code": {"10115"}, "address.city": {"Berlin"},
			"address.country": {"de"}, "preferred_locale": {"de"}, "tax_id": {"DE123456789"},
		}
		res := v.post(t, "/portal/profile", form)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/profile" {
			t.Fatalf("save profile: %d → %s", res.StatusCode, res.Header.Get("Location"))
		}
		if got := saved(); got != "Zoë Müller-Łukasiewicz|zoe@example.com||DE|DE123456789|de" {
			t.Errorf("saved profile = %q", got)
		}
		// The confirmation shows on the next page once: a reload or another tab does not
		// show it again, and no URL carries it.
		for i, want := range []string{"Your profile was saved.", ""} {
			if got := text(v.page(t, "/portal/profile", http.StatusOK).Find(`.flash[role="status"]`)); got != want {
				t.Errorf("visit %d: flash %q, want %q", i+1, got, want)
			}
		}
		if got := text(v.page(t, "/portal/profile?done=profile_saved", http.StatusOK).Find(".flash")); got != "" {
			t.Errorf("a crafted ?done= still shows %q", got)
		}
		doc := v.page(t, "/portal/profile", http.StatusOK)
		if got := doc.Find(`#field-address-country option[selected]`).Text(); got != "Germany" {
			t.Errorf("the saved country shows as %q, want its name", got)
		}

		// Under a policy that only lets customers edit their email, the name is read-only
		// and a posted name is ignored.
		f.setPolicy(t, models.MerchantSettings{EditableFields: &[]string{"email"}})
		doc = v.page(t, "/portal/profile", http.StatusOK)
		if _, readonly := doc.Find("#field-name").Attr("readonly"); !readonly {
			t.Error("name is editable against the policy")
		}
		form.Set("name", "Mallory")
		form.Set("email", "zoe@example.org")
		v.post(t, "/portal/profile", form)
		if got := saved(); !strings.HasPrefix(got, "Zoë Müller-Łukasiewicz|zoe@example.org|") {
			t.Errorf("saved profile = %q: want the name untouched and the email changed", got)
		}
	})
}

func TestContactsForms(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newBilling(t, db, nil)
		contacts := func() string {
			list, _, err := f.store.ListContacts(context.Background(), models.MerchantScope(f.merchant.ID).Customer(f.customer.ID), models.ContactQuery{Sort: "name"})
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, c := range list {
				rows = append(rows, c.Name+" <"+c.Email+"> "+c.Role)
			}
			return strings.Join(rows, "; ")
		}
		invalid := []formCase{
			{"bad email", url.Values{"name": {"Bob"}, "email": {"bob"}}, "field-email",
				"Enter an email address like name@example.com.", "Geben Sie eine E-Mail-Adresse wie name@example.com ein."},
			{"no name", url.Values{"name": {""}, "email": {"bob@example.com"}}, "field-name",
				"Please fill in this field.", "Bitte füllen Sie dieses Feld aus."},
		}
		checkInvalidForms(t, f, "/portal/contacts", invalid, contacts)
		checkInvalidForms(t, f, "/portal/contacts/"+f.contact.ID, invalid, contacts)

		v := f.signIn(t, "en")
		token := v.csrfToken(t)
		steps := []struct {
			path string
			form url.Values
			want string
		}{
			{"/portal/contacts", url.Values{"name": {"Bob"}, "email": {"bob@example.com"}, "role": {"IT"}},
				"Ada Lovelace <ada@example.com> Accounts; Bob <bob@example.com> IT"},
			{"/portal/contacts/" + f.contact.ID, url.Values{"name": {"Ada King"}, "email": {"ada@example.org"}, "role": {"Finance"}},
				"Ada King <ada@example.org> Finance; Bob <bob@example.com> IT"},
			{"/portal/contacts/" + f.contact.ID + "/delete", url.Values{}, "Bob <bob@example.com> IT"},
			{"/portal/contacts/" + f.contact.ID + "/delete", url.Values{}, "Bob <bob@example.com> IT"}, // a second submit
		}
		for _, s := range steps {
			s.form.Set("csrf_token", token)
			if res := v.post(t, s.path, s.form); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST %s: %d", s.path, res.StatusCode)
			}
			if got := contacts(); got != s.want {
				t.Errorf("after POST %s: %q, want %q", s.path, got, s.want)
			}
		}
	})
}

func TestPaymentDetailsForm(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newBilling(t, db, nil)
		saved := func() string {
			d, err := f.store.GetPaymentDetails(context.Background(), models.MerchantScope(f.merchant.ID).Customer(f.customer.ID))
			if err != nil {
				t.Fatal(err)
			}
			return d.AccountHolder + " " + d.IBAN
		}
		checkInvalidForms(t, f, "/portal/payment-details", []formCase{
			{"bad checksum", url.Values{"account_holder": {"Zoë"}, "iban": {"DE89 3704 0044 0532 0130 01"}}, "field-iban",
				"This IBAN is not valid. Please check it.", "Diese IBAN ist ungültig. Bitte prüfen Sie sie."},
			{"no holder", url.Values{"account_holder": {""}, "iban": {"NL91 ABNA 0417 1643 00"}}, "field-account_holder",
				"Please fill in this field.", "Bitte füllen Sie dieses Feld aus."},
		}, saved)

		v := f.signIn(t, "en")
		res := v.post(t, "/portal/payment-details", url.Values{
			"csrf_token": {v.csrfToken(t)}, "account_holder": {"Zoë Müller"}, "iban": {"nl91 abna 0417 1643 00"},
		})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save IBAN: %d", res.StatusCode)
		}
		if got := saved(); got != "Zoë Müller NL91ABNA0417164300" {
			t.Errorf("saved = %q", got)
		}
		onFile := text(v.page(t, res.Header.Get("Location"), http.StatusOK).Find("main"))
		if strings.Contains(onFile, "0417 1643") || !strings.Contains(onFile, "Your bank account was saved.") {
			t.Errorf("page after saving = %q", onFile)
		}
	})
}
