package models

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// The merchant's portal policy: what its customers may do themselves in the portal. Each
// rule is written here once; the portal's handlers and pages ask it, never restate it.

// CancelOption is what the portal offers for one subscription.
type CancelOption string

// The options a subscription's page can offer.
const (
	// CancelOptionNone: the subscription has ended, or is set to end and can no longer be
	// kept: there is nothing to do.
	CancelOptionNone CancelOption = "none"
	// CancelOptionResume: a scheduled cancellation the customer can still undo.
	CancelOptionResume CancelOption = "resume"
	// CancelOptionCancel: the customer may cancel here, as the merchant's mode says.
	CancelOptionCancel CancelOption = "cancel"
	// CancelOptionContact: the merchant takes cancellations itself; the customer is told
	// whom to ask.
	CancelOptionContact CancelOption = "contact"
)

// CancelOptionFor is what the portal offers for sub at time at under the merchant's policy.
func (m *Merchant) CancelOptionFor(sub *Subscription, at time.Time) CancelOption {
	switch {
	case sub.CanResume(at):
		return CancelOptionResume
	case sub.Status == SubCanceled || sub.CancelAtPeriodEnd:
		return CancelOptionNone
	case m.CancellationMode == CancelNotAllowed:
		return CancelOptionContact
	}
	return CancelOptionCancel
}

// CancelsAtPeriodEnd reports whether a customer's cancellation takes effect at the end of
// the period they paid for; otherwise it takes effect at once.
func (m *Merchant) CancelsAtPeriodEnd() bool { return m.CancellationMode == CancelAtPeriodEnd }

// ErrCancelNotAllowed means the merchant does not let customers cancel in the portal.
var ErrCancelNotAllowed = errors.New("the merchant does not let customers cancel in the portal")

// PortalCancellation is a customer's request to cancel, as the merchant's policy makes it:
// at the end of the period, or at once. When the policy allows neither it is
// ErrCancelNotAllowed.
func (m *Merchant) PortalCancellation(reason, comment string) (Cancellation, error) {
	if m.CancellationMode == CancelNotAllowed {
		return Cancellation{}, ErrCancelNotAllowed
	}
	return Cancellation{AtPeriodEnd: m.CancelsAtPeriodEnd(), Reason: reason, Comment: comment}, nil
}

// MayEdit reports whether the merchant lets customers change a field of their profile. The
// field is named as CustomerInput's fields are in validation errors: every "address.…"
// line follows the policy's "address", and "preferred_locale" is its "locale".
func (m *Merchant) MayEdit(field string) bool {
	group, _, _ := strings.Cut(field, ".")
	if group == "preferred_locale" {
		group = "locale"
	}
	return slices.Contains(m.EditableFields, group)
}

// ProfileRequires reports whether a customer editing their profile must fill a field in:
// their name, which the merchant bills, always; their email address, where invoices and
// new portal links go, once they have one — they may change it, not remove it. A field the
// policy keeps from them is never required of them.
func (m *Merchant) ProfileRequires(field string, saved *Customer) bool {
	switch {
	case !m.MayEdit(field):
		return false
	case field == "name":
		return true
	case field == "email":
		return saved.Email != ""
	}
	return false
}

// EditableProfile keeps the changes of a customer's update to their own profile that the
// merchant lets customers make, and drops the others. Blanking a field the portal requires
// (ProfileRequires; saved is the profile as it is) is a ValidationError that lists every
// other invalid field of the update too, so the form shows all its errors at once.
func (m *Merchant) EditableProfile(in CustomerInput, saved *Customer) (CustomerInput, error) {
	keep := func(field string, value *string) *string {
		if m.MayEdit(field) {
			return value
		}
		return nil
	}
	out := CustomerInput{
		Name:            keep("name", in.Name),
		Email:           keep("email", in.Email),
		Phone:           keep("phone", in.Phone),
		TaxID:           keep("tax_id", in.TaxID),
		PreferredLocale: keep("preferred_locale", in.PreferredLocale),
	}
	if m.MayEdit("address") {
		out.Address = in.Address
	}
	if out.Email == nil || *out.Email != "" || !m.ProfileRequires("email", saved) {
		return out, nil
	}
	var v validator
	v.add("email", "required", "is required")
	var invalid *ValidationError
	if errors.As(out.validate(false), &invalid) {
		v.errs = append(v.errs, invalid.Fields...)
	}
	return CustomerInput{}, v.err()
}
