package views

import (
	"testing"
	"time"
)

func TestFormatsFollowTheLanguage(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, time.March, 5, 12, 0, 0, 0, time.UTC)
	// CLDR separates with no-break spaces (U+00A0, and U+202F for French grouping).
	tests := []struct {
		lang                     string
		eur, usd, date, num, pct string
	}{
		{"en", "€1,234.56", "$1,234.56", "Mar 05, 2026", "1,234,567", "7.5%"},
		{"de", "1.234,56\u00a0€", "1.234,56\u00a0$", "05.03.2026", "1.234.567", "7,5\u00a0%"},
		{"fr", "1\u202f234,56\u00a0€", "1\u202f234,56\u00a0$US", "05 mars 2026", "1\u00a0234\u00a0567", "7,5\u00a0%"},
		{"nl", "€\u00a01.234,56", "US$\u00a01.234,56", "05 mrt 2026", "1.234.567", "7,5%"},
		// Spanish and Italian group thousands only from five digits on (CLDR's minimum grouping).
		{"es", "1234,56\u00a0€", "1234,56\u00a0US$", "05/03/2026", "1.234.567", "7,5\u00a0%"},
		{"it", "1234,56\u00a0€", "1234,56\u00a0$", "05/mar/2026", "1.234.567", "7,5%"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			tr := catalog.Translator(tt.lang)
			for _, got := range []struct{ name, got, want string }{
				{"EUR", tr.Money(123456, "EUR"), tt.eur},
				{"USD", tr.Money(123456, "USD"), tt.usd},
				{"date", tr.Date(day), tt.date},
				{"number", tr.Number(1234567), tt.num},
				{"percent", tr.Percent(750), tt.pct},
			} {
				if got.got != got.want {
					t.Errorf("%s = %q, want %q", got.name, got.got, got.want)
				}
			}
		})
	}
}

func TestMoneyKeepsMinorUnitsExact(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	en := catalog.Translator("en")
	for _, tt := range []struct {
		minor int64
		code  string
		want  string
	}{
		{0, "EUR", "€0.00"},
		{-1999, "EUR", "-€19.99"},
		{1500, "JPY", "¥1,500"},
		{9007199254740993, "USD", "$90,071,992,547,409.93"},
	} {
		if got := en.Money(tt.minor, tt.code); got != tt.want {
			t.Errorf("Money(%d, %s) = %q, want %q", tt.minor, tt.code, got, tt.want)
		}
	}
}
