package models

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFieldRules(t *testing.T) {
	cases := []struct {
		rule  string
		check func(v *validator, value string)
		good  []string
		bad   []string
	}{
		{"email", func(v *validator, s string) { v.email("f", s, true) },
			[]string{"a@example.com", "zoë@exämple.de", "first.last+tag@sub.example.co.uk"},
			[]string{"", "a", "a@b", "Zoë <z@example.com>", "a@@example.com", strings.Repeat("a", 250) + "@example.com"}},
		{"currency", func(v *validator, s string) { v.currency("f", s) },
			[]string{"EUR", "USD", "JPY", "CHF"},
			[]string{"", "eur", "EURO", "XXY", "€"}},
		{"country", func(v *validator, s string) { v.country("f", s) },
			[]string{"DE", "NL", "US", "GB"},
			[]string{"de", "DEU", "UK", "EU", "ZZ", "419"}},
		{"phone", func(v *validator, s string) { v.phone("f", s) },
			[]string{"+49 30 1234567", "020-1234567", "(030) 123 45 67"},
			[]string{"phone", "+", "12", "+49 30 <script>"}},
		{"web URL", func(v *validator, s string) { v.webURL("f", s) },
			[]string{"https://shop.example/account", "http://localhost:3000/x", "http://127.0.0.1/"},
			[]string{"javascript:alert(1)", "data:text/html,x", "http://shop.example", "//shop.example", "https://user:pw@shop.example", "https://" + strings.Repeat("a", 2050), "https://shop.example/\x00"}},
		{"colour", func(v *validator, s string) { v.colour("f", s) },
			[]string{"#1a73e8", "#FFFFFF"},
			[]string{"red", "#fff", "1a73e8", "#1a73e8;"}},
		{"text", func(v *validator, s string) { v.text("f", s, 5, true) },
			[]string{"Zoë", "Дмитр"},
			[]string{"", "toolong", "a\x00b", "a\nb", "\xff"}},
	}
	for _, tc := range cases {
		for _, s := range tc.good {
			var v validator
			if tc.check(&v, s); v.err() != nil {
				t.Errorf("%s %q: %v, want valid", tc.rule, s, v.err())
			}
		}
		for _, s := range tc.bad {
			var v validator
			if tc.check(&v, s); v.err() == nil {
				t.Errorf("%s %q: valid, want an error", tc.rule, s)
			}
		}
	}
}

func TestIBAN(t *testing.T) {
	for _, tc := range []struct {
		iban  string
		valid bool
	}{
		{"DE89 3704 0044 0532 0130 00", true},
		{"de89370400440532013000", true},
		{"NL91ABNA0417164300", true},
		{"GB29 NWBK 6016 1331 9268 19", true},
		{"FR14 2004 1010 0505 0001 3M02 606", true},
		{"DE89 3704 0044 0532 0130 01", false}, // check digits
		{"DE89 3704 0044 0532 0130", false},    // length
		{"XX89 3704 0044 0532 0130 00", false}, // country
		{"DE89-3704-0044-0532-0130-00", false}, // characters
		{"", false},
	} {
		if got := ValidIBAN(tc.iban); got != tc.valid {
			t.Errorf("ValidIBAN(%q) = %v, want %v", tc.iban, got, tc.valid)
		}
	}
	for iban, want := range map[string]string{
		"DE89370400440532013000":      "DE89 •••• •••• •••• •••• 00",
		"de89 3704 0044 0532 0130 00": "DE89 •••• •••• •••• •••• 00",
		"NL91ABNA0417164300":          "NL91 •••• •••• •••• 00",
		"AT611904300234573201":        "AT61 •••• •••• •••• 3201", // a full last group
		"NO9386011117947":             "NO93 •••• •••• 947",
		"FR1420041010050500013M02606": "FR14 •••• •••• •••• •••• •••• 606",
		"DE89":                        "••••", // too short to show anything
		"":                            "",
	} {
		if got := MaskIBAN(iban); got != want {
			t.Errorf("MaskIBAN(%q) = %q, want %q", iban, got, want)
		}
	}
}

