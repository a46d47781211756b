package models

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// InvoiceKind tells invoices from credit notes; both share numbering and the table.
type InvoiceKind string

// The kinds of billing document.
const (
	KindInvoice    InvoiceKind = "invoice"
	KindCreditNote InvoiceKind = "credit_note"
)

// InvoiceStatus is where a document is in its life. Overdue is not a status: it is derived
// from the due date (see Invoice.Overdue).
type InvoiceStatus string

// Invoice statuses; credit notes are issued or void.
const (
	StatusDraft         InvoiceStatus = "draft"
	StatusOpen          InvoiceStatus = "open"
	StatusPaid          InvoiceStatus = "paid"
	StatusVoid          InvoiceStatus = "void"
	StatusUncollectible InvoiceStatus = "uncollectible"
	StatusIssued        InvoiceStatus = "issued"
	// StatusOverdue is accepted as a list filter only.
	StatusOverdue InvoiceStatus = "overdue"
)

// invoiceTransitions is the one state machine of billing documents: the statuses each
// status may move to. Every status change of an invoice or credit note goes through
// Invoice.moveTo, which checks it here.
var invoiceTransitions = map[InvoiceKind]map[InvoiceStatus][]InvoiceStatus{
	KindInvoice: {
		StatusDraft:         {StatusOpen, StatusVoid},
		StatusOpen:          {StatusPaid, StatusVoid, StatusUncollectible},
		StatusUncollectible: {StatusPaid, StatusVoid},
	},
	KindCreditNote: {
		StatusIssued: {StatusVoid},
	},
}

// InvoiceStatusTargets are the statuses a status change may ask for.
var InvoiceStatusTargets = []InvoiceStatus{StatusOpen, StatusPaid, StatusVoid, StatusUncollectible}

// InvoiceStatusFilters are the statuses an invoice list can be filtered by.
var InvoiceStatusFilters = []InvoiceStatus{StatusDraft, StatusOpen, StatusOverdue, StatusPaid, StatusVoid, StatusUncollectible, StatusIssued}

// InvoiceKinds are the kinds of billing document.
var InvoiceKinds = []InvoiceKind{KindInvoice, KindCreditNote}

// Limits that keep every sum far from int64 overflow, and every request's work bounded.
const (
	maxLineAmount = 1_000_000_000_000 // minor units: 10 billion in a two-decimal currency
	maxQuantity   = 1_000_000_000
	// MaxInvoiceLines is the most lines one invoice may have.
	MaxInvoiceLines = 500
	maxTaxRateBasis = 10_000 // 100 %
)

