package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Address is a postal address.
type Address struct {
	Line1      string
	Line2      string
	PostalCode string
	City       string
	State      string
	Country    string // ISO 3166-1 alpha-2
}

// Customer is one of a merchant's customers: the person or company who uses the portal.
type Customer struct {
	ID              string `gorm:"primaryKey"`
	MerchantID      string
	ExternalID      *string // the merchant's own ID, unique per merchant
	Name            string
	Email           string
	Phone           string
	Address         Address `gorm:"embedded;embeddedPrefix:address_"`
	TaxID           string
	PreferredLocale string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// ExternalRef is how API callers name a customer by the merchant's own ID: "external:42".
const ExternalRef = "external:"

// MaxExternalIDLength is the most characters (Unicode code points, after NFC) an external
// ID may have, on creation and on lookup alike.
const MaxExternalIDLength = 128

// normalizeExternalID is the one form an external ID is stored and looked up in: NFC, so
// "zoë" typed with a combining diaeresis and with a precomposed ë name the same customer.
func normalizeExternalID(id string) string { return norm.NFC.String(id) }

// CustomerInput creates or partially updates a customer: nil fields are left as they are.
type CustomerInput struct {
	ExternalID      *string
	Name            *string
	Email           *string
	Phone           *string
	Address         *AddressInput
	TaxID           *string
	PreferredLocale *string
}

// AddressInput is a partial address update: nil fields are left as they are.
type AddressInput struct {
	Line1, Line2, PostalCode, City, State, Country *string
}

func (in *CustomerInput) normalize() {
	if in.ExternalID != nil {
		id := normalizeExternalID(*in.ExternalID)
		in.ExternalID = &id
	}
}

func (in CustomerInput) validate(creating bool) error {
	var v validator
	if in.ExternalID != nil {
		v.text("external_id", *in.ExternalID, MaxExternalIDLength, true)
	}
	if in.Name != nil || creating {
		v.text("name", deref(in.Name), 200, true)
	}
	if in.Email != nil {
		v.email("email", *in.Email, false)
	}
	if in.Phone != nil {
		v.phone("phone", *in.Phone)
	}
	if a := in.Address; a != nil {
		validateAddress(&v, "address.", a)
	}
	if in.TaxID != nil {
		v.text("tax_id", *in.TaxID, 64, false)
	}
	if in.PreferredLocale != nil {
		v.locale("preferred_locale", *in.PreferredLocale)
	}
	return v.err()
}

func validateAddress(v *validator, prefix string, a *AddressInput) {
	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{{"line1", a.Line1, 200}, {"line2", a.Line2, 200}, {"postal_code", a.PostalCode, 20}, {"city", a.City, 100}, {"state", a.State, 100}} {
		if f.value != nil {
			v.text(prefix+f.name, *f.value, f.max, false)
		}
	}
	if a.Country != nil {
		v.country(prefix+"country", *a.Country)
	}
}

// apply sets the fields the input names and returns their columns.
func (in CustomerInput) apply(c *Customer) []string {
	var columns changedColumns
	if in.ExternalID != nil {
		c.ExternalID = in.ExternalID
		columns.set("external_id", true)
	}
	columns.set("name", assign(&c.Name, in.Name))
	columns.set("email", assign(&c.Email, in.Email))
	columns.set("phone", assign(&c.Phone, in.Phone))
	if a := in.Address; a != nil {
		columns.set("address_line1", assign(&c.Address.Line1, a.Line1))
		columns.set("address_line2", assign(&c.Address.Line2, a.Line2))
		columns.set("address_postal_code", assign(&c.Address.PostalCode, a.PostalCode))
		columns.set("address_city", assign(&c.Address.City, a.City))
		columns.set("address_state", assign(&c.Address.State, a.State))
		columns.set("address_country", assign(&c.Address.Country, a.Country))
	}
	columns.set("tax_id", assign(&c.TaxID, in.TaxID))
	columns.set("preferred_locale", assign(&c.PreferredLocale, in.PreferredLocale))
	return columns
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// CreateCustomer adds a customer.
func (s *Store) CreateCustomer(ctx context.Context, merchantID string, actor Actor, in CustomerInput) (*Customer, error) {
	in.normalize()
	if err := in.validate(true); err != nil {
		return nil, err
	}
	c := &Customer{ID: newID("cus"), MerchantID: merchantID}
	in.apply(c)
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		if err := s.record(tx, merchantID, c.ID, actor, "customer.created", in); err != nil {
			return err
		}
		return s.announce(tx, merchantID, "customer.created", c.Resource())
	})
	if err != nil {
		return nil, uniqueOr("create customer", "external_id", err)
	}
	return c, nil
}

// whereCustomerRef narrows q to the customer a reference names: an ID, or external:ID.
// The reference must have passed validCustomerRef.
func whereCustomerRef(q *gorm.DB, ref string) *gorm.DB {
	if ext, ok := strings.CutPrefix(ref, ExternalRef); ok {
		return q.Where("external_id = ?", normalizeExternalID(ext))
	}
	return q.Where("id = ?", ref)
}

// validCustomerRef rejects references that cannot name a customer, before any query. An
// external ID is held to the rules it was created under.
func validCustomerRef(ref string) bool {
	if ext, ok := strings.CutPrefix(ref, ExternalRef); ok {
		var v validator
		v.text("external_id", normalizeExternalID(ext), MaxExternalIDLength, true)
		return v.err() == nil
	}
	return validID("cus", ref)
}

