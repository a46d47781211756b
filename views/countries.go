package views

import (
	"slices"
	"sync"

	"github.com/portico/portico/models"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
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

// countryList is one language's countries, named and sorted the way its speakers sort
// ("Österreich" among the O's in German), built on first use.
type countryList struct {
	once sync.Once
	list []Country
}

// Countries lists every country, named in the translator's language (CLDR, see Country) and
// sorted in its order.
func (t *Translator) Countries() []Country {
	t.countries.once.Do(func() {
		list := make([]Country, len(countryCodes))
		for i, code := range countryCodes {
			list[i] = Country{Code: code, Name: t.Country(code)}
		}
		order := collate.New(language.Make(t.lang))
		slices.SortFunc(list, func(a, b Country) int { return order.CompareString(a.Name, b.Name) })
		t.countries.list = list
	})
	return t.countries.list
}
