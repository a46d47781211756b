package models

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// BankAccount is where a merchant's customers pay by bank transfer. It is printed on every
// invoice, so it is no secret and is stored as it is.
type BankAccount struct {
	AccountHolder string `gorm:"column:account_holder"`
	IBAN          string `gorm:"column:iban"`
	BIC           string `gorm:"column:bic"`
}

// Set reports whether the merchant has given an account.
func (b BankAccount) Set() bool { return b.IBAN != "" }

// GroupedIBAN is the IBAN in groups of four, as people read and type it.
func (b BankAccount) GroupedIBAN() string { return groupsOfFour(b.IBAN) }

// BankAccountInput replaces the merchant's bank account; all three empty removes it.
type BankAccountInput struct {
	AccountHolder string
	IBAN          string
	BIC           string
}

// DefaultRemittanceFormat is the transfer reference when the merchant sets none: the
// invoice number, which is what most accounting matches on.
const DefaultRemittanceFormat = "{number}"

// The placeholders a remittance format may hold.
var remittancePlaceholders = map[string]func(number, customer string) string{
	"{number}":   func(number, _ string) string { return number },
	"{customer}": func(_, customer string) string { return customer },
}

var (
	bicPattern         = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
	placeholderPattern = regexp.MustCompile(`\{[^}]*\}`)
)

// validateBankAccount checks a bank account: the holder and an IBAN that passes mod-97,
// and a BIC (optional inside the EEA) of 8 or 11 characters; or all three empty.
func validateBankAccount(v *validator, in *BankAccountInput) {
	in.IBAN, in.BIC = NormalizeIBAN(in.IBAN), strings.ToUpper(strings.TrimSpace(in.BIC))
	in.AccountHolder = strings.TrimSpace(in.AccountHolder)
	if *in == (BankAccountInput{}) {
		return
	}
	v.bankAccount("bank_account.", in.AccountHolder, in.IBAN)
	if in.BIC != "" && !bicPattern.MatchString(in.BIC) {
		v.add("bank_account.bic", "invalid_bic", "must be a BIC of 8 or 11 letters and digits, like COBADEFFXXX")
	}
}

// bankAccount checks an account's holder (at most 70 characters: SEPA's limit, and the EPC
// QR code's name line) and its IBAN (normalized), both required; prefix names the fields.
func (v *validator) bankAccount(prefix, holder, iban string) {
	v.text(prefix+"account_holder", holder, 70, true)
	switch {
	case iban == "":
		v.add(prefix+"iban", "required", "is required")
	case !ValidIBAN(iban):
		v.add(prefix+"iban", "invalid_iban", "is not a valid IBAN")
	}
}

// validateRemittanceFormat checks a transfer reference format: at most 100 characters of
// text with only known placeholders, or empty for the default.
func validateRemittanceFormat(v *validator, format string) {
	v.text("remittance_format", format, 100, false)
	for _, p := range placeholderPattern.FindAllString(format, -1) {
		if remittancePlaceholders[p] == nil {
			v.add("remittance_format", "unknown_placeholder", "may hold only {number} and {customer}, not "+p)
			return
		}
	}
}

// transferReference fills a remittance format (empty: the default) in with the invoice
// number and the customer's reference (their external ID, else Portico's ID).
func transferReference(format, invoiceNumber, customerRef string) string {
	if format == "" {
		format = DefaultRemittanceFormat
	}
	return placeholderPattern.ReplaceAllStringFunc(format, func(p string) string {
		if fill := remittancePlaceholders[p]; fill != nil {
			return fill(invoiceNumber, customerRef)
		}
		return p
	})
}

// groupsOfFour writes s in groups of four characters separated by spaces.
func groupsOfFour(s string) string {
	var b strings.Builder
	for i, r := range []rune(s) {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Limits of the EPC069-12 format (version 002).
const (
	epcMaxAmount       = 999_999_999_99 // minor units: EUR 999,999,999.99
	epcMaxName         = 70
	epcMaxRemittance   = 140
	epcMaxStructuredRF = 25
	epcMaxText         = 70
	epcMaxPayload      = 331 // bytes
)

// ErrNoTransferCode means an EPC QR code cannot carry this transfer (an amount or a
// reference beyond what the format holds).
var ErrNoTransferCode = errors.New("the transfer does not fit an EPC QR code")

// EPCPayload is the content of an EPC069-12 QR code ("GiroCode", SEPA credit transfer QR):
// service tag BCD, version 002, character set 1 (UTF-8), identification SCT, the BIC, the
// beneficiary's name and IBAN, the amount in euros, an empty purpose, the reference (in the
// structured line when it is an ISO 11649 creditor reference, else the unstructured one),
// and a note for the payer. amount is in euro cents.
func EPCPayload(account BankAccount, amount int64, reference, note string) (string, error) {
	if !account.Set() || amount < 1 || amount > epcMaxAmount {
		return "", ErrNoTransferCode
	}
	structured, unstructured := "", reference
	if IsCreditorReference(reference) {
		structured, unstructured = NormalizeIBAN(reference), ""
	}
	if utf8.RuneCountInString(unstructured) > epcMaxRemittance || len(structured) > epcMaxStructuredRF {
		return "", ErrNoTransferCode
	}
	lines := []string{
		"BCD", "002", "1", "SCT",
		account.BIC,
		truncateRunes(account.AccountHolder, epcMaxName),
		account.IBAN,
		fmt.Sprintf("EUR%d.%02d", amount/100, amount%100),
		"", // purpose: none
		structured,
		unstructured,
		truncateRunes(note, epcMaxText),
	}
	payload := strings.Join(lines, "\n")
	if len(payload) > epcMaxPayload {
		return "", ErrNoTransferCode
	}
	return payload, nil
}

// IsCreditorReference reports whether s is an ISO 11649 creditor reference ("RF18 5390
// 0754 7034"): RF, two check digits, up to 21 letters and digits, mod-97 of 1.
func IsCreditorReference(s string) bool {
	ref := NormalizeIBAN(s)
	if len(ref) < 5 || len(ref) > epcMaxStructuredRF || !strings.HasPrefix(ref, "RF") {
		return false
	}
	return mod97(ref[4:]+ref[:4]) == 1
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
