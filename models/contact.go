package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Contact is a person at a customer who deals with billing.
type Contact struct {
	ID         string `gorm:"primaryKey"`
	MerchantID string
	CustomerID string
	Name       string
	Email      string
	Phone      string
	Role       string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ContactInput creates or partially updates a contact: nil fields are left as they are.
type ContactInput struct {
	Name  *string
	Email *string
	Phone *string
	Role  *string
}

func (in ContactInput) validate(creating bool) error {
	var v validator
	if in.Name != nil || creating {
		v.text("name", deref(in.Name), 200, true)
	}
	if in.Email != nil || creating {
		v.email("email", deref(in.Email), true)
	}
	if in.Phone != nil {
		v.phone("phone", *in.Phone)
	}
	if in.Role != nil {
		v.text("role", *in.Role, 100, false)
	}
	return v.err()
}

func (in ContactInput) apply(c *Contact) {
	setIf(&c.Name, in.Name)
	setIf(&c.Email, in.Email)
	setIf(&c.Phone, in.Phone)
	setIf(&c.Role, in.Role)
}

// ContactSorts are the fields a contact list can be sorted by.
var ContactSorts = []string{"name", "email", "role", "created_at"}

// ContactQuery selects one page of a customer's contacts. Sort must be one of ContactSorts
// (default created_at); Descending reverses it. Ties break on ID, so pages are stable.
type ContactQuery struct {
	Sort       string
	Descending bool
	Page       Page
}

func (q ContactQuery) order() string {
	column := "created_at"
	for _, s := range ContactSorts {
		if q.Sort == s {
			column = s
		}
	}
	dir := " ASC"
	if q.Descending {
		dir = " DESC"
	}
	return column + dir + ", id" + dir
}

// MaxContactsPerCustomer caps a customer's contacts: enough for any billing department, and
// a bound on what one portal session or API key can pile up.
const MaxContactsPerCustomer = 50

// CreateContact adds a contact to the customer sc names, unless the customer has
// MaxContactsPerCustomer already: that is a ValidationError of the form as a whole (field "",
// code too_many_contacts).
func (s *Store) CreateContact(ctx context.Context, sc Scope, actor Actor, in ContactInput) (*Contact, error) {
	if err := in.validate(true); err != nil {
		return nil, err
	}
	c := &Contact{ID: newID("con"), MerchantID: sc.MerchantID}
	in.apply(c)
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		c.CustomerID = id
		// The customer's row lock makes concurrent creates count one after another.
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Model(&Customer{}).
			Where("merchant_id = ? AND id = ?", sc.MerchantID, id).Select("id").Take(&Customer{}).Error; err != nil {
			return err
		}
		var count int64
		if err := tx.Model(&Contact{}).Where("merchant_id = ? AND customer_id = ?", sc.MerchantID, id).Count(&count).Error; err != nil {
			return err
		}
		if count >= MaxContactsPerCustomer {
			return invalid("", "too_many_contacts", fmt.Sprintf("A customer has at most %d contacts; delete one to add another.", MaxContactsPerCustomer))
		}
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		if err := s.record(tx, sc.MerchantID, id, actor, "contact.created", map[string]any{"contact_id": c.ID, "fields": in}); err != nil {
			return err
		}
		return s.announce(tx, sc.MerchantID, "contact.created", c.Resource())
	})
	if err != nil {
		return nil, storeError("create contact", err)
	}
	return c, nil
}

// ListContacts returns one page of the contacts of the customer sc names.
func (s *Store) ListContacts(ctx context.Context, sc Scope, q ContactQuery) ([]Contact, PageInfo, error) {
	id, err := sc.customer(s.read(ctx))
	if err != nil {
		return nil, PageInfo{}, storeError("list contacts", err)
	}
	rows, info, err := listPage[Contact](s.scoped(ctx, sc.Customer(id)), q.Page, q.order())
	return rows, info, storeError("list contacts", err)
}

// GetContact loads one contact of the customer sc names.
func (s *Store) GetContact(ctx context.Context, sc Scope, contactID string) (*Contact, error) {
	if !validID("con", contactID) || !validCustomerRef(sc.CustomerID) {
		return nil, ErrNotFound
	}
	var c Contact
	if err := s.scoped(ctx, sc).Where("id = ?", contactID).Take(&c).Error; err != nil {
		return nil, storeError("get contact", err)
	}
	return &c, nil
}

// UpdateContact applies a partial update to one contact of the customer sc names.
func (s *Store) UpdateContact(ctx context.Context, sc Scope, actor Actor, contactID string, in ContactInput) (*Contact, error) {
	if err := in.validate(false); err != nil {
		return nil, err
	}
	if !validID("con", contactID) {
		return nil, ErrNotFound
	}
	var c Contact
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		if err := tx.Where("merchant_id = ? AND customer_id = ? AND id = ?", sc.MerchantID, id, contactID).Take(&c).Error; err != nil {
			return err
		}
		in.apply(&c)
		if err := tx.Save(&c).Error; err != nil {
			return err
		}
		if err := s.record(tx, sc.MerchantID, id, actor, "contact.updated", map[string]any{"contact_id": c.ID, "fields": in}); err != nil {
			return err
		}
		return s.announce(tx, sc.MerchantID, "contact.updated", c.Resource())
	})
	if err != nil {
		return nil, storeError("update contact", err)
	}
	return &c, nil
}

// DeleteContact removes one contact of the customer sc names.
func (s *Store) DeleteContact(ctx context.Context, sc Scope, actor Actor, contactID string) error {
	if !validID("con", contactID) {
		return ErrNotFound
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		var c Contact
		err = tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("merchant_id = ? AND customer_id = ? AND id = ?", sc.MerchantID, id, contactID).Take(&c).Error
		if err != nil {
			return err
		}
		if err := tx.Delete(&c).Error; err != nil {
			return err
		}
		details := map[string]string{"customer_id": id, "contact_id": contactID}
		if err := s.record(tx, sc.MerchantID, id, actor, "contact.deleted", details); err != nil {
			return err
		}
		return s.announce(tx, sc.MerchantID, "contact.deleted", c.Resource())
	})
	return storeError("delete contact", err)
}
