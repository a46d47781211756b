package views

import (
	"embed"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/portico/portico/models"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var catalogFiles embed.FS

// Catalog holds the translations of every language the portal speaks, loaded once.
type Catalog struct {
	translators map[string]*Translator
}

// LoadCatalog returns the embedded catalogs (locales/<lang>.toml), one per models.Locales,
// read at the first call: the portal and the mail queue share them, and reading them takes
// about 9 ms of every start.
func LoadCatalog() (*Catalog, error) { return loadCatalogOnce() }

var loadCatalogOnce = sync.OnceValues(loadCatalog)

func loadCatalog() (*Catalog, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalog{translators: map[string]*Translator{}}
	for _, lang := range models.Locales {
		file, err := bundle.LoadMessageFileFS(catalogFiles, path.Join("locales", lang+".toml"))
		if err != nil {
			return nil, fmt.Errorf("load catalog %s: %w", lang, err)
		}
		// No fallback language: a missing translation shows up as its raw ID, which the
		// tests catch, never as silent English on a German page.
		formats, err := newFormats(lang)
		if err != nil {
			return nil, fmt.Errorf("load catalog %s: %w", lang, err)
		}
		t := &Translator{
			lang: lang, loc: i18n.NewLocalizer(bundle, lang), plain: map[string]string{}, formats: formats, countries: &countryList{},
		}
		for _, m := range file.Messages {
			// Messages without placeholders or plural forms are a map lookup at render time.
			if m.One == "" && m.Few == "" && m.Many == "" && !strings.Contains(m.Other, "{{") {
				t.plain[m.ID] = m.Other
			}
		}
		c.translators[lang] = t
	}
	return c, nil
}

// Translator returns the translator of a supported language, or of the first one.
func (c *Catalog) Translator(lang string) *Translator {
	if t, ok := c.translators[lang]; ok {
		return t
	}
	return c.translators[models.Locales[0]]
}

// Translator renders messages in one language.
type Translator struct {
	lang      string
	loc       *i18n.Localizer
	plain     map[string]string
	formats   formats
	countries *countryList
}

// Lang is the translator's language code, for <html lang>.
func (t *Translator) Lang() string { return t.lang }

// T returns a message without placeholders. A missing message comes back as its ID.
func (t *Translator) T(id string) string {
	if msg, ok := t.plain[id]; ok {
		return msg
	}
	return t.Tf(id, nil)
}

// Tkey is T(prefix + "." + name) without building that ID for a message without
// placeholders: a status badge looks one up on every row of a list.
func (t *Translator) Tkey(prefix, name string) string {
	if msg, ok := t.plain[prefix+"."+name]; ok {
		return msg
	}
	return t.Tf(prefix+"."+name, nil)
}

// Tf returns a message with its placeholders ({{.Name}}) filled from data.
func (t *Translator) Tf(id string, data map[string]any) string {
	msg, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return msg
}

// Plural returns the form of a message for count n; data may fill other placeholders and
// gets n as .Count.
func (t *Translator) Plural(id string, n int, data map[string]any) string {
	if data == nil {
		data = map[string]any{}
	}
	data["Count"] = n
	msg, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: n})
	if err != nil {
		return id
	}
	return msg
}
