package models

import (
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// ErrNotFound means the row does not exist for this merchant (or customer). Callers cannot
// tell "missing" from "someone else's", on purpose.
var ErrNotFound = errors.New("not found")

// DuplicateError reports a value that must be unique and is taken.
type DuplicateError struct {
	Field string
}

func (e *DuplicateError) Error() string { return e.Field + " is already in use" }

// StateError reports a change the current state of a row does not allow, such as paying a
// void invoice.
type StateError struct {
	Message string
}

func (e *StateError) Error() string { return e.Message }

// FieldError is one invalid input field. Code is stable and machine-readable (the portal
// translates it); Message is English for the API.
type FieldError struct {
	Field   string
	Code    string
	Message string
}

// MaxFieldErrors caps the field errors one input reports: enough to fix a form, never a
// response larger than the request could justify.
const MaxFieldErrors = 20

// ValidationError lists the invalid fields of one input, at most MaxFieldErrors of them.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// For returns the error of one field, if it has one.
func (e *ValidationError) For(field string) (FieldError, bool) {
	for _, f := range e.Fields {
		if f.Field == field {
			return f, true
		}
	}
	return FieldError{}, false
}

// FilterError reports a list filter whose value names nothing that exists (a customer
// that is not the merchant's): the request is malformed, not a missing page.
type FilterError struct {
	Field   string
	Message string
}

func (e *FilterError) Error() string { return e.Field + " " + e.Message }

// fieldErrors collects field errors while an input is checked; past MaxFieldErrors it
// drops the rest.
type fieldErrors []FieldError

func (fe *fieldErrors) add(field, code, message string) {
	if len(*fe) < MaxFieldErrors {
		*fe = append(*fe, FieldError{Field: field, Code: code, Message: message})
	}
}

// full reports whether no further error would be kept, so a check over many items can stop.
func (fe fieldErrors) full() bool { return len(fe) >= MaxFieldErrors }

// err returns nil when nothing was added, so callers can `return v.err()`.
func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &ValidationError{Fields: fe}
}

// storeError maps driver errors to the package's typed errors and adds context.
func storeError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// uniqueOr turns a unique-constraint violation into a DuplicateError on field.
func uniqueOr(op, field string, err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return &DuplicateError{Field: field}
	}
	return storeError(op, err)
}
