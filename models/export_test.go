package models

import "time"

// columnNames are the columns cols read.
func columnNames[T any](cols []column[T]) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return names
}

// The columns the hand-scanned queries read, for the tests that hold them to the models.
var (
	PortalAccessColumns    = columnNames(portalAccessColumns)
	CustomerInvoiceColumns = columnNames(customerInvoiceColumns)
	InvoiceColumns         = columnNames(invoiceColumns)
	InvoiceLineColumns     = columnNames(invoiceLineColumns)
)

// CustomerInvoiceList is the query of a page of ListCustomerInvoices and its arguments.
func CustomerInvoiceList(sc Scope, f InvoiceFilter, at time.Time, page Page) (string, []any) {
	list, _, args := customerInvoiceQueries(sc, f, at)
	page = page.normalized()
	return list, append(args, page.PerPage, page.offset())
}

// The hand-written inserts of the write path, for the test that holds them to the models.
var (
	InsertAuditEventSQL  = insertAuditEvent.query
	InsertOutboxEventSQL = insertOutboxEvent.query
	InsertPortalLinkSQL  = insertPortalLink.query
)
