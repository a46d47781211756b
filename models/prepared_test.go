package models_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"gorm.io/gorm/schema"
)

// The hand-scanned queries read every column the models have of what they load (the
// session, its link and its merchant; an invoice and its lines): a column added to a model
// and not to its query fails here.
func TestHandScannedColumnsAreTheModels(t *testing.T) {
	read := map[any][]string{&models.Invoice{}: models.InvoiceColumns, &models.InvoiceLine{}: models.InvoiceLineColumns}
	aliases := map[string]any{"s": &models.PortalSession{}, "l": &models.PortalLink{}, "m": &models.Merchant{}}
	for _, c := range models.PortalAccessColumns {
		alias, name, _ := strings.Cut(c, ".")
		if model, ok := aliases[alias]; ok {
			read[model] = append(read[model], name)
		}
	}
	for model, columns := range read {
		sch, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		want, got := slices.Sorted(slices.Values(sch.DBNames)), slices.Sorted(slices.Values(columns))
		if !slices.Equal(got, want) {
			t.Errorf("%T: the query reads %v, the model has %v", model, got, want)
		}
	}
}

// GetCustomerInvoice's hand-scanned invoice and lines are what GetInvoice loads through
// GORM, field for field, for an invoice and a credit note; a draft, another customer's
// invoice, another merchant's and a scope naming no customer are ErrNotFound.
func TestCustomerInvoiceScansWhatGORMLoads(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db)
		ctx := context.Background()
		tn := newTenant(t, s, "Acme")
		other := newTenant(t, s, "Other")
		in := invoiceInput(tn.customer, "INV-1")
		day := time.Date(2026, 1, 10, 12, 30, 45, 123456000, time.UTC)
		in.IssuedAt, in.DueAt, in.PeriodStart, in.PeriodEnd = &day, ptr(day.AddDate(0, 0, 14)), ptr(day.AddDate(0, -1, 0)), &day
		in.Memo, in.PaymentURL = "Thanks!\nSee you.", "https://pay.example/1"
		inv, err := s.CreateInvoice(ctx, tn.merchant, actor, in)
		if err != nil {
			t.Fatal(err)
		}
		note := invoiceInput(tn.customer, "CN-1")
		note.Kind, note.CreditedInvoiceID, note.Lines = models.KindCreditNote, &inv.ID, note.Lines[:1]
		credit, err := s.CreateInvoice(ctx, tn.merchant, actor, note)
		if err != nil {
			t.Fatal(err)
		}
		draft := invoiceInput(tn.customer, "D-1")
		draft.Status = models.StatusDraft
		drafted, err := s.CreateInvoice(ctx, tn.merchant, actor, draft)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := s.CreateInvoice(ctx, other.merchant, actor, invoiceInput(other.customer, "X-1"))
		if err != nil {
			t.Fatal(err)
		}
		mine := models.CustomerScope(tn.merchant, tn.customer)
		for _, id := range []string{inv.ID, credit.ID} {
			got, err := s.GetCustomerInvoice(ctx, mine, id)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.GetInvoice(ctx, mine, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Lines) == 0 || !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\nhand-scanned %+v\nGORM %+v", id, got, want)
			}
		}
		for name, tc := range map[string]struct {
			sc models.Scope
			id string
		}{
			"a draft":                      {mine, drafted.ID},
			"another merchant's invoice":   {mine, theirs.ID},
			"another customer's invoice":   {models.CustomerScope(tn.merchant, other.customer), inv.ID},
			"a scope naming no customer":   {models.MerchantScope(tn.merchant), inv.ID},
			"an ID that is not an invoice": {mine, "cus_1"},
		} {
			if got, err := s.GetCustomerInvoice(ctx, tc.sc, tc.id); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s: %+v, %v; want ErrNotFound", name, got, err)
			}
		}
	})
}