// ValidCustomerID reports whether id has the form of a customer's ID (cus_…).
func ValidCustomerID(id string) bool { return validID("cus", id) }

// scopedToCustomer is a read limited to sc and, when ref is set, to the customer it names;
// a ref that names no customer of the merchant is ErrNotFound.
func (s *Store) scopedToCustomer(ctx context.Context, sc Scope, ref string) (*gorm.DB, error) {
	q := s.scoped(ctx, sc)
	if ref == "" {
		return q, nil
	}
	id, err := customerID(s.read(ctx), sc.MerchantID, ref)
	if err != nil {
		return nil, storeError("find customer", err)
	}
	return q.Where("customer_id = ?", id), nil
}

// filteredByCustomer is scopedToCustomer for a list filter (?customer_id=external:42): a
// ref that names no customer is the caller's malformed request, a FilterError.
func (s *Store) filteredByCustomer(ctx context.Context, sc Scope, ref string) (*gorm.DB, error) {
	q, err := s.scopedToCustomer(ctx, sc, ref)
	if errors.Is(err, ErrNotFound) {
		return nil, &FilterError{Field: "customer_id", Message: "names no customer"}
	}
	return q, err
}

// GetCustomer loads a customer by ID or external:ID.
func (s *Store) GetCustomer(ctx context.Context, merchantID, ref string) (*Customer, error) {
	if !validCustomerRef(ref) {
		return nil, ErrNotFound
	}
	var c Customer
	if err := whereCustomerRef(s.reader(ctx, merchantID), ref).Take(&c).Error; err != nil {
		return nil, storeError("get customer", err)
	}
	return &c, nil
}

// ListCustomers returns one page of a merchant's customers, newest first; email, when set,
// filters by exact address.
func (s *Store) ListCustomers(ctx context.Context, merchantID string, email string, page Page) ([]Customer, PageInfo, error) {
	q := s.reader(ctx, merchantID)
	if email != "" {
		q = q.Where("email = ?", email)
	}
	rows, info, err := listPage[Customer](q, page, "created_at DESC, id DESC")
	return rows, info, storeError("list customers", err)
}

// UpdateCustomer applies a partial update. It writes only the fields the update names, on
// the row locked for the change, so the merchant's API and the customer's own profile form
// editing different fields at the same moment both keep their change.
func (s *Store) UpdateCustomer(ctx context.Context, merchantID string, actor Actor, ref string, in CustomerInput) (*Customer, error) {
	in.normalize()
	if err := in.validate(false); err != nil {
		return nil, err
	}
	if !validCustomerRef(ref) {
		return nil, ErrNotFound
	}
	var c Customer
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := whereCustomerRef(tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("merchant_id = ?", merchantID), ref).Take(&c).Error; err != nil {
			return err
		}
		oldEmail := c.Email
		if columns := in.apply(&c); len(columns) > 0 {
			c.UpdatedAt = s.Now()
			if err := tx.Model(&c).Select(append(columns, "updated_at")).Updates(&c).Error; err != nil {
				return err
			}
		}
		if err := s.record(tx, merchantID, c.ID, actor, "customer.updated", in); err != nil {
			return err
		}
		// The old address hears of the change: whoever changed it may not be its owner.
		if oldEmail != "" && !sameAddress(oldEmail, c.Email) {
			details := EmailDetails{NewAddress: MaskEmail(c.Email)}
			if err := s.notify(tx, actor, merchantID, c.ID, EmailAddressChanged, oldEmail, details); err != nil {
				return err
			}
		}
		// The merchant's systems hear of every change, above all those customers make in
		// the portal (a new billing address, another email).
		return s.announce(tx, merchantID, "customer.updated", c.Resource())
	})
	if err != nil {
		return nil, uniqueOr("update customer", "external_id", err)
	}
	return &c, nil
}

// ErrCustomerHasBillingRecords refuses to delete a customer whose invoices or payments
// exist: billing records are kept for the books, and the schema would cascade them away.
var ErrCustomerHasBillingRecords = &StateError{Message: "the customer has invoices or payments, which are kept for bookkeeping, so the customer cannot be deleted"}

// DeleteCustomer removes a customer with no invoices or payments, and everything else that
// belongs to them (the schema cascades), including their portal links and sessions. The
// customer row is locked first, so an invoice or payment written at the same moment either
// lands before the check (and the delete is refused) or fails for want of its customer.
func (s *Store) DeleteCustomer(ctx context.Context, merchantID string, actor Actor, ref string) error {
	if !validCustomerRef(ref) {
		return ErrNotFound
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		var c Customer
		if err := whereCustomerRef(tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("merchant_id = ?", merchantID), ref).Take(&c).Error; err != nil {
			return err
		}
		for _, table := range []any{&Invoice{}, &Payment{}} {
			var n int64
			if err := tx.Model(table).Where("merchant_id = ? AND customer_id = ?", merchantID, c.ID).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return ErrCustomerHasBillingRecords
			}
		}
		if err := tx.Where("merchant_id = ? AND id = ?", merchantID, c.ID).Delete(&Customer{}).Error; err != nil {
			return err
		}
		if err := s.record(tx, merchantID, "", actor, "customer.deleted", map[string]string{"customer_id": c.ID}); err != nil {
			return err
		}
		return s.announce(tx, merchantID, "customer.deleted", c.Resource())
	})
	return storeError("delete customer", err)
}
