package views

import (
	"time"

	"github.com/bojanz/currency"
	"github.com/goodsign/monday"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// formats turns amounts, dates and numbers into one language's conventions. It is built once
// per language when the catalog loads; every method is safe for concurrent use.
type formats struct {
	money   *currency.Formatter
	numbers *message.Printer
	date    string
	locale  monday.Locale
}

// dateLocales maps the portal's languages to the calendar locale whose month names and
// medium date layout they use.
var dateLocales = map[string]monday.Locale{
	"en": monday.LocaleEnUS,
	"de": monday.LocaleDeDE,
	"fr": monday.LocaleFrFR,
	"nl": monday.LocaleNlNL,
}

func newFormats(lang string) formats {
	locale := dateLocales[lang]
	return formats{
		money:   currency.NewFormatter(currency.NewLocale(lang)),
		numbers: message.NewPrinter(language.Make(lang)),
		date:    monday.MediumFormatsByLocale[locale],
		locale:  locale,
	}
}

// Money formats minor units of an ISO 4217 currency: "€1,234.56" in en, "1.234,56 €" in de.
func (t *Translator) Money(minor int64, code string) string {
	amount, err := currency.NewAmountFromInt64(minor, code)
	if err != nil {
		// The store only keeps valid codes; should one slip through, show the raw figure
		// with its code rather than nothing.
		return t.formats.numbers.Sprint(number.Decimal(minor)) + " " + code
	}
	return t.formats.money.Format(amount)
}

// Date formats a calendar date in the medium style of the language ("24.11.2026" in de).
func (t *Translator) Date(at time.Time) string {
	return monday.Format(at, t.formats.date, t.formats.locale)
}

// DateOf formats an optional date; nil is an empty string.
func (t *Translator) DateOf(at *time.Time) string {
	if at == nil {
		return ""
	}
	return t.Date(*at)
}

// Number formats an integer with the language's grouping ("1.234" in de).
func (t *Translator) Number(n int64) string {
	return t.formats.numbers.Sprint(number.Decimal(n))
}

// Percent formats basis points as a percentage ("19 %" in de, "7.5%" in en).
func (t *Translator) Percent(basisPoints int) string {
	return t.formats.numbers.Sprint(number.Percent(float64(basisPoints)/10000, number.MaxFractionDigits(2)))
}
