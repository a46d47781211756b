package models

import (
	"context"
	"errors"

	"gorm.io/gorm"
)

// Payability is what a merchant's setup and a customer's payment details make possible
// for paying that customer's invoices: the one place the portal's "how can I pay" is
// decided (see For).
type Payability struct {
	Provider    string      // the merchant's connected payment provider, or empty
	BankAccount BankAccount // where transfers go; unset when the merchant gave none
	Collection  *Collection // the merchant collects by itself; nil when the customer pays
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

// Payability loads what decides how the customer sc names can pay: the merchant's provider
// and bank account (m is the merchant sc names, already loaded with the session) and the
// customer's collection by the merchant.
func (s *Store) Payability(ctx context.Context, sc Scope, m *Merchant) (Payability, error) {
	pb := Payability{BankAccount: m.BankAccount}
	var providers []string
	if err := s.reader(ctx, sc.MerchantID).Model(&ProviderAccount{}).Limit(1).Pluck("provider", &providers).Error; err != nil {
		return pb, storeError("load payment provider", err)
	}
	if len(providers) > 0 {
		pb.Provider = providers[0]
	}
	var d PaymentDetails
	err := s.scoped(ctx, sc).Select("method", "card_brand", "card_last4", "iban_masked", "auto_collect").Take(&d).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return pb, storeError("load payment details", err)
	case d.AutoCollect && d.Last4() != "":
		pb.Collection = &Collection{Method: d.Method, CardBrand: d.CardBrand, Last4: d.Last4()}
	}
	return pb, nil
}
