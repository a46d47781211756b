package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// customerInvoiceOrder indexes a customer's invoices in the order every invoice list shows
// them (issued_at DESC, id DESC), so a page of the portal's list reads its rows off the
// index instead of sorting all of the customer's invoices first. It replaces
// idx_invoices_customer (merchant_id, customer_id, issued_at), which it extends.
var customerInvoiceOrder = &gormigrate.Migration{
	ID: "0011_customer_invoice_order",
	Migrate: func(tx *gorm.DB) error {
		if err := tx.Exec("CREATE INDEX idx_invoices_customer_order ON invoices (merchant_id, customer_id, issued_at DESC, id DESC)").Error; err != nil {
			return err
		}
		return tx.Exec("DROP INDEX idx_invoices_customer").Error
	},
}
