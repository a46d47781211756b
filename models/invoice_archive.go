package models

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
)

// archiveBatch is how many documents (with their lines) a walk through a year's archive
// holds at a time.
const archiveBatch = 100

// ArchivedDocument is one document of a year's archive: an invoice or credit note with its
// lines, and for a credit note the number of the invoice it credits (empty when there is
// none, or the reader may not see it).
type ArchivedDocument struct {
	Invoice
	CreditedNumber string
}

// yearSpan is the first instant of a calendar year (UTC) and the first of the next.
func yearSpan(year int) (time.Time, time.Time) {
	return time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC), time.Date(year+1, time.January, 1, 0, 0, 0, 0, time.UTC)
}

// archiveDocuments is a query on the documents sc has in the archive: never drafts, for
// anyone (a draft is the merchant's work in progress, not a document).
func (s *Store) archiveDocuments(ctx context.Context, sc Scope) *gorm.DB {
	return s.scoped(ctx, sc).Model(&Invoice{}).Where("status <> ?", StatusDraft)
}

// InvoiceYears lists the calendar years (UTC) in which sc has documents, newest first, in one
// query over the customer's range of the issue-date index, prepared and scanned by hand:
// the invoice list asks for it on every page. The scope must name its customer by ID.
func (s *Store) InvoiceYears(ctx context.Context, sc Scope) ([]int, error) {
	if !ValidCustomerID(sc.CustomerID) {
		return nil, ErrNotFound
	}
	type yearsKey struct{}
	return readCustomer(ctx, s, sc, yearsKey{}, slices.Clone, func(time.Time) ([]int, error) { return s.invoiceYears(ctx, sc) })
}

// invoiceYears reads the documents archiveDocuments names (the customer's, never drafts), in
// SQL of its own: a change to which documents the archive holds changes both.
func (s *Store) invoiceYears(ctx context.Context, sc Scope) ([]int, error) {
	query := "SELECT DISTINCT " + yearOf(s.db.Dialect, "issued_at") + " AS year FROM invoices" +
		" WHERE merchant_id = ? AND customer_id = ? AND status <> ? ORDER BY year DESC"
	var years []int
	err := s.db.queryRows(ctx, query, []any{sc.MerchantID, sc.CustomerID, StatusDraft}, func(row scanner) error {
		var year int
		err := row.Scan(&year)
		years = append(years, year)
		return err
	})
	return years, storeError("list invoice years", err)
}

// yearOf is SQL for the calendar year (UTC) of a timestamp column: PostgreSQL keeps
// timestamps as timestamptz, SQLite as text with their offset, which strftime reads in UTC.
func yearOf(d Dialect, column string) string {
	if d == Postgres {
		return "CAST(EXTRACT(YEAR FROM " + column + " AT TIME ZONE 'UTC') AS INTEGER)"
	}
	return "CAST(strftime('%Y', " + column + ") AS INTEGER)"
}

// CountInvoicesOfYear counts the documents sc has that were issued in year (UTC).
func (s *Store) CountInvoicesOfYear(ctx context.Context, sc Scope, year int) (int64, error) {
	start, end := yearSpan(year)
	var n int64
	err := s.archiveDocuments(ctx, sc).Where("issued_at >= ? AND issued_at < ?", start, end).Count(&n).Error
	return n, storeError("count invoices of year", err)
}

// ForEachInvoiceOfYear calls fn with each document sc has that was issued in year (UTC),
// oldest first, with its lines. It reads archiveBatch documents at a time, so memory holds
// one batch however many documents the year has; fn's error stops the walk and is returned.
func (s *Store) ForEachInvoiceOfYear(ctx context.Context, sc Scope, year int, fn func(*ArchivedDocument) error) error {
	start, end := yearSpan(year)
	var last *Invoice
	for {
		q := s.archiveDocuments(ctx, sc).Where("issued_at >= ? AND issued_at < ?", start, end)
		if last != nil {
			q = q.Where("(issued_at > ? OR (issued_at = ? AND id > ?))", last.IssuedAt, last.IssuedAt, last.ID)
		}
		var batch []Invoice
		err := q.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).
			Order("issued_at, id").Limit(archiveBatch).Find(&batch).Error
		if err != nil {
			return storeError("list invoices of year", err)
		}
		credited, err := s.creditedNumbers(ctx, sc, batch)
		if err != nil {
			return err
		}
		for i := range batch {
			doc := ArchivedDocument{Invoice: batch[i]}
			if id := batch[i].CreditedInvoiceID; id != nil {
				doc.CreditedNumber = credited[*id]
			}
			if err := fn(&doc); err != nil {
				return err
			}
		}
		if len(batch) < archiveBatch {
			return nil
		}
		last = &batch[len(batch)-1]
	}
}

// creditedNumbers maps the invoices the credit notes among docs credit to their numbers, for
// those sc may see, in one query.
func (s *Store) creditedNumbers(ctx context.Context, sc Scope, docs []Invoice) (map[string]string, error) {
	var ids []string
	for _, d := range docs {
		if d.CreditedInvoiceID != nil {
			ids = append(ids, *d.CreditedInvoiceID)
		}
	}
	numbers := map[string]string{}
	if len(ids) == 0 {
		return numbers, nil
	}
	var rows []Invoice
	err := sc.invoices(s.scoped(ctx, sc)).Select("id", "number").Where("id IN ?", ids).Find(&rows).Error
	if err != nil {
		return nil, storeError("load credited invoices", err)
	}
	for _, r := range rows {
		numbers[r.ID] = r.Number
	}
	return numbers, nil
}
