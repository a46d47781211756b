package views

// Country is a country as a form offers it: its ISO 3166-1 code and its name in the page's
// language.
type Country struct {
	Code string
	Name string
}

// The countries' names and order come from CLDR, through golang.org/x/text's display and
// collate packages, but only the test that writes countries_cldr.go imports them: their
// tables, every language's names and collation rules, were 3.7 MB of the binary and about
// 2 MB of the server's memory under load, for the six languages' 250 names.

// Countries lists every country models.ValidCountry accepts, named in the translator's
// language as CLDR names it and sorted the way its speakers sort ("Österreich" among the O's
// in German). The list is shared: callers must not change it.
func (t *Translator) Countries() []Country { return countryTable[t.lang] }

// Country names an ISO 3166-1 alpha-2 country in the language ("Deutschland" for DE in de,
// "Alemania" in es). An empty code is empty; a code that is not a country's stays as it is.
func (t *Translator) Country(code string) string {
	// A document names one or two countries: a scan of 250 is cheaper than an index to keep.
	for _, c := range countryTable[t.lang] {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}