// LoadPortalAccess's hand-scanned row is what GORM loads of the same rows, field for field.
func TestPortalAccessScansWhatGORMLoads(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		now := time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC)
		s := models.NewStore(db, models.WithClock(func() time.Time { return now }))
		ctx := context.Background()
		tn := newTenant(t, s, "Acme")
		err := db.Writer().Table("merchants").Where("id = ?", tn.merchant).Updates(map[string]any{
			"logo_url": "https://acme.example/logo.png", "accent_color": "#123456", "default_locale": "de",
			"cancellation_mode": models.CancellationMode("end_of_period"), "editable_fields": `["email","address"]`,
			"support_email": "help@acme.example", "support_url": "https://acme.example/help",
			"address_line1": "Hauptstr. 1", "address_line2": "Hinterhaus", "address_postal_code": "10115",
			"address_city": "Berlin", "address_state": "BE", "address_country": "DE", "vat_id": "DE123456789",
			"favicon_url": "https://acme.example/favicon.png", "powered_by": true, "renew_expired_links": true,
			"email_login": true, "notify_email_change": true, "notify_payment_details_change": true, "notify_cancellation": true,
			"bank_account_holder": "Acme GmbH", "bank_iban": "DE89370400440532013000", "bank_bic": "COBADEFFXXX",
			"remittance_format": "{number}", "sepa_creditor_id": "DE98ZZZ09999999999",
		}).Error
		if err != nil {
			t.Fatal(err)
		}
		sc := models.MerchantScope(tn.merchant).Customer(tn.customer)
		link, token, err := s.MintPortalLink(ctx, sc, actor, models.PortalLinkInput{
			IdleTimeout: time.Hour, FrameAncestors: []string{"https://app.acme.example"}, ReturnURL: "https://acme.example/account",
			Locale: "de", Section: "invoices",
		})
		if err != nil {
			t.Fatal(err)
		}
		entry, err := s.OpenPortalLink(ctx, models.LinkOpening{Token: token})
		if err != nil {
			t.Fatal(err)
		}
		a := &models.PortalAccess{Session: *entry.Session, Merchant: entry.Merchant}
		if err := s.SetPortalSessionLocale(ctx, a, "fr"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPortalFlash(ctx, a, "Saved."); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RevokePortalLink(ctx, sc, actor, link.ID); err != nil {
			t.Fatal(err)
		}

		got, err := s.LoadPortalAccess(ctx, entry.Session.ID)
		if !errors.Is(err, models.ErrSessionOver) {
			t.Fatalf("load a session of a revoked link: %v", err)
		}
		var want models.PortalAccess
		var customer models.Customer
		w := db.Writer()
		for _, load := range []error{
			w.Take(&want.Session, "id = ?", entry.Session.ID).Error,
			w.Take(&want.Link, "id = ?", link.ID).Error,
			w.Take(&want.Merchant, "id = ?", tn.merchant).Error,
			w.Take(&customer, "id = ?", tn.customer).Error,
		} {
			if load != nil {
				t.Fatal(load)
			}
		}
		want.Customer = models.PortalCustomer{ID: customer.ID, Name: customer.Name, PreferredLocale: customer.PreferredLocale}
		want.Ended = models.SessionRevoked
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("hand-scanned:\n%+v\nGORM:\n%+v", *got, want)
		}
		if _, err := s.LoadPortalAccess(ctx, "ps_unknown"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown session: %v, want ErrNotFound", err)
		}
	})
}

