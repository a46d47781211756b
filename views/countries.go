package views

import (
	"slices"
	"sync"

	"github.com/portico/portico/models"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Country is a country as a form offers it: its ISO 3166-1 code and its name in the page's
// language.
type Country struct {
	Code string
	Name string
}

// countryCodes are every code models.ValidCountry accepts, the countries a form may send.
var countryCodes = func() []string {
	var codes []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if code := string([]rune{a, b}); models.ValidCountry(code) {
				codes = append(codes, code)
			}
		}
	}
	return codes
}()

// regionNames are CLDR's country names in each language the portal speaks (only these
// dictionaries are linked in, not every language's).
var regionNames = map[string]*display.Dictionary{
	"en": display.English, "de": display.German, "fr": display.French, "nl": display.Dutch,
	"es": display.Spanish, "it": display.Italian,
}

// countryList is one language's countries, named and sorted the way its speakers sort
// ("Österreich" among the O's in German), built on first use.
type countryList struct {
	once sync.Once
	list []Country
	name map[string]string
}

func (c *countryList) build(lang string) {
	c.once.Do(func() {
		names := regionNames[lang]
		if names == nil {
			names = display.English
		}
		regions := names.Regions()
		c.name = make(map[string]string, len(countryCodes))
		for _, code := range countryCodes {
			name := regions.Name(language.MustParseRegion(code))
			if name == "" {
				name = code
			}
			c.list = append(c.list, Country{Code: code, Name: name})
			c.name[code] = name
		}
		order := collate.New(language.Make(lang))
		slices.SortFunc(c.list, func(a, b Country) int { return order.CompareString(a.Name, b.Name) })
	})
}

// Countries lists every country, named in the translator's language and sorted in its order.
func (t *Translator) Countries() []Country {
	t.countries.build(t.lang)
	return t.countries.list
}

// CountryName is a country's name in the translator's language ("Deutschland" for DE in
// de), or the code itself when it names no country.
func (t *Translator) CountryName(code string) string {
	t.countries.build(t.lang)
	if name, ok := t.countries.name[code]; ok {
		return name
	}
	return code
}
