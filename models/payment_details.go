package models

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Payment method types a customer can have on file.
const (
	MethodSEPADebit = "sepa_debit"
	MethodCard      = "card"
)

// PaymentDetails is how a customer pays: direct-debit account (IBAN) or a card the merchant
// synced. Card numbers never reach Portico, only brand and last four digits. The IBAN is
// stored sealed with the data keys, beside its masked form, which is all any page or API
// answer shows.
type PaymentDetails struct {
	ID            string `gorm:"primaryKey"`
	MerchantID    string
	CustomerID    string
	Method        string
	AccountHolder string
	// IBAN is the full IBAN, opened from IBANSealed when the details are loaded (empty when
	// the data key that sealed it is gone, or a provider keeps the account).
	IBAN       string `gorm:"-" json:"-"`
	IBANSealed []byte `gorm:"column:iban_sealed" json:"-"`
	IBANMasked string `gorm:"column:iban_masked"`
	// The column iban held IBANs in the clear before they were sealed; SealPaymentDetails
	// empties it, and nothing writes it again.
	CardBrand    string
	CardLast4    string
	CardExpMonth int
	CardExpYear  int
	// Provider keeps the payment method (a card or a SEPA mandate saved through its hosted
	// page); empty for what the merchant or customer entered.
	Provider                string
	ProviderCustomerID      string
	ProviderPaymentMethodID string
	MandateReference        string // the SEPA mandate the provider collects under
	// AutoCollect: the merchant collects open invoices from this method by itself (direct
	// debit, or charging the card), so the portal says when instead of offering to pay.
	AutoCollect bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// MaskedIBAN is the IBAN as it may be shown: masked afresh from the IBAN where it is open
// (so the form follows MaskIBAN), else as it was stored.
func (p *PaymentDetails) MaskedIBAN() string {
	if p.IBAN != "" {
		return MaskIBAN(p.IBAN)
	}
	return p.IBANMasked
}

// Last4 is the end of the account or card number a customer may see, for "collected from
// •••• 3000": the card's last four digits, or what the masked IBAN shows after its mask.
func (p *PaymentDetails) Last4() string {
	if p.Method == MethodCard {
		return p.CardLast4
	}
	i := strings.LastIndex(p.IBANMasked, "•")
	if i < 0 {
		return ""
	}
	return strings.ReplaceAll(p.IBANMasked[i+len("•"):], " ", "")
}

// ibanContext binds a sealed IBAN to its row.
func ibanContext(merchantID, id string) []byte {
	return []byte("payment_details\x00" + merchantID + "\x00" + id)
}

// seal stores iban sealed and masked in p.
func (s *Store) sealIBAN(p *PaymentDetails, iban string) error {
	p.IBAN, p.IBANSealed, p.IBANMasked = iban, nil, ""
	if iban == "" {
		return nil
	}
	if s.dataKeys == nil {
		return errors.New("no data keys configured (models.WithDataKeys): an IBAN is never stored in the clear")
	}
	p.IBANSealed = s.dataKeys.Seal([]byte(iban), ibanContext(p.MerchantID, p.ID))
	p.IBANMasked = MaskIBAN(iban)
	return nil
}

// openIBAN fills p.IBAN from what is sealed; a value no configured key opens stays empty
// (the masked form still shows).
func (s *Store) openIBAN(p *PaymentDetails) {
	if len(p.IBANSealed) == 0 || s.dataKeys == nil {
		return
	}
	if iban, err := s.dataKeys.Open(p.IBANSealed, ibanContext(p.MerchantID, p.ID)); err == nil {
		p.IBAN = string(iban)
	}
}

// shownAccount is the account as a notice names it: the masked IBAN, or the card's brand
// and last four digits.
func (p *PaymentDetails) shownAccount() string {
	if p.Method == MethodCard {
		return strings.ToUpper(p.CardBrand[:1]) + p.CardBrand[1:] + " •••• " + p.CardLast4
	}
	return p.MaskedIBAN()
}

// PaymentDetailsInput replaces what a customer has on file.
type PaymentDetailsInput struct {
	Method        string
	AccountHolder string
	IBAN          string
	CardBrand     string
	CardLast4     string
	CardExpMonth  int
	CardExpYear   int
	// AutoCollect, when given, says whether the merchant collects from the method by
	// itself; nil keeps what was decided, so a customer's new IBAN stays collected.
	AutoCollect *bool
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
		v.bankAccount("", in.AccountHolder, in.IBAN)
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
// The overview shows it on every visit, so it is cached like the customer's other reads,
// nothing on file included; the IBAN stays sealed in the cache and is opened for each caller.
func (s *Store) GetPaymentDetails(ctx context.Context, sc Scope) (*PaymentDetails, error) {
	if !validCustomerRef(sc.CustomerID) {
		return nil, ErrNotFound
	}
	type paymentDetailsKey struct{}
	p, err := readCustomer(ctx, s, sc, paymentDetailsKey{}, (*PaymentDetails).clone, func(time.Time) (*PaymentDetails, error) {
		var p PaymentDetails
		err := s.scoped(ctx, sc).Take(&p).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil
		}
		return &p, err
	})
	if err != nil {
		return nil, storeError("get payment details", err)
	}
	if p == nil {
		return nil, ErrNotFound
	}
	s.openIBAN(p)
	return p, nil
}

// clone is a copy of p that shares nothing with it; nil stays nil.
func (p *PaymentDetails) clone() *PaymentDetails {
	if p == nil {
		return nil
	}
	c := *p
	c.IBANSealed = slices.Clone(p.IBANSealed)
	return &c
}

// SetPaymentDetails replaces what the customer sc names has on file and announces the change.
func (s *Store) SetPaymentDetails(ctx context.Context, sc Scope, actor Actor, in PaymentDetailsInput) (*PaymentDetails, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return s.replacePaymentDetails(ctx, sc, actor, func(p *PaymentDetails) error {
		p.Method, p.AccountHolder = in.Method, in.AccountHolder
		p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear = in.CardBrand, in.CardLast4, in.CardExpMonth, in.CardExpYear
		p.Provider, p.ProviderCustomerID, p.ProviderPaymentMethodID, p.MandateReference = "", "", "", ""
		setIf(&p.AutoCollect, in.AutoCollect)
		return s.sealIBAN(p, in.IBAN)
	})
}

// SetProviderPaymentDetails stores the payment method a provider's setup page saved for
// the customer sc names, replacing what was on file (whether the merchant collects from
// it stays as decided).
func (s *Store) SetProviderPaymentDetails(ctx context.Context, sc Scope, provider string, saved SavedPaymentMethod) (*PaymentDetails, error) {
	var v validator
	v.oneOf("method", saved.Method, MethodSEPADebit, MethodCard)
	v.text("account_holder", saved.AccountHolder, 70, false)
	if saved.Method == MethodCard && (!cardBrandPattern.MatchString(saved.CardBrand) || !last4Pattern.MatchString(saved.CardLast4)) {
		v.add("card", "invalid", "the provider's card details are not a brand and four digits")
	}
	if saved.Method == MethodSEPADebit && (ibanLengths[saved.IBANCountry] == 0 || !last4Pattern.MatchString(saved.IBANLast4)) {
		v.add("iban", "invalid", "the provider's bank account details are not a country and four digits")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.replacePaymentDetails(ctx, sc, ProviderActor(provider), func(p *PaymentDetails) error {
		p.Method, p.AccountHolder, p.IBAN, p.IBANSealed, p.IBANMasked = saved.Method, saved.AccountHolder, "", nil, ""
		p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear = "", "", 0, 0
		if saved.Method == MethodCard {
			p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear = saved.CardBrand, saved.CardLast4, saved.CardExpMonth, saved.CardExpYear
		} else {
			// The provider keeps the full IBAN; the country and last four digits show as any masked IBAN does.
			p.IBANMasked = MaskPartialIBAN(saved.IBANCountry, saved.IBANLast4)
		}
		p.Provider, p.ProviderCustomerID, p.ProviderPaymentMethodID = provider, saved.ProviderCustomerID, saved.ProviderMethodID
		p.MandateReference = saved.MandateReference
		return nil
	})
}

// replacePaymentDetails loads (or starts) the row of the customer sc names, lets change
// fill it in, saves it, and records and announces the change.
func (s *Store) replacePaymentDetails(ctx context.Context, sc Scope, actor Actor, change func(*PaymentDetails) error) (*PaymentDetails, error) {
	var p PaymentDetails
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		event := "payment_details.updated"
		err = tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("merchant_id = ? AND customer_id = ?", sc.MerchantID, id).Take(&p).Error
		switch {
		case err == nil:
		case errors.Is(err, gorm.ErrRecordNotFound):
			p = PaymentDetails{ID: newID("pm"), MerchantID: sc.MerchantID, CustomerID: id}
			event = "payment_details.created"
		default:
			return err
		}
		if err := change(&p); err != nil {
			return err
		}
		if err := tx.Save(&p).Error; err != nil {
			return err
		}
		// The audit log keeps the masked IBAN only.
		details := map[string]string{"method": p.Method, "iban": p.MaskedIBAN(), "card_last4": p.CardLast4}
		if err := s.record(tx, sc.MerchantID, id, actor, "payment_details.updated", details); err != nil {
			return err
		}
		if err := s.notify(tx, actor, sc.MerchantID, id, EmailPaymentDetailsChanged, "", EmailDetails{Account: p.shownAccount()}); err != nil {
			return err
		}
		return s.announce(tx, sc.MerchantID, event, p.Resource())
	})
	if err != nil {
		return nil, uniqueOr("set payment details", "customer_id", err)
	}
	return &p, nil
}

