package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Payability is what a merchant's setup and a customer's payment details make possible
// for paying that customer's invoices: the one place the portal's "how can I pay" is
// decided (see For).
type Payability struct {
	Provider    string      // the merchant's connected payment provider, or empty
	BankAccount BankAccount // where transfers go; unset when the merchant gave none
	Collection  *Collection // the merchant collects by itself; nil when the customer pays
	// remittanceFormat and customerRef make transfer references (TransferReference).
	remittanceFormat, customerRef string
}

// TransferReference is the reference the customer writes on a transfer for an invoice.
func (pb Payability) TransferReference(invoiceNumber string) string {
	return transferReference(pb.remittanceFormat, invoiceNumber, pb.customerRef)
}

// Collection is the payment method a merchant collects open invoices from.
type Collection struct {
	Method    string // MethodSEPADebit or MethodCard
	CardBrand string
	Last4     string
}

// PaymentOptions is how the customer can pay one invoice. The zero value offers nothing:
// the invoice is not open, or nothing is due.
type PaymentOptions struct {
	PaymentURL string      // the invoice's hosted payment page (any provider)
	Provider   string      // pay through the merchant's provider, when there is no PaymentURL
	Transfer   bool        // bank transfer, with an EPC QR code: EUR invoices, a merchant account
	Collection *Collection // collected from the customer's method on the due date: no Pay
	Processing bool        // a payment through the provider is under way: no second one
}

// Payable reports whether the customer is offered a way to pay now.
func (o PaymentOptions) Payable() bool { return o.PaymentURL != "" || o.Provider != "" || o.Transfer }

// For is how the customer can pay inv, given whether a provider payment of it is under way.
// An invoice the merchant collects by itself offers no payment (paying as well would pay
// twice); one a provider is still settling offers none either.
func (pb Payability) For(inv *Invoice, processing bool) PaymentOptions {
	switch {
	case inv.Kind != KindInvoice || inv.Status != StatusOpen || inv.AmountDue <= 0:
		return PaymentOptions{}
	case processing:
		return PaymentOptions{Processing: true}
	case pb.Collection != nil:
		return PaymentOptions{Collection: pb.Collection}
	}
	o := PaymentOptions{
		PaymentURL: inv.PaymentURL,
		Transfer:   inv.Currency == "EUR" && pb.BankAccount.Set() && inv.AmountDue <= epcMaxAmount,
	}
	if o.PaymentURL == "" {
		o.Provider = pb.Provider
	}
	return o
}

// Payability loads what decides how the customer sc names can pay, in two indexed
// queries: the merchant's provider and bank account with the customer's reference, and
// whether the merchant collects from the customer's payment details.
func (s *Store) Payability(ctx context.Context, sc Scope) (Payability, error) {
	type payabilityKey struct{}
	return readCustomer(ctx, s, sc, payabilityKey{}, Payability.clone, func(time.Time) (Payability, error) { return s.payability(ctx, sc) })
}

// clone is a copy of pb that shares nothing with it.
func (pb Payability) clone() Payability {
	if pb.Collection != nil {
		c := *pb.Collection
		pb.Collection = &c
	}
	return pb
}

// payabilityQuery and collectionQuery are payability's two reads, scanned by hand like the
// other reads behind every portal page (see prepared.go): through GORM's query builder, a
// cache miss took the request's stack past 16 KB, and with it every connection's goroutine
// under load.
const (
	payabilityQuery = `SELECT m.bank_account_holder, m.bank_iban, m.bank_bic, m.remittance_format, a.provider,
		(SELECT COALESCE(c.external_id, c.id) FROM customers AS c WHERE c.merchant_id = m.id AND c.id = ?)
		FROM merchants AS m LEFT JOIN payment_provider_accounts AS a ON a.merchant_id = m.id
		WHERE m.id = ? LIMIT 1`
	collectionQuery = `SELECT method, card_brand, card_last4, iban_masked, auto_collect FROM payment_details
		WHERE merchant_id = ? AND customer_id = ? LIMIT 1`
)

func (s *Store) payability(ctx context.Context, sc Scope) (Payability, error) {
	var pb Payability
	var provider, customerRef *string
	found := false
	err := s.db.queryRows(ctx, payabilityQuery, []any{sc.CustomerID, sc.MerchantID}, func(row scanner) error {
		found = true
		return row.Scan(&pb.BankAccount.AccountHolder, &pb.BankAccount.IBAN, &pb.BankAccount.BIC, &pb.remittanceFormat, &provider, &customerRef)
	})
	if err == nil && !found {
		err = gorm.ErrRecordNotFound
	}
	if err != nil {
		return Payability{}, storeError("load payability", err)
	}
	if provider != nil {
		pb.Provider = *provider
	}
	if customerRef != nil {
		pb.customerRef = *customerRef
	}
	var d PaymentDetails
	err = s.db.queryRows(ctx, collectionQuery, []any{sc.MerchantID, sc.CustomerID}, func(row scanner) error {
		return row.Scan(&d.Method, &d.CardBrand, &d.CardLast4, &d.IBANMasked, &d.AutoCollect)
	})
	switch {
	case err != nil:
		return pb, storeError("load payment details", err)
	case d.AutoCollect && d.Last4() != "":
		pb.Collection = &Collection{Method: d.Method, CardBrand: d.CardBrand, Last4: d.Last4()}
	}
	return pb, nil
}