func TestCreditorID(t *testing.T) {
	for _, tc := range []struct {
		id    string
		valid bool
	}{
		{"DE98ZZZ09999999999", true}, // the Bundesbank's example
		{"de98 zzz0 9999 9999 99", true},
		{"DE98ABC09999999999", true}, // the business code is outside the check digits
		{"NL42ZZZ123456780001", true},
		{"DE97ZZZ09999999999", false}, // check digits
		{"DE98ZZ", false},
		{"DE98ZZZ0999999999-", false},
		{"", false},
	} {
		if got := ValidCreditorID(tc.id); got != tc.valid {
			t.Errorf("ValidCreditorID(%q) = %v, want %v", tc.id, got, tc.valid)
		}
	}
	p := &PaymentDetails{ID: "pm_01jabcdefghjkmnpqrstvwxyz0"}
	if got := p.Mandate(); got != "PM-01JABCDEFGHJKMNPQRSTVWXYZ0" || len(got) > 35 {
		t.Errorf("Mandate = %q", got)
	}
	p.MandateReference = "STRIPE-MANDATE-1" // a provider collects under its own mandate
	if got := p.Mandate(); got != "STRIPE-MANDATE-1" {
		t.Errorf("Mandate with the provider's = %q", got)
	}
	if got := MaskPartialIBAN("DE", "3000"); got != "DE•• •••• •••• •••• ••30 00" {
		t.Errorf("MaskPartialIBAN = %q", got)
	}
	for masked, want := range map[string]string{MaskIBAN("DE89370400440532013000"): "00", MaskPartialIBAN("DE", "3000"): "3000"} {
		if got := (&PaymentDetails{Method: MethodSEPADebit, IBANMasked: masked}).Last4(); got != want {
			t.Errorf("Last4 of %q = %q, want %q", masked, got, want)
		}
	}
}

func TestInvoiceValidation(t *testing.T) {
	line := InvoiceLineInput{Description: "Plan", Quantity: 2, UnitAmount: 1000, TaxRate: 2000}
	valid := func() InvoiceInput {
		return InvoiceInput{Number: "INV-1", Currency: "EUR", Lines: []InvoiceLineInput{line}}
	}
	issued := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		edit  func(in *InvoiceInput)
		field string
	}{
		{"no lines", func(in *InvoiceInput) { in.Lines = nil }, "lines"},
		{"total disagrees", func(in *InvoiceInput) { in.Total = ptrTo(int64(2000)) }, "total"},
		{"negative unit amount", func(in *InvoiceInput) { in.Lines[0].UnitAmount = -1 }, "lines[0].unit_amount"},
		{"overflowing line", func(in *InvoiceInput) { in.Lines[0].Quantity, in.Lines[0].UnitAmount = maxQuantity, maxLineAmount }, "lines[0].quantity"},
		{"tax over 100 %", func(in *InvoiceInput) { in.Lines[0].TaxRate = 10001 }, "lines[0].tax_rate"},
		{"bad currency", func(in *InvoiceInput) { in.Currency = "EURO" }, "currency"},
		{"due before issued", func(in *InvoiceInput) { in.IssuedAt, in.DueAt = &issued, ptrTo(issued.AddDate(0, 0, -1)) }, "due_at"},
		{"half a period", func(in *InvoiceInput) { in.PeriodStart = &issued }, "period_end"},
		{"credit note status on invoice", func(in *InvoiceInput) { in.Status = StatusIssued }, "status"},
	}
	for _, tc := range cases {
		in := valid()
		tc.edit(&in)
		in.normalize()
		var ve *ValidationError
		if err := in.validate(); !errors.As(err, &ve) {
			t.Errorf("%s: err = %v, want a validation error", tc.name, err)
		} else if _, ok := ve.For(tc.field); !ok {
			t.Errorf("%s: err = %v, want one on %s", tc.name, err, tc.field)
		}
	}
	in := valid()
	in.Total = ptrTo(int64(2400))
	in.normalize()
	if err := in.validate(); err != nil {
		t.Errorf("valid invoice: %v", err)
	}
}

func ptrTo[T any](v T) *T { return &v }