// Invoice is an invoice or credit note with its lines. Money is in minor units of Currency.
type Invoice struct {
	ID                string `gorm:"primaryKey"`
	MerchantID        string
	CustomerID        string
	Kind              InvoiceKind
	Number            string
	CreditedInvoiceID *string // for a credit note: the invoice it credits
	Status            InvoiceStatus
	Currency          string
	Subtotal          int64
	Tax               int64
	Total             int64
	AmountPaid        int64
	AmountRefunded    int64
	AmountCredited    int64 // by issued credit notes; an invoice's amount due is net of it
	AmountDue         int64
	IssuedAt          time.Time
	DueAt             *time.Time
	PeriodStart       *time.Time
	PeriodEnd         *time.Time
	Memo              string
	// PaymentURL is a hosted payment page of any provider where the customer pays this
	// invoice; the portal offers it while the invoice is open.
	PaymentURL string
	Lines      []InvoiceLine `gorm:"foreignKey:InvoiceID"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Overdue reports whether an open invoice is past its due date with money still due.
func (i *Invoice) Overdue(at time.Time) bool {
	return i.Status == StatusOpen && i.AmountDue > 0 && i.DueAt != nil && i.DueAt.Before(at)
}

// VisibleToCustomer reports whether the customer may see the document in the portal: a
// draft is still the merchant's work in progress.
func (i *Invoice) VisibleToCustomer() bool { return i.Status != StatusDraft }

// DisplayStatus is the status a customer sees: overdue when Overdue, else the status.
func (i *Invoice) DisplayStatus(at time.Time) InvoiceStatus {
	if i.Overdue(at) {
		return StatusOverdue
	}
	return i.Status
}

// InvoiceLine is one line of an invoice. TaxRate is in basis points (1900 = 19 %).
type InvoiceLine struct {
	ID          string `gorm:"primaryKey"`
	InvoiceID   string
	Position    int
	Description string
	Quantity    int64
	UnitAmount  int64
	Amount      int64
	TaxRate     int64
	TaxAmount   int64
}

// InvoiceInput creates an invoice or credit note. Totals are computed from the lines; a
// Total given by the caller must agree.
type InvoiceInput struct {
	CustomerRef       string
	Kind              InvoiceKind
	Number            string
	CreditedInvoiceID *string
	Status            InvoiceStatus
	Currency          string
	IssuedAt          *time.Time
	DueAt             *time.Time
	PeriodStart       *time.Time
	PeriodEnd         *time.Time
	Memo              string
	PaymentURL        string
	Lines             []InvoiceLineInput
	Total             *int64
}

// InvoiceLineInput is one line of an InvoiceInput.
type InvoiceLineInput struct {
	Description string
	Quantity    int64
	UnitAmount  int64
	TaxRate     int64
}

func (in *InvoiceInput) normalize() {
	if in.Kind == "" {
		in.Kind = KindInvoice
	}
	if in.Status == "" {
		in.Status = StatusOpen
		if in.Kind == KindCreditNote {
			in.Status = StatusIssued
		}
	}
}

func (in InvoiceInput) validate() error {
	var v validator
	v.oneOf("kind", string(in.Kind), string(KindInvoice), string(KindCreditNote))
	v.text("number", in.Number, 64, true)
	if in.Kind == KindCreditNote {
		v.oneOf("status", string(in.Status), string(StatusIssued), string(StatusVoid))
	} else {
		v.oneOf("status", string(in.Status), string(StatusDraft), string(StatusOpen), string(StatusPaid), string(StatusVoid), string(StatusUncollectible))
		if in.CreditedInvoiceID != nil {
			v.add("credited_invoice_id", "not_allowed", "is only for credit notes")
		}
	}
	v.currency("currency", in.Currency)
	v.multiline("memo", in.Memo, 2000)
	v.webURL("payment_url", in.PaymentURL)
	if in.PaymentURL != "" && in.Kind == KindCreditNote {
		v.add("payment_url", "not_allowed", "is only for invoices")
	}
	if in.DueAt != nil && in.IssuedAt != nil && in.DueAt.Before(*in.IssuedAt) {
		v.add("due_at", "before_issued", "must not be before issued_at")
	}
	if in.PeriodStart != nil && in.PeriodEnd != nil && in.PeriodEnd.Before(*in.PeriodStart) {
		v.add("period_end", "before_start", "must not be before period_start")
	}
	if (in.PeriodStart == nil) != (in.PeriodEnd == nil) {
		v.add("period_end", "incomplete_period", "period_start and period_end go together")
	}
	switch {
	case len(in.Lines) == 0:
		v.add("lines", "required", "needs at least one line")
	case len(in.Lines) > MaxInvoiceLines:
		// Nothing past the limit is looked at: the answer stays small whatever was sent.
		v.add("lines", "too_many", "has more than "+strconv.Itoa(MaxInvoiceLines)+" lines")
		return v.err()
	}
	for i, l := range in.Lines {
		if v.full() {
			break
		}
		p := "lines[" + strconv.Itoa(i) + "]."
		v.text(p+"description", l.Description, 500, true)
		if l.Quantity < 1 || l.Quantity > maxQuantity {
			v.add(p+"quantity", "out_of_range", "must be between 1 and 1000000000")
		}
		if l.UnitAmount < 0 || l.UnitAmount > maxLineAmount {
			v.add(p+"unit_amount", "out_of_range", "must be between 0 and 1000000000000 minor units")
		} else if l.Quantity >= 1 && l.UnitAmount > maxLineAmount/l.Quantity {
			v.add(p+"quantity", "out_of_range", "quantity × unit_amount is too large")
		}
		if l.TaxRate < 0 || l.TaxRate > maxTaxRateBasis {
			v.add(p+"tax_rate", "out_of_range", "must be between 0 and 10000 basis points")
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	if in.Total != nil {
		if _, _, total := computeLines(in.Lines); *in.Total != total {
			v.add("total", "total_mismatch", "does not equal the sum of the lines plus tax ("+strconv.FormatInt(total, 10)+")")
		}
	}
	return v.err()
}

// lineTax rounds half up; amounts are bounded, so amount × rate cannot overflow.
func lineTax(amount, rate int64) int64 { return (amount*rate + maxTaxRateBasis/2) / maxTaxRateBasis }

// computeLines returns subtotal, tax and total of valid lines.
func computeLines(lines []InvoiceLineInput) (subtotal, tax, total int64) {
	for _, l := range lines {
		amount := l.Quantity * l.UnitAmount
		subtotal += amount
		tax += lineTax(amount, l.TaxRate)
	}
	return subtotal, tax, subtotal + tax
}

// CreateInvoice adds an invoice or credit note with its lines, in one transaction.
func (s *Store) CreateInvoice(ctx context.Context, merchantID string, actor Actor, in InvoiceInput) (*Invoice, error) {
	in.normalize()
	if err := in.validate(); err != nil {
		return nil, err
	}
	issued := s.Now()
	if in.IssuedAt != nil {
		issued = in.IssuedAt.UTC()
	}
	inv := &Invoice{
		ID:                newID("inv"),
		MerchantID:        merchantID,
		Kind:              in.Kind,
		Number:            in.Number,
		CreditedInvoiceID: in.CreditedInvoiceID,
		Status:            in.Status,
		Currency:          in.Currency,
		IssuedAt:          issued,
		DueAt:             utcPtr(in.DueAt),
		PeriodStart:       utcPtr(in.PeriodStart),
		PeriodEnd:         utcPtr(in.PeriodEnd),
		Memo:              in.Memo,
		PaymentURL:        in.PaymentURL,
	}
	inv.Subtotal, inv.Tax, inv.Total = computeLines(in.Lines)
	inv.AmountDue = inv.Total
	switch {
	case in.Kind == KindCreditNote || in.Status == StatusVoid || in.Status == StatusDraft:
		inv.AmountDue = 0
	case in.Status == StatusPaid:
		inv.AmountPaid, inv.AmountDue = inv.Total, 0
	}
	for i, l := range in.Lines {
		amount := l.Quantity * l.UnitAmount
		inv.Lines = append(inv.Lines, InvoiceLine{
			ID: newID("il"), InvoiceID: inv.ID, Position: i + 1, Description: l.Description,
			Quantity: l.Quantity, UnitAmount: l.UnitAmount, Amount: amount,
			TaxRate: l.TaxRate, TaxAmount: lineTax(amount, l.TaxRate),
		})
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := customerID(tx, merchantID, in.CustomerRef)
		if err != nil {
			return notFoundAs(err, "customer_id")
		}
		inv.CustomerID = id
		if in.CreditedInvoiceID != nil {
			if err := s.credit(tx, inv); err != nil {
				return err
			}
		}
		if err := tx.Create(inv).Error; err != nil {
			return uniqueOr("create invoice", "number", referenceOr(err, "customer_id"))
		}
		details := map[string]any{"invoice_id": inv.ID, "number": inv.Number, "kind": inv.Kind, "total": inv.Total, "currency": inv.Currency}
		if inv.CreditedInvoiceID != nil {
			details["credited_invoice_id"] = *inv.CreditedInvoiceID
		}
		if err := s.record(tx, merchantID, id, actor, "invoice.created", details); err != nil {
			return err
		}
		return s.announceInvoice(tx, inv, "created")
	})
	if err != nil {
		return nil, storeError("create invoice", err)
	}
	return inv, nil
}

// credit applies a new credit note to the invoice it credits, which must be the same
// customer's, in the same currency, issued (not a draft, not void), and not credited
// beyond its total. The note comes off what is still due; whatever exceeds that is money
// the customer paid and is owed back (the merchant refunds it). The invoice row stays
// locked until the transaction ends, so concurrent credit notes and payments queue behind
// one another and never take off more than there is.
func (s *Store) credit(tx *gorm.DB, note *Invoice) error {
	inv, err := lockCreditedInvoice(tx, note)
	if err != nil || note.Status != StatusIssued {
		return err // a note created void credits nothing
	}
	switch creditable := inv.Total - inv.AmountCredited; {
	case inv.Status != StatusOpen && inv.Status != StatusUncollectible && inv.Status != StatusPaid:
		return &StateError{Message: "a " + string(inv.Status) + " invoice cannot be credited"}
	case note.Total > creditable:
		return invalid("total", "exceeds_creditable_amount", "is more than the credited invoice can still be credited ("+strconv.FormatInt(creditable, 10)+")")
	}
	before := *inv
	inv.AmountCredited += note.Total
	if inv.Status != StatusPaid {
		inv.AmountDue = inv.owed()
		if inv.AmountDue == 0 {
			if err := inv.moveTo(StatusPaid); err != nil {
				return err
			}
		}
	}
	return s.saveInvoice(tx, inv, &before)
}

// owed is what an issued invoice still asks for: its total less what was paid and
// credited, never below zero.
func (inv *Invoice) owed() int64 { return max(0, inv.Total-inv.AmountPaid-inv.AmountCredited) }

// lockCreditedInvoice loads, locked for update, the invoice a credit note credits.
func lockCreditedInvoice(tx *gorm.DB, note *Invoice) (*Invoice, error) {
	if !validID("inv", *note.CreditedInvoiceID) {
		return nil, invalid("credited_invoice_id", "not_found", "is not an invoice of this customer")
	}
	inv, err := lockInvoice(tx, note.MerchantID, *note.CreditedInvoiceID)
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && (inv.Kind != KindInvoice || inv.CustomerID != note.CustomerID)):
		return nil, invalid("credited_invoice_id", "not_found", "is not an invoice of this customer")
	case err != nil:
		return nil, err
	case inv.Currency != note.Currency:
		return nil, invalid("currency", "currency_mismatch", "must be the credited invoice's currency ("+inv.Currency+")")
	}
	return inv, nil
}

// lockInvoice loads an invoice and locks its row until the transaction ends: a concurrent
// change waits, then reads what this one wrote. (SQLite has one writer at a time, so there
// the lock is the write transaction itself.)
func lockInvoice(tx *gorm.DB, merchantID, invoiceID string) (*Invoice, error) {
	var inv Invoice
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("merchant_id = ? AND id = ?", merchantID, invoiceID).Take(&inv).Error
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// saveInvoice writes the columns of inv that differ from before, and nothing else, so a
// change never overwrites a column it did not mean to change; and announces the change:
// every write of a document's status or money passes here.
func (s *Store) saveInvoice(tx *gorm.DB, inv, before *Invoice) error {
	changes := map[string]any{}
	for _, c := range []struct {
		column   string
		now, was any
	}{
		{"status", inv.Status, before.Status},
		{"amount_paid", inv.AmountPaid, before.AmountPaid},
		{"amount_refunded", inv.AmountRefunded, before.AmountRefunded},
		{"amount_credited", inv.AmountCredited, before.AmountCredited},
		{"amount_due", inv.AmountDue, before.AmountDue},
	} {
		if c.now != c.was {
			changes[c.column] = c.now
		}
	}
	if len(changes) == 0 {
		return nil
	}
	inv.UpdatedAt = s.Now()
	changes["updated_at"] = inv.UpdatedAt
	if err := tx.Model(&Invoice{}).Where("merchant_id = ? AND id = ?", inv.MerchantID, inv.ID).Updates(changes).Error; err != nil {
		return err
	}
	action := "updated"
	if inv.Status != before.Status {
		action = statusEvents[inv.Status]
	}
	return s.announceInvoice(tx, inv, action)
}

// statusEvents names the action of the event that announces a document's move to a status.
var statusEvents = map[InvoiceStatus]string{
	StatusOpen: "opened", StatusPaid: "paid", StatusVoid: "voided", StatusUncollectible: "marked_uncollectible",
}

// announceInvoice announces a change to an invoice or credit note (invoice.paid,
// credit_note.voided …) with the document as the API shows it, lines included.
func (s *Store) announceInvoice(tx *gorm.DB, inv *Invoice, action string) error {
	if inv.Lines == nil {
		if err := tx.Where("invoice_id = ?", inv.ID).Order("position").Find(&inv.Lines).Error; err != nil {
			return err
		}
	}
	return s.announce(tx, inv.MerchantID, string(inv.Kind)+"."+action, inv.Resource(s.Now(), s.links.base()))
}

// moveTo changes the document's status along invoiceTransitions and settles the money the
// new status implies: paid settles what is due, void cancels it, and opening a draft makes
// its total (less what was paid or credited) due.
func (inv *Invoice) moveTo(to InvoiceStatus) error {
	if !slices.Contains(invoiceTransitions[inv.Kind][inv.Status], to) {
		return &StateError{Message: "a " + string(inv.Status) + " " + kindName(inv.Kind) + " cannot become " + string(to)}
	}
	switch to {
	case StatusOpen:
		inv.AmountDue = inv.owed()
	case StatusPaid:
		inv.AmountPaid += inv.AmountDue
		inv.AmountDue = 0
	case StatusVoid:
		inv.AmountDue = 0
	}
	inv.Status = to
	return nil
}

// invalid is a ValidationError of one field.
func invalid(field, code, message string) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Code: code, Message: message}}}
}

// notFoundAs turns "the referenced row does not exist" into a validation error on field,
// because a bad reference inside a body is the caller's input error, not a missing URL.
func notFoundAs(err error, field string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, ErrNotFound) {
		return invalid(field, "not_found", "does not name an existing record")
	}
	return err
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// GetInvoice loads an invoice or credit note with its lines.
func (s *Store) GetInvoice(ctx context.Context, sc Scope, invoiceID string) (*Invoice, error) {
	if !validID("inv", invoiceID) {
		return nil, ErrNotFound
	}
	var inv Invoice
	err := sc.invoices(s.scoped(ctx, sc)).Where("id = ?", invoiceID).
		Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).
		Take(&inv).Error
	if err != nil {
		return nil, storeError("get invoice", err)
	}
	return &inv, nil
}

// GetCustomerInvoice is the portal's invoice page: an invoice or credit note with its lines
// that the customer sc names by ID may see (no drafts). Like ListCustomerInvoices it is a
// prepared query scanned by hand, one for the invoice and one for its lines; the page is
// where a link to a document lands.
func (s *Store) GetCustomerInvoice(ctx context.Context, sc Scope, invoiceID string) (*Invoice, error) {
	if !validID("inv", invoiceID) || !ValidCustomerID(sc.CustomerID) {
		return nil, ErrNotFound
	}
	inv, err := queryOne(ctx, s.db, customerInvoiceQuery, []any{sc.MerchantID, sc.CustomerID, invoiceID, StatusDraft}, invoiceColumns)
	if err != nil {
		return nil, storeError("get customer invoice", err)
	}
	err = s.db.queryRows(ctx, invoiceLinesQuery, []any{inv.ID}, func(row scanner) error {
		inv.Lines = append(inv.Lines, InvoiceLine{})
		return scanRow(row, invoiceLineColumns, &inv.Lines[len(inv.Lines)-1])
	})
	if err != nil {
		return nil, storeError("get customer invoice lines", err)
	}
	return inv, nil
}

// invoiceColumns are every column of an invoice, as GetCustomerInvoice reads them.
var invoiceColumns = []column[Invoice]{
	{"id", func(i *Invoice) any { return &i.ID }},
	{"merchant_id", func(i *Invoice) any { return &i.MerchantID }},
	{"customer_id", func(i *Invoice) any { return &i.CustomerID }},
	{"kind", func(i *Invoice) any { return &i.Kind }},
	{"number", func(i *Invoice) any { return &i.Number }},
	{"credited_invoice_id", func(i *Invoice) any { return &i.CreditedInvoiceID }},
	{"status", func(i *Invoice) any { return &i.Status }},
	{"currency", func(i *Invoice) any { return &i.Currency }},
	{"subtotal", func(i *Invoice) any { return &i.Subtotal }},
	{"tax", func(i *Invoice) any { return &i.Tax }},
	{"total", func(i *Invoice) any { return &i.Total }},
	{"amount_paid", func(i *Invoice) any { return &i.AmountPaid }},
	{"amount_refunded", func(i *Invoice) any { return &i.AmountRefunded }},
	{"amount_credited", func(i *Invoice) any { return &i.AmountCredited }},
	{"amount_due", func(i *Invoice) any { return &i.AmountDue }},
	{"issued_at", func(i *Invoice) any { return &i.IssuedAt }},
	{"due_at", func(i *Invoice) any { return &i.DueAt }},
	{"period_start", func(i *Invoice) any { return &i.PeriodStart }},
	{"period_end", func(i *Invoice) any { return &i.PeriodEnd }},
	{"memo", func(i *Invoice) any { return &i.Memo }},
	{"payment_url", func(i *Invoice) any { return &i.PaymentURL }},
	{"created_at", func(i *Invoice) any { return &i.CreatedAt }},
	{"updated_at", func(i *Invoice) any { return &i.UpdatedAt }},
}

// invoiceLineColumns are every column of an invoice line.
var invoiceLineColumns = []column[InvoiceLine]{
	{"id", func(l *InvoiceLine) any { return &l.ID }},
	{"invoice_id", func(l *InvoiceLine) any { return &l.InvoiceID }},
	{"position", func(l *InvoiceLine) any { return &l.Position }},
	{"description", func(l *InvoiceLine) any { return &l.Description }},
	{"quantity", func(l *InvoiceLine) any { return &l.Quantity }},
	{"unit_amount", func(l *InvoiceLine) any { return &l.UnitAmount }},
	{"amount", func(l *InvoiceLine) any { return &l.Amount }},
	{"tax_rate", func(l *InvoiceLine) any { return &l.TaxRate }},
	{"tax_amount", func(l *InvoiceLine) any { return &l.TaxAmount }},
}

var (
	customerInvoiceQuery = "SELECT " + selectList(invoiceColumns) +
		" FROM invoices WHERE merchant_id = ? AND customer_id = ? AND id = ? AND status <> ?"
	invoiceLinesQuery = "SELECT " + selectList(invoiceLineColumns) + " FROM invoice_lines WHERE invoice_id = ? ORDER BY position"
)

// InvoiceFilter narrows an invoice list. Empty fields do not filter; Status may be
// StatusOverdue.
type InvoiceFilter struct {
	CustomerRef       string
	Status            InvoiceStatus
	Kind              InvoiceKind
	CreditedInvoiceID string // credit notes of one invoice
}

// invoiceListOrder is every invoice list's order: newest first, stable.
const invoiceListOrder = "issued_at DESC, id DESC"

// ListInvoices returns one page of invoices, newest first (without lines).
func (s *Store) ListInvoices(ctx context.Context, sc Scope, f InvoiceFilter, page Page) ([]Invoice, PageInfo, error) {
	q, err := s.invoiceQuery(ctx, sc, f)
	if err != nil {
		return nil, PageInfo{}, err
	}
	rows, info, err := listPage[Invoice](q, page, invoiceListOrder)
	return rows, info, storeError("list invoices", err)
}

// customerInvoiceColumns are the columns a customer's invoice list shows.
var customerInvoiceColumns = pick(invoiceColumns, "id", "kind", "number", "status", "currency", "total",
	"amount_due", "issued_at", "due_at", "period_start", "period_end", "payment_url")

// ListCustomerInvoices is the portal's invoice list: what the customer sc names by ID may
// see (no drafts, the merchant's work in progress), with only the columns the list shows.
// f.CustomerRef is not for it: the scope names the customer. Pages come from the Store's
// cache while fresh (see cache.go), else from a prepared query scanned by hand; a short
// page is counted without a second query. The rows are shared with every request the cache
// answers: read them, never change them (copying 25 rows for each page view was a fifth of
// the list page's allocations).
func (s *Store) ListCustomerInvoices(ctx context.Context, sc Scope, f InvoiceFilter, page Page) ([]Invoice, PageInfo, error) {
	page = page.normalized()
	if !ValidCustomerID(sc.CustomerID) || f.CustomerRef != "" {
		return nil, PageInfo{Page: page.Number, PerPage: page.PerPage}, ErrNotFound
	}
	type listKey struct {
		filter InvoiceFilter
		page   Page
	}
	list, err := readCustomer(ctx, s, sc, listKey{f, page}, invoicePage.shared, func(now time.Time) (invoicePage, error) {
		rows, info, err := s.listCustomerInvoices(ctx, sc, f, page, now)
		return invoicePage{rows, info}, err
	})
	return list.rows, list.info, err
}

// invoicePage is one page of a list of invoices, as the Store's cache keeps it.
type invoicePage struct {
	rows []Invoice
	info PageInfo
}

// shared is p as every reader gets it: an append to the rows copies them first.
func (p invoicePage) shared() invoicePage { return invoicePage{slices.Clip(p.rows), p.info} }

// listCustomerInvoices is ListCustomerInvoices's queries, at time now, of a normalized page.
func (s *Store) listCustomerInvoices(ctx context.Context, sc Scope, f InvoiceFilter, page Page, now time.Time) ([]Invoice, PageInfo, error) {
	info := PageInfo{Page: page.Number, PerPage: page.PerPage}
	list, count, args := customerInvoiceQueries(sc, f, now)
	var rows []Invoice
	err := s.db.queryRows(ctx, list, append(args, page.PerPage, page.offset()), func(row scanner) error {
		rows = append(rows, Invoice{})
		return scanRow(row, customerInvoiceColumns, &rows[len(rows)-1])
	})
	if err != nil {
		return nil, info, storeError("list customer invoices", err)
	}
	// A page short of rows is the last one, so it tells the total; an empty page after the
	// first may lie beyond the last and still needs the count.
	if len(rows) < page.PerPage && (len(rows) > 0 || page.Number == 1) {
		info.Total = int64(page.offset() + len(rows))
		return rows, info, nil
	}
	err = s.db.queryRows(ctx, count, args, func(row scanner) error { return row.Scan(&info.Total) })
	return rows, info, storeError("count customer invoices", err)
}

// customerInvoiceQueries are ListCustomerInvoices's queries at time at: a page of the rows
// (its LIMIT and OFFSET the last placeholders, after args) and their count.
func customerInvoiceQueries(sc Scope, f InvoiceFilter, at time.Time) (list, count string, args []any) {
	where := []string{"merchant_id = ?", "customer_id = ?", "status <> ?"}
	args = []any{sc.MerchantID, sc.CustomerID, StatusDraft}
	for _, c := range f.conditions(at) {
		where, args = append(where, c.sql), append(args, c.args...)
	}
	from := " FROM invoices WHERE " + strings.Join(where, " AND ")
	list = "SELECT " + selectList(customerInvoiceColumns) + from + " ORDER BY " + invoiceListOrder + " LIMIT ? OFFSET ?"
	return list, "SELECT COUNT(*)" + from, args
}

// invoiceQuery selects the invoices sc may see that match f.
func (s *Store) invoiceQuery(ctx context.Context, sc Scope, f InvoiceFilter) (*gorm.DB, error) {
	q, err := s.filteredByCustomer(ctx, sc, f.CustomerRef)
	if err != nil {
		return nil, err
	}
	for _, c := range f.conditions(s.Now()) {
		q = q.Where(c.sql, c.args...)
	}
	return q, nil
}

// condition is one condition of a WHERE clause, with the values of its placeholders.
type condition struct {
	sql  string
	args []any
}

// conditions are what f asks of an invoice at time at (its customer aside), deriving
// overdue from the due date.
func (f InvoiceFilter) conditions(at time.Time) []condition {
	var cs []condition
	switch f.Status {
	case "":
	case StatusOverdue:
		cs = append(cs, condition{"status = ? AND amount_due > 0 AND due_at < ?", []any{StatusOpen, at}})
	case StatusOpen:
		cs = append(cs, condition{"status = ? AND NOT (amount_due > 0 AND due_at IS NOT NULL AND due_at < ?)", []any{StatusOpen, at}})
	default:
		cs = append(cs, condition{"status = ?", []any{f.Status}})
	}
	if f.Kind != "" {
		cs = append(cs, condition{"kind = ?", []any{f.Kind}})
	}
	if f.CreditedInvoiceID != "" {
		cs = append(cs, condition{"credited_invoice_id = ?", []any{f.CreditedInvoiceID}})
	}
	return cs
}

// UpdateInvoiceStatus moves an invoice or credit note to a new status along the state
// machine (see Invoice.moveTo). The row is locked for the change, so a void racing a
// payment has one winner and the other is refused. Voiding a credit note gives its amount
// back to the invoice it credited.
func (s *Store) UpdateInvoiceStatus(ctx context.Context, merchantID string, actor Actor, invoiceID string, status InvoiceStatus) (*Invoice, error) {
	var v validator
	if status == "" {
		v.add("status", "required", "is required")
	} else {
		v.oneOf("status", string(status), strs(InvoiceStatusTargets)...)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if !validID("inv", invoiceID) {
		return nil, ErrNotFound
	}
	var inv *Invoice
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		var err error
		if inv, err = lockInvoice(tx, merchantID, invoiceID); err != nil {
			return err
		}
		before := *inv
		if err := inv.moveTo(status); err != nil {
			return err
		}
		if inv.Kind == KindCreditNote && inv.CreditedInvoiceID != nil && before.Status == StatusIssued {
			if err := s.uncredit(tx, inv); err != nil {
				return err
			}
		}
		if err := s.saveInvoice(tx, inv, &before); err != nil {
			return err
		}
		details := map[string]any{"invoice_id": inv.ID, "from": before.Status, "to": status}
		return s.record(tx, merchantID, inv.CustomerID, actor, "invoice.status_changed", details)
	})
	if err != nil {
		return nil, storeError("update invoice status", err)
	}
	return s.GetInvoice(ctx, MerchantScope(merchantID), inv.ID)
}

// InvoiceUpdate changes what may still change on an invoice that is a draft or open: the
// payment page, the memo and the due date. nil fields stay; the lines and amounts never
// change (void the invoice and issue another).
type InvoiceUpdate struct {
	PaymentURL *string
	Memo       *string
	DueAt      *time.Time
}

// UpdateInvoice changes a draft or open invoice's payment page, memo or due date, with the
// row locked so it cannot race a payment or a status change (one that paid or voided the
// invoice meanwhile wins, and this is refused).
func (s *Store) UpdateInvoice(ctx context.Context, merchantID string, actor Actor, invoiceID string, in InvoiceUpdate) (*Invoice, error) {
	var v validator
	if in.PaymentURL != nil {
		v.webURL("payment_url", *in.PaymentURL)
	}
	if in.Memo != nil {
		v.multiline("memo", *in.Memo, 2000)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if !validID("inv", invoiceID) {
		return nil, ErrNotFound
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		inv, err := lockInvoice(tx, merchantID, invoiceID)
		if err != nil {
			return err
		}
		switch {
		case inv.Kind != KindInvoice:
			return &StateError{Message: "a credit note cannot be changed"}
		case inv.Status != StatusDraft && inv.Status != StatusOpen:
			return &StateError{Message: "a " + string(inv.Status) + " invoice cannot be changed"}
		case in.DueAt != nil && in.DueAt.Before(inv.IssuedAt):
			return invalid("due_at", "before_issued", "must not be before issued_at")
		}
		var columns changedColumns
		columns.set("payment_url", assign(&inv.PaymentURL, in.PaymentURL))
		columns.set("memo", assign(&inv.Memo, in.Memo))
		if in.DueAt != nil {
			inv.DueAt = utcPtr(in.DueAt)
			columns.set("due_at", true)
		}
		if len(columns) == 0 {
			return nil
		}
		inv.UpdatedAt = s.Now()
		if err := tx.Model(inv).Select(append([]string(columns), "updated_at")).Updates(inv).Error; err != nil {
			return err
		}
		details := map[string]any{"invoice_id": inv.ID, "fields": columns}
		if err := s.record(tx, merchantID, inv.CustomerID, actor, "invoice.updated", details); err != nil {
			return err
		}
		return s.announceInvoice(tx, inv, "updated")
	})
	if err != nil {
		return nil, storeError("update invoice", err)
	}
	return s.GetInvoice(ctx, MerchantScope(merchantID), invoiceID)
}

// uncredit gives a voided credit note's amount back to the invoice it credited: due again
// while the invoice is open or uncollectible. A paid invoice stays settled, so a credit
// note it needs to be settled can no longer be voided.
func (s *Store) uncredit(tx *gorm.DB, note *Invoice) error {
	inv, err := lockInvoice(tx, note.MerchantID, *note.CreditedInvoiceID)
	if err != nil {
		return err
	}
	before := *inv
	inv.AmountCredited -= note.Total
	switch inv.Status {
	case StatusOpen, StatusUncollectible:
		inv.AmountDue = inv.owed()
	case StatusPaid:
		if inv.owed() > 0 {
			return &StateError{Message: "the credited invoice is paid with the help of this credit note, so the note can no longer be voided"}
		}
	}
	return s.saveInvoice(tx, inv, &before)
}

func kindName(k InvoiceKind) string {
	if k == KindCreditNote {
		return "credit note"
	}
	return "invoice"
}
