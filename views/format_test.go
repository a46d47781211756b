package views

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/models"
)

func TestFormatsFollowTheLanguage(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	march := time.Date(2026, time.March, 1, 23, 30, 0, 0, time.UTC)
	december := time.Date(2026, time.December, 9, 0, 0, 0, 0, time.UTC)
	// CLDR separates with no-break spaces (U+00A0, and U+202F for French grouping); its
	// medium dates carry no leading zero on the day ("Mar 1", never "Mar 01"), and French,
	// Dutch and Spanish abbreviations keep their period.
	tests := []struct {
		lang                             string
		eur, usd, num4, num, pct         string
		medium, mediumDec, long, longDec string
	}{
		{"en", "€1,234.56", "$1,234.56", "1,234", "1,234,567", "7.5%", "Mar 1, 2026", "Dec 9, 2026", "March 1, 2026", "December 9, 2026"},
		{"de", "1.234,56\u00a0€", "1.234,56\u00a0$", "1.234", "1.234.567", "7,5\u00a0%", "01.03.2026", "09.12.2026", "1. März 2026", "9. Dezember 2026"},
		{"fr", "1\u202f234,56\u00a0€", "1\u202f234,56\u00a0$US", "1\u00a0234", "1\u00a0234\u00a0567", "7,5\u00a0%", "1 mars 2026", "9 déc. 2026", "1 mars 2026", "9 décembre 2026"},
		{"nl", "€\u00a01.234,56", "US$\u00a01.234,56", "1.234", "1.234.567", "7,5%", "1 mrt. 2026", "9 dec. 2026", "1 maart 2026", "9 december 2026"},
		// Spanish and Italian group thousands only from five digits on (CLDR's minimum
		// grouping), amounts and plain numbers alike.
		{"es", "1234,56\u00a0€", "1234,56\u00a0US$", "1234", "1.234.567", "7,5\u00a0%", "1 mar. 2026", "9 dic. 2026", "1 de marzo de 2026", "9 de diciembre de 2026"},
		{"it", "1234,56\u00a0€", "1234,56\u00a0$", "1234", "1.234.567", "7,5%", "1 mar 2026", "9 dic 2026", "1 marzo 2026", "9 dicembre 2026"},
	}
	if len(tests) != len(models.Locales) {
		t.Errorf("the test covers %d languages, the portal speaks %d", len(tests), len(models.Locales))
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			tr := catalog.Translator(tt.lang)
			if tr.Lang() != tt.lang {
				t.Fatalf("the catalog has no %s translator", tt.lang)
			}
			for _, got := range []struct{ name, got, want string }{
				{"EUR", tr.Money(123456, "EUR"), tt.eur},
				{"USD", tr.Money(123456, "USD"), tt.usd},
				{"four digits", tr.Number(1234), tt.num4},
				{"number", tr.Number(1234567), tt.num},
				{"percent", tr.Percent(750), tt.pct},
				{"medium date", tr.Date(march), tt.medium},
				{"medium date again (memoised)", tr.Date(march.Add(-time.Hour)), tt.medium},
				{"medium December date", tr.Date(december), tt.mediumDec},
				{"page date", tr.pageDate(december), strings.ReplaceAll(tt.mediumDec, " ", "\u00a0")},
				{"medium December date after the page's", tr.Date(december), tt.mediumDec},
				{"long date", tr.LongDate(march), tt.long},
				{"long December date", tr.LongDate(december), tt.longDec},
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

// A memo keeps far fewer values than pass through it. Whatever it has let go of, it never
// answers with another key's value, also while goroutines read and replace its slots at
// once (go test -race); and a value it keeps is not formatted again.
func TestMemoAnswersOnlyForItsKey(t *testing.T) {
	var m memo[moneyKey]
	want := func(k moneyKey) string { return strconv.FormatInt(k.minor, 10) + " " + k.code }
	codes := []string{"EUR", "USD", "JPY"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20_000 {
				k := moneyKey{int64((i*7919 + g*31) % 5000), codes[(i+g)%len(codes)]}
				if got := m.get(k, func() string { return want(k) }); got != want(k) {
					t.Errorf("memo answered %q for %v", got, k)
					return
				}
			}
		})
	}
	wg.Wait()

	k := moneyKey{1999, "EUR"}
	m.get(k, func() string { return want(k) })
	if got := m.get(k, func() string { t.Error("a kept value was formatted again"); return "" }); got != want(k) {
		t.Errorf("memo answered %q for %v", got, k)
	}
}

// The dates of a list of 25 monthly invoices (issued, due, period end; in two styles) all
// stay in a date memo, though some of their hashes pick the same slots: the second page
// formats none of them again.
func TestMemoKeepsAPagesDates(t *testing.T) {
	var m memo[dateKey]
	now := time.Date(2026, time.November, 24, 12, 0, 0, 0, time.UTC)
	var keys []dateKey
	for i := range 25 {
		for _, at := range []time.Time{now.AddDate(0, -i, 0), now.AddDate(0, -i, 14), now.AddDate(0, 1-i, 0)} {
			y, mo, d := at.Date()
			keys = append(keys, dateKey{y*10000 + int(mo)*100 + d, dateMedium}, dateKey{y*10000 + int(mo)*100 + d, dateUnbroken})
		}
	}
	formatted := 0
	for range 2 {
		for _, k := range keys {
			m.get(k, func() string { formatted++; return strconv.Itoa(k.day) })
		}
	}
	if distinct := len(slices.Compact(slices.SortedFunc(slices.Values(keys), func(a, b dateKey) int {
		return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.style, b.style))
	}))); formatted != distinct {
		t.Errorf("formatted %d times for %d distinct dates over two pages", formatted, distinct)
	}
}
