package views

import (
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bojanz/currency"
	"github.com/go-playground/locales"
	"github.com/go-playground/locales/de"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/es"
	"github.com/go-playground/locales/fr"
	"github.com/go-playground/locales/it"
	"github.com/go-playground/locales/nl"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// formats turns amounts, dates and numbers into one language's conventions. It is built once
// per language when the catalog loads; every method is safe for concurrent use.
type formats struct {
	money    *currency.Formatter
	numbers  *message.Printer
	group4   bool               // whether 1234 is grouped ("1.234"), or only 12345 ("12.345") on
	calendar locales.Translator // CLDR's month names and date patterns
	dates    *memo[dateKey]     // pages repeat a few dates many times
	amounts  *memo[moneyKey]
}

// memo remembers formatted values in a fixed table: a key's hash picks a bucket of four
// slots, and a new value takes the bucket's oldest slot. So it stays small whatever values
// pass through it, keeps a page's few dozen values however their hashes fall, and a read,
// which every row of every page makes on every core, takes no lock and writes nothing.
type memo[K memoKey] struct {
	buckets [1 << memoBits][memoWays]atomic.Pointer[memoEntry[K]]
	added   atomic.Uint64 // entries made so far: their order
}

// memoKey is a memo's key: comparable, with a hash that spreads keys over the buckets.
type memoKey interface {
	comparable
	hash() uint64
}

type memoEntry[K memoKey] struct {
	key   K
	value string
	order uint64
}

// A memo has 256 buckets of 4 slots: 8 KB of pointers per language and kind of value.
const (
	memoBits = 8
	memoWays = 4
)

// get returns the value remembered for k, or formats and remembers it.
func (m *memo[K]) get(k K, format func() string) string {
	// Fibonacci hashing: the top bits of the product depend on every bit of the hash.
	bucket := &m.buckets[(k.hash()*0x9e3779b97f4a7c15)>>(64-memoBits)]
	var victim *atomic.Pointer[memoEntry[K]]
	victimOrder := uint64(math.MaxUint64)
	for i := range bucket {
		e := bucket[i].Load()
		if e == nil {
			victim = &bucket[i]
			break
		}
		if e.key == k {
			return e.value
		}
		if e.order < victimOrder {
			victim, victimOrder = &bucket[i], e.order
		}
	}
	s := format()
	victim.Store(&memoEntry[K]{k, s, m.added.Add(1)})
	return s
}

type moneyKey struct {
	minor int64
	code  string
}

func (k moneyKey) hash() uint64 {
	h := uint64(k.minor)
	for i := range len(k.code) {
		h = h<<8 ^ uint64(k.code[i])
	}
	return h
}

// calendars are CLDR's calendar data for the portal's languages ("en" is en-US: "Mar 1, 2026").
var calendars = map[string]func() locales.Translator{
	"en": en.New,
	"de": de.New,
	"fr": fr.New,
	"nl": nl.New,
	"es": es.New,
	"it": it.New,
}

func newFormats(lang string) (formats, error) {
	calendar, ok := calendars[lang]
	if !ok {
		return formats{}, fmt.Errorf("no calendar for language %q", lang)
	}
	return formats{
		money:    currency.NewFormatter(currency.NewLocale(lang)),
		numbers:  message.NewPrinter(language.Make(lang)),
		group4:   groupsFourDigits(lang),
		calendar: calendar(),
		dates:    new(memo[dateKey]),
		amounts:  new(memo[moneyKey]),
	}, nil
}

// groupsFourDigits reports whether a language groups four-digit numbers: CLDR's minimum
// grouping digits, which golang.org/x/text ignores and the currency formatter follows
// (Spanish writes 1234 but 12.345). Asking the currency formatter keeps numbers and amounts on
// one page alike.
func groupsFourDigits(lang string) bool {
	f := currency.NewFormatter(currency.NewLocale(lang))
	f.CurrencyDisplay = currency.DisplayNone
	f.MinDigits = 0
	amount, _ := currency.NewAmount("1000", "EUR")
	return len(strings.TrimSpace(f.Format(amount))) > len("1000")
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

// dateStyle is one of CLDR's date lengths.
type dateStyle uint8

const (
	dateMedium   dateStyle = iota // "Mar 1, 2026", "01.03.2026", "9 déc. 2026"
	dateLong                      // "March 1, 2026", "1. März 2026", "1 de marzo de 2026"
	dateUnbroken                  // medium, its spaces no-break spaces
)

// dateKey names a formatted date: a calendar day (yyyymmdd) in one style.
type dateKey struct {
	day   int
	style dateStyle
}

func (k dateKey) hash() uint64 { return uint64(k.day)<<2 | uint64(k.style) }

// Date formats a calendar date (in UTC) in CLDR's medium style of the language, for tables
// and lists ("24.11.2026" in de, "24 nov. 2026" in nl).
func (t *Translator) Date(at time.Time) string { return t.date(at, dateMedium) }

// LongDate formats a calendar date (in UTC) in CLDR's long style, with the month written out,
// for documents and sentences ("24. November 2026" in de, "24 de noviembre de 2026" in es).
func (t *Translator) LongDate(at time.Time) string { return t.date(at, dateLong) }

// pageDate is Date for a page, where a date never breaks across lines: no-break spaces say
// so in two bytes each, where a nowrap span took 33 bytes a date, four dates a list row.
func (t *Translator) pageDate(at time.Time) string { return t.date(at, dateUnbroken) }

// date formats a day in a style. Formatting with month names is costly, and a list shows the
// same few days over and over, so each day is formatted once per style; the cache holds at
// most three entries per calendar day.
func (t *Translator) date(at time.Time, style dateStyle) string {
	y, m, d := at.UTC().Date()
	return t.formats.dates.get(dateKey{y*10000 + int(m)*100 + d, style}, func() string {
		day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		switch style {
		case dateLong:
			return t.formats.calendar.FmtDateLong(day)
		case dateUnbroken:
			return strings.ReplaceAll(t.formats.calendar.FmtDateMedium(day), " ", "\u00a0")
		}
		return t.formats.calendar.FmtDateMedium(day)
	})
}

// DateOf formats an optional date; nil is an empty string.
func (t *Translator) DateOf(at *time.Time) string {
	if at == nil {
		return ""
	}
	return t.Date(*at)
}

// Number formats an integer with the language's grouping ("1.234" in de, "1234" but
// "12.345" in es).
func (t *Translator) Number(n int64) string {
	if !t.formats.group4 && n > -10000 && n < 10000 {
		return t.formats.numbers.Sprint(number.Decimal(n, number.NoSeparator()))
	}
	return t.formats.numbers.Sprint(number.Decimal(n))
}

// Percent formats basis points as a percentage ("19 %" in de, "7.5%" in en).
func (t *Translator) Percent(basisPoints int) string {
	return t.formats.numbers.Sprint(number.Percent(float64(basisPoints)/10000, number.MaxFractionDigits(2)))
}
