package views

import (
	"errors"
	"reflect"
	"strings"

	"github.com/a-h/templ"
	"github.com/portico/portico/models"
)

// The portal's forms: one struct per form. A POST binds into it (the form tags name the
// fields), it becomes the store's input, and when the store refuses it the page shows it
// again with its errors, the customer's input kept. No stored row is ever written from a form.

// FieldErrors are a form's validation failures: field name → error code. The page
// translates each code ("form.error.<code>") beside its field; the code of "" (the form as
// a whole) goes in the summary above the form.
type FieldErrors map[string]string

// ErrorsOf turns the store's validation error into a form's field errors; any other error
// comes back for the error handler.
func ErrorsOf(err error) (FieldErrors, error) {
	var invalid *models.ValidationError
	if !errors.As(err, &invalid) {
		return nil, err
	}
	errs := FieldErrors{}
	for _, f := range invalid.Fields {
		errs[f.Field] = f.Code
	}
	return errs, nil
}

// ProfileForm is the customer's profile. Its fields are named as the store names them in
// validation errors, so each error lands beside its input.
type ProfileForm struct {
	Name            string `form:"name"`
	Email           string `form:"email"`
	Phone           string `form:"phone"`
	Line1           string `form:"address.line1"`
	Line2           string `form:"address.line2"`
	PostalCode      string `form:"address.postal_code"`
	City            string `form:"address.city"`
	State           string `form:"address.state"`
	Country         string `form:"address.country"`
	TaxID           string `form:"tax_id"`
	PreferredLocale string `form:"preferred_locale"`
	Errors          FieldErrors
}

// NewProfileForm is the profile form filled with what is saved.
func NewProfileForm(c *models.Customer) ProfileForm {
	a := c.Address
	return ProfileForm{
		Name: c.Name, Email: c.Email, Phone: c.Phone,
		Line1: a.Line1, Line2: a.Line2, PostalCode: a.PostalCode, City: a.City, State: a.State, Country: a.Country,
		TaxID: c.TaxID, PreferredLocale: c.PreferredLocale,
	}
}

// Input is the form as a change to every profile field; the merchant's policy
// (models.Merchant.EditableProfile) keeps the ones the customer may make.
func (f ProfileForm) Input() models.CustomerInput {
	country := strings.ToUpper(f.Country)
	return models.CustomerInput{
		Name: &f.Name, Email: &f.Email, Phone: &f.Phone, TaxID: &f.TaxID, PreferredLocale: &f.PreferredLocale,
		Address: &models.AddressInput{
			Line1: &f.Line1, Line2: &f.Line2, PostalCode: &f.PostalCode, City: &f.City, State: &f.State, Country: &country,
		},
	}
}

// Refused is the form to show again after the store refused it: what the customer typed in
// the fields the merchant's policy lets them edit, and what is saved in the others (a
// read-only input would show it anyway; a disabled one is not even submitted).
func (f ProfileForm) Refused(saved ProfileForm, mayEdit func(field string) bool, errs FieldErrors) ProfileForm {
	typed, kept := reflect.ValueOf(&f).Elem(), reflect.ValueOf(saved)
	for i := range typed.NumField() {
		if name := typed.Type().Field(i).Tag.Get("form"); name != "" && !mayEdit(name) {
			typed.Field(i).Set(kept.Field(i))
		}
	}
	f.Errors = errs
	return f
}

// ContactForm adds a contact (ID empty) or edits one.
type ContactForm struct {
	ID     string
	Name   string `form:"name"`
	Email  string `form:"email"`
	Phone  string `form:"phone"`
	Role   string `form:"role"`
	Errors FieldErrors
}

// NewContactForm is the form to edit a saved contact.
func NewContactForm(c *models.Contact) ContactForm {
	return ContactForm{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Role: c.Role}
}

// Input is the form as the contact's new values.
func (f ContactForm) Input() models.ContactInput {
	return models.ContactInput{Name: &f.Name, Email: &f.Email, Phone: &f.Phone, Role: &f.Role}
}

// action is where the form posts: the list to add, the contact to edit.
func (f ContactForm) action() string {
	if f.ID == "" {
		return ContactsURL()
	}
	return ContactURL(f.ID)
}

// PaymentDetailsForm is a new bank account for SEPA direct debit.
type PaymentDetailsForm struct {
	AccountHolder string `form:"account_holder"`
	IBAN          string `form:"iban"`
	Errors        FieldErrors
}

// Input is the form as the customer's new payment details.
func (f PaymentDetailsForm) Input() models.PaymentDetailsInput {
	return models.PaymentDetailsInput{Method: models.MethodSEPADebit, AccountHolder: f.AccountHolder, IBAN: f.IBAN}
}

// CancelForm is why the customer cancels, both optional.
type CancelForm struct {
	Reason  string `form:"reason"`
	Comment string `form:"comment"`
	Errors  FieldErrors
}

// Field is one labelled input of a form.
type Field struct {
	Name         string // the form field, also the store's field name
	Label        string
	Value        string
	Type         string // "text" when empty
	Autocomplete string
	Required     bool
	ReadOnly     bool // shown but not editable under the merchant's policy
	Error        string
}

// inputID is the element ID of a field's input.
func (f Field) inputID() string { return "field-" + strings.ReplaceAll(f.Name, ".", "-") }

// errorID is the element ID of a field's error message, for aria-describedby.
func (f Field) errorID() string { return f.inputID() + "-error" }

// invalidAttrs mark an input whose value was refused and tie it to its error message.
func (f Field) invalidAttrs() templ.OrderedAttributes {
	if f.Error == "" {
		return nil
	}
	return templ.OrderedAttributes{{Key: "aria-invalid", Value: "true"}, {Key: "aria-describedby", Value: f.errorID()}}
}

func (f Field) inputType() string {
	if f.Type == "" {
		return "text"
	}
	return f.Type
}

// profileField is one field of the profile form, read-only unless the policy allows.
func profileField(p *Page, v ProfileView, name, label, value, typ, autocomplete string) Field {
	return Field{
		Name: name, Label: p.T.T(label), Value: value, Type: typ, Autocomplete: autocomplete,
		Required: v.Requires(name), ReadOnly: !v.MayEdit(name), Error: v.Form.Errors[name],
	}
}
