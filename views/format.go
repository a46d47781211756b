package views

import (
	"sync"
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
	days    *sync.Map   // day number → formatted date: pages repeat a few dates many times
	amounts *amountMemo // "minor currency" → formatted amount
}

// amountMemo remembers formatted amounts, and forgets them all when it holds too many, so
// it stays small whatever amounts pass through it.
type amountMemo struct {
	mu     sync.RWMutex
	values map[moneyKey]string
}

type moneyKey struct {
	minor int64
	code  string
}

const memoLimit = 4096

func (m *amountMemo) get(k moneyKey, format func() string) string {
	m.mu.RLock()
	s, ok := m.values[k]
	m.mu.RUnlock()
	if ok {
		return s
	}
	s = format()
	m.mu.Lock()
	if len(m.values) >= memoLimit {
		clear(m.values)
	}
	m.values[k] = s
	m.mu.Unlock()
	return s
}

// dateLocales maps the portal's languages to the calendar locale whose month names and
// medium date layout they use.
var dateLocales = map[string]monday.Locale{
	"en": monday.LocaleEnUS,
	"de": monday.LocaleDeDE,
	"fr": monday.LocaleFrFR,
	"nl": monday.LocaleNlNL,
	"es": monday.LocaleEsES,
	"it": monday.LocaleItIT,
}

func newFormats(lang string) formats {
	locale := dateLocales[lang]
	return formats{
		money:   currency.NewFormatter(currency.NewLocale(lang)),
		numbers: message.NewPrinter(language.Make(lang)),
		date:    monday.MediumFormatsByLocale[locale],
		locale:  locale,
		days:    &sync.Map{},
		amounts: &amountMemo{values: map[moneyKey]string{}},
	}
}

// Money formats minor units of an ISO 4217 currency: "€1,234.56" in en, "1.234,56 €" in de.
// Pages repeat the same amounts (a plan's price, a monthly total), and the formatter builds
// its replacers on every call, so results are remembered.
func (t *Translator) Money(minor int64, code string) string {
	return t.formats.amounts.get(moneyKey{minor, code}, func() string {
		amount, err := currency.NewAmountFromInt64(minor, code)
		if err != nil {
			// The store only keeps valid codes; should one slip through, show the raw
			// figure with its code rather than nothing.
			return t.formats.numbers.Sprint(number.Decimal(minor)) + " " + code
		}
		return t.formats.money.Format(amount)
	})
}

// Date formats a calendar date (in UTC) in the medium style of the language ("24.11.2026"
// in de). Formatting with month names is costly, and a list shows the same few days over and
// over, so each day is formatted once; the cache holds at most one entry per calendar day.
func (t *Translator) Date(at time.Time) string {
	y, m, d := at.UTC().Date()
	day := y*10000 + int(m)*100 + d
	if s, ok := t.formats.days.Load(day); ok {
		return s.(string)
	}
	s := monday.Format(time.Date(y, m, d, 0, 0, 0, 0, time.UTC), t.formats.date, t.formats.locale)
	t.formats.days.Store(day, s)
	return s
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