// ListCustomerInvoices's hand-scanned rows are GORM's of the same columns, in the order and
// with the totals of the merchant's GORM list less the drafts, for every tab of the portal's
// list and pages full, short and beyond the last.
func TestCustomerInvoicesScanWhatGORMLoads(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db)
		ctx := context.Background()
		tn := newTenant(t, s, "Acme")
		other := newTenant(t, s, "Other")
		day := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
		var first *models.Invoice
		for i, status := range []models.InvoiceStatus{models.StatusOpen, models.StatusOpen, models.StatusPaid, models.StatusDraft, models.StatusOpen, models.StatusVoid} {
			in := invoiceInput(tn.customer, fmt.Sprint("INV-", i))
			// Issued two a day (the order's tie-break is the ID); due in the past or a year on.
			issued := day.AddDate(0, 0, i/2)
			in.Status, in.IssuedAt, in.DueAt = status, &issued, ptr(issued.AddDate(i%2, 0, 14))
			in.PeriodStart, in.PeriodEnd, in.PaymentURL = ptr(day.AddDate(0, -1, 0)), &day, "https://pay.example/"+fmt.Sprint(i)
			inv, err := s.CreateInvoice(ctx, tn.merchant, actor, in)
			if err != nil {
				t.Fatal(err)
			}
			first = cmp.Or(first, inv)
		}
		note := invoiceInput(tn.customer, "CN-1")
		note.Kind, note.CreditedInvoiceID, note.Lines = models.KindCreditNote, &first.ID, note.Lines[:1]
		if _, err := s.CreateInvoice(ctx, tn.merchant, actor, note); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateInvoice(ctx, other.merchant, actor, invoiceInput(other.customer, "X-1")); err != nil {
			t.Fatal(err)
		}

		mine := models.CustomerScope(tn.merchant, tn.customer)
		for _, f := range []models.InvoiceFilter{
			{}, {Status: models.StatusOpen}, {Status: models.StatusOverdue}, {Status: models.StatusPaid},
			{Kind: models.KindCreditNote}, {Kind: models.KindCreditNote, CreditedInvoiceID: first.ID},
		} {
			for page := 1; page <= 4; page++ {
				p := models.Page{Number: page, PerPage: 2}
				got, gotInfo, err := s.ListCustomerInvoices(ctx, mine, f, p)
				if err != nil {
					t.Fatal(err)
				}
				all, _, err := s.ListInvoices(ctx, mine, f, models.Page{Number: 1, PerPage: models.MaxPerPage})
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, inv := range all {
					if inv.VisibleToCustomer() {
						ids = append(ids, inv.ID)
					}
				}
				var want []models.Invoice
				if lo := (page - 1) * 2; lo < len(ids) {
					err = db.Writer().Select(models.CustomerInvoiceColumns).Where("id IN ?", ids[lo:min(lo+2, len(ids))]).
						Order("issued_at DESC, id DESC").Find(&want).Error
					if err != nil {
						t.Fatal(err)
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%+v page %d:\nhand-scanned %+v\nGORM %+v", f, page, got, want)
				}
				if gotInfo.Total != int64(len(ids)) || gotInfo.Page != page || gotInfo.PerPage != 2 {
					t.Errorf("%+v page %d: %+v, want a total of %d", f, page, gotInfo, len(ids))
				}
			}
		}
		if _, _, err := s.ListCustomerInvoices(ctx, models.MerchantScope(tn.merchant), models.InvoiceFilter{}, models.Page{}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a scope naming no customer: %v, want ErrNotFound", err)
		}
	})
}

// A page of the portal's invoice list reads its rows off idx_invoices_customer_order in the
// list's order: no sort of all the customer's invoices first, whatever the tab.
func TestCustomerInvoiceListNeedsNoSort(t *testing.T) {
	db := testdb.SQLite(t)
	sc := models.CustomerScope("mer_x", "cus_x")
	for _, f := range []models.InvoiceFilter{{}, {Status: models.StatusOverdue}, {Status: models.StatusPaid}, {Kind: models.KindCreditNote}} {
		query, args := models.CustomerInvoiceList(sc, f, time.Now(), models.Page{Number: 2})
		var plan []struct{ Detail string }
		if err := db.Writer().Raw("EXPLAIN QUERY PLAN "+query, args...).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, p := range plan {
			steps = append(steps, p.Detail)
		}
		all := strings.Join(steps, "; ")
		if strings.Contains(all, "TEMP B-TREE") || !strings.Contains(all, "idx_invoices_customer_order") {
			t.Errorf("%+v: plan %q, want idx_invoices_customer_order without a sort", f, all)
		}
	}
}

// The hand-written inserts of the write path name every column their model has (a minted
// link's use and revocation start NULL): a column added to a model and not to its insert
// fails here instead of being left empty in every new row.
func TestHotInsertsWriteEveryColumn(t *testing.T) {
	for _, tc := range []struct {
		insert      string
		model       any
		leftToStart []string // NULL until later changes set them
	}{
		{models.InsertAuditEventSQL, &models.AuditEvent{}, nil},
		{models.InsertOutboxEventSQL, &models.OutboxEvent{}, nil},
		{models.InsertPortalLinkSQL, &models.PortalLink{}, []string{"revoked_at", "first_used_at", "last_used_at"}},
	} {
		sch, err := schema.Parse(tc.model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		list, _, _ := strings.Cut(tc.insert[strings.Index(tc.insert, "(")+1:], ")")
		written := strings.Split(strings.ReplaceAll(list, " ", ""), ",")
		var missing []string
		for _, name := range sch.DBNames {
			if !slices.Contains(written, name) {
				missing = append(missing, name)
			}
		}
		if !slices.Equal(missing, tc.leftToStart) {
			t.Errorf("%T: the insert leaves out %v, want %v", tc.model, missing, tc.leftToStart)
		}
	}
}
