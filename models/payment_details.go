package models

import (
	"context"
	"errors"
	"regexp"
	"time"

	"gorm.io/gorm"
)

// Payment method types a customer can have on file.
const (
	MethodSEPADebit = "sepa_debit"
	MethodCard      = "card"
)

// PaymentDetails is how a customer pays: direct-debit account (IBAN) or a card the merchant
// synced. Card numbers never reach Portico, only brand and last four digits.
type PaymentDetails struct {
	ID            string `gorm:"primaryKey"`
	MerchantID    string
	CustomerID    string
	Method        string
	AccountHolder string
	IBAN          string `gorm:"column:iban"`
	CardBrand     string
	CardLast4     string
	CardExpMonth  int
	CardExpYear   int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// MaskedIBAN is the IBAN as it may be shown.
func (p *PaymentDetails) MaskedIBAN() string { return MaskIBAN(p.IBAN) }

// PaymentDetailsInput replaces what a customer has on file.
type PaymentDetailsInput struct {
	Method        string
	AccountHolder string
	IBAN          string
	CardBrand     string
	CardLast4     string
	CardExpMonth  int
	CardExpYear   int
}

var (
	last4Pattern     = regexp.MustCompile(`^[0-9]{4}$`)
	cardBrandPattern = regexp.MustCompile(`^[a-z_]{2,20}$`)
)

func (in *PaymentDetailsInput) validate() error {
	var v validator
	v.oneOf("method", in.Method, MethodSEPADebit, MethodCard)
	switch in.Method {
	case MethodSEPADebit:
		in.IBAN = NormalizeIBAN(in.IBAN)
		v.text("account_holder", in.AccountHolder, 70, true)
		switch {
		case in.IBAN == "":
			v.add("iban", "required", "is required")
		case !ValidIBAN(in.IBAN):
			v.add("iban", "invalid_iban", "is not a valid IBAN")
		}
		in.CardBrand, in.CardLast4, in.CardExpMonth, in.CardExpYear = "", "", 0, 0
	case MethodCard:
		if !cardBrandPattern.MatchString(in.CardBrand) {
			v.add("card_brand", "invalid", "must be a card brand like visa")
		}
		if !last4Pattern.MatchString(in.CardLast4) {
			v.add("card_last4", "invalid", "must be the last four digits")
		}
		if in.CardExpMonth < 1 || in.CardExpMonth > 12 {
			v.add("card_exp_month", "out_of_range", "must be between 1 and 12")
		}
		if in.CardExpYear < 2000 || in.CardExpYear > 2100 {
			v.add("card_exp_year", "out_of_range", "must be a four-digit year")
		}
		in.IBAN = ""
	}
	return v.err()
}

// GetPaymentDetails loads what the customer sc names has on file; ErrNotFound when nothing is.
func (s *Store) GetPaymentDetails(ctx context.Context, sc Scope) (*PaymentDetails, error) {
	if !validCustomerRef(sc.CustomerID) {
		return nil, ErrNotFound
	}
	var p PaymentDetails
	if err := s.scoped(ctx, sc).Take(&p).Error; err != nil {
		return nil, storeError("get payment details", err)
	}
	return &p, nil
}

// SetPaymentDetails replaces what the customer sc names has on file and announces the change.
func (s *Store) SetPaymentDetails(ctx context.Context, sc Scope, actor Actor, in PaymentDetailsInput) (*PaymentDetails, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var p PaymentDetails
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		event := "payment_details.updated"
		err = tx.Where("merchant_id = ? AND customer_id = ?", sc.MerchantID, id).Take(&p).Error
		switch {
		case err == nil:
		case errors.Is(err, gorm.ErrRecordNotFound):
			p = PaymentDetails{ID: newID("pm"), MerchantID: sc.MerchantID, CustomerID: id}
			event = "payment_details.created"
		default:
			return err
		}
		p.Method, p.AccountHolder, p.IBAN = in.Method, in.AccountHolder, in.IBAN
		p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear = in.CardBrand, in.CardLast4, in.CardExpMonth, in.CardExpYear
		if err := tx.Save(&p).Error; err != nil {
			return err
		}
		// The audit log keeps the masked IBAN only; the merchant reads the full one over the API.
		details := map[string]string{"method": p.Method, "iban": p.MaskedIBAN(), "card_last4": p.CardLast4}
		if err := s.record(tx, sc.MerchantID, id, actor, "payment_details.updated", details); err != nil {
			return err
		}
		return s.announce(tx, sc.MerchantID, event, p.Resource())
	})
	if err != nil {
		return nil, uniqueOr("set payment details", "customer_id", err)
	}
	return &p, nil
}
