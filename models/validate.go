package models

import (
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
)

// Locales are the languages the portal speaks; the first is the fallback.
var Locales = []string{"en", "de", "fr", "nl", "es", "it"}

// IsLocale reports whether the portal speaks locale.
func IsLocale(locale string) bool {
	for _, l := range Locales {
		if l == locale {
			return true
		}
	}
	return false
}

// validator checks the fields of one input and collects what is wrong.
type validator struct {
	errs fieldErrors
}

func (v *validator) add(field, code, message string) { v.errs.add(field, code, message) }

// full reports whether the validator keeps no more errors: loops over items stop there.
func (v *validator) full() bool { return v.errs.full() }

func (v *validator) err() error { return v.errs.err() }

// text checks a free-text field: valid UTF-8, no control characters, at most max runes.
func (v *validator) text(field, value string, max int, required bool) {
	switch {
	case value == "" && required:
		v.add(field, "required", "is required")
	case !utf8.ValidString(value) || strings.ContainsFunc(value, isControl):
		v.add(field, "invalid", "contains characters that are not allowed")
	case utf8.RuneCountInString(value) > max:
		v.add(field, "too_long", "is too long")
	}
}

// multiline is text that may hold line breaks (a memo, a cancellation comment).
func (v *validator) multiline(field, value string, max int) {
	flat := strings.NewReplacer("\r\n", " ", "\n", " ").Replace(value)
	v.text(field, flat, max, false)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func (v *validator) email(field, value string, required bool) {
	if value == "" {
		if required {
			v.add(field, "required", "is required")
		}
		return
	}
	if !ValidEmail(value) {
		v.add(field, "invalid_email", "must be an email address like name@example.com")
	}
}

// ValidEmail reports whether s is a bare address (no display name) with a dotted domain.
func ValidEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return strings.Contains(s[at+1:], ".")
}

// lazyRegexp compiles expr when it is first used. A counted repetition such as {8,249}
// compiles to a program of hundreds of states: the three of them here cost 10 ms of every
// start when they were compiled at init.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

var phonePattern = regexp.MustCompile(`^\+?[0-9(][0-9 ()./-]{2,30}$`)

func (v *validator) phone(field, value string) {
	if value != "" && !phonePattern.MatchString(value) {
		v.add(field, "invalid_phone", "must be a phone number like +31 20 123 4567")
	}
}

func (v *validator) currency(field, value string) {
	if !validCurrency(value) {
		v.add(field, "invalid_currency", "must be an ISO 4217 currency code like EUR")
	}
}

func validCurrency(code string) bool {
	if len(code) != 3 || strings.ToUpper(code) != code {
		return false
	}
	_, err := currency.ParseISO(code)
	return err == nil
}

func (v *validator) country(field, value string) {
	if value != "" && !ValidCountry(value) {
		v.add(field, "invalid_country", "must be an ISO 3166-1 alpha-2 country code like DE")
	}
}

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 code of a country in use, upper-case.
func ValidCountry(code string) bool {
	if len(code) != 2 || strings.ToUpper(code) != code {
		return false
	}
	r, err := language.ParseRegion(code)
	// Canonicalize maps retired and reserved codes (UK, DD, TP) elsewhere, so they fail.
	return err == nil && r.IsCountry() && r.Canonicalize().String() == code
}

func (v *validator) locale(field, value string) {
	if value != "" && !IsLocale(value) {
		v.add(field, "invalid_locale", "must be one of "+strings.Join(Locales, ", "))
	}
}

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func (v *validator) colour(field, value string) {
	if value != "" && !hexColour.MatchString(value) {
		v.add(field, "invalid_colour", "must be a colour like #1a73e8")
	}
}

// webURL checks a URL that will be linked or loaded from a page: absolute https (http only
// for localhost during development), no credentials, at most 2,048 characters.
func (v *validator) webURL(field, value string) {
	if value != "" && !validWebURL(value) {
		v.add(field, "invalid_url", "must be an absolute https URL")
	}
}

func validWebURL(s string) bool {
	if len(s) > 2048 || strings.ContainsFunc(s, func(r rune) bool { return isControl(r) || r == ' ' }) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return isLoopbackHost(u.Hostname())
	}
	return false
}

// isLoopbackHost is true for the hosts a developer's own machine answers on.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// strs is a list of named strings (statuses, kinds) as plain strings, for oneOf.
func strs[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// oneOf checks that value is one of allowed.
func (v *validator) oneOf(field, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(field, "invalid_choice", "must be one of "+strings.Join(allowed, ", "))
}
