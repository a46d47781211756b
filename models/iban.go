package models

import (
	"regexp"
	"strings"
)

// ibanLengths is the IBAN length of each country in the ISO 13616 registry (SWIFT, 2024).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
	"MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
	"NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
	"SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// NormalizeIBAN removes spaces and upper-cases, the form IBANs are stored and checked in.
func NormalizeIBAN(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// ValidIBAN checks an IBAN's country, length, characters and ISO 7064 mod-97 check digits.
func ValidIBAN(s string) bool {
	iban := NormalizeIBAN(s)
	if len(iban) < 15 || ibanLengths[iban[:2]] != len(iban) {
		return false
	}
	// Move the country code and check digits to the end.
	return mod97(iban[4:]+iban[:4]) == 1
}

// mod97 is the ISO 7064 MOD 97-10 remainder of s with letters turned into 10..35, reduced
// digit by digit so no big number is needed; -1 when s holds anything but A-Z and 0-9.
// IBANs, ISO 11649 creditor references and SEPA creditor identifiers are valid when it is 1.
func mod97(s string) int {
	rem := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			rem = (rem*10 + int(r-'0')) % 97
		case r >= 'A' && r <= 'Z':
			rem = (rem*100 + int(r-'A'+10)) % 97
		default:
			return -1
		}
	}
	return rem
}

// MaskIBAN shows an IBAN the way bank statements do: its first group (country and check
// digits) and its last group in clear, every character between masked, in groups of four:
// "DE89 •••• •••• •••• •••• 00". The check digits tell nothing of the account; together
// with the last group they let a customer recognise which of their accounts it is.
func MaskIBAN(s string) string {
	iban := NormalizeIBAN(s)
	if len(iban) <= 8 {
		return strings.Repeat("•", len(iban))
	}
	lastGroup := (len(iban) - 1) / 4 * 4
	return groupsOfFour(iban[:4] + strings.Repeat("•", lastGroup-4) + iban[lastGroup:])
}

// MaskPartialIBAN masks an IBAN of which only the country and the last four characters are
// known (a payment provider keeps the rest): "DE•• •••• •••• •••• ••30 00". Unknown check
// digits stay masked rather than be made up.
func MaskPartialIBAN(country, last4 string) string {
	return groupsOfFour(country + strings.Repeat("•", max(0, ibanLengths[country]-len(country)-len(last4))) + last4)
}

// creditorIDPattern is a SEPA creditor identifier's shape: country, check digits, a
// creditor business code of three characters, and a national identifier (EPC262-08).
var creditorIDPattern = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$`)

// NormalizeCreditorID removes spaces and upper-cases a SEPA creditor identifier.
func NormalizeCreditorID(s string) string { return NormalizeIBAN(s) }

// ValidCreditorID checks a SEPA creditor identifier ("DE98ZZZ09999999999"): its shape and
// its mod-97 check digits, which cover the national identifier and the country but not the
// business code (EPC262-08, section 6.2).
func ValidCreditorID(s string) bool {
	id := NormalizeCreditorID(s)
	if len(id) > 35 || !creditorIDPattern.MatchString(id) {
		return false
	}
	return mod97(id[7:]+id[:4]) == 1
}

// Mandate is the reference of the SEPA direct-debit mandate the payment details give: the
// provider's, where one collects under a mandate of its own, else one made from the
// details' ID — unique per creditor (one set of details per customer, never reused), at
// most 35 of the characters SEPA allows, and kept when the customer replaces the account,
// as a mandate amendment keeps its reference.
func (p *PaymentDetails) Mandate() string {
	if p.MandateReference != "" {
		return p.MandateReference
	}
	return strings.ToUpper(strings.ReplaceAll(p.ID, "_", "-"))
}