// SealPaymentDetails seals every IBAN still kept in the clear (rows from before IBANs were
// sealed) and empties the clear column, in batches; it returns how many it sealed. Every
// command that migrates runs it: sealing needs the data keys, which migrations do not have.
func (s *Store) SealPaymentDetails(ctx context.Context) (int, error) {
	type clearRow struct{ ID, MerchantID, IBAN string }
	sealed := 0
	for {
		var batch []clearRow
		err := s.writeTx(ctx, func(tx *gorm.DB) error {
			err := tx.Table("payment_details").Select("id", "merchant_id", "iban").Where("iban <> ''").Limit(500).Find(&batch).Error
			if err != nil {
				return err
			}
			for _, row := range batch {
				p := &PaymentDetails{ID: row.ID, MerchantID: row.MerchantID}
				if err := s.sealIBAN(p, NormalizeIBAN(row.IBAN)); err != nil {
					return err
				}
				err := tx.Model(&PaymentDetails{}).Where("id = ?", p.ID).
					Updates(map[string]any{"iban": "", "iban_sealed": p.IBANSealed, "iban_masked": p.IBANMasked}).Error
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return sealed, storeError("seal payment details", err)
		}
		sealed += len(batch)
		if len(batch) == 0 {
			return sealed, nil
		}
	}
}
