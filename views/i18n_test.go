package views

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/portico/portico/models"
)

// TestCatalogsAreComplete makes sure no page shows a raw message ID or silent English: every
// language defines exactly the messages English defines.
func TestCatalogsAreComplete(t *testing.T) {
	want := catalogIDs(t, "en")
	for _, lang := range models.Locales[1:] {
		got := catalogIDs(t, lang)
		for _, id := range want {
			if _, found := slices.BinarySearch(got, id); !found {
				t.Errorf("%s: missing %q", lang, id)
			}
		}
		for _, id := range got {
			if _, found := slices.BinarySearch(want, id); !found {
				t.Errorf("%s: %q is not in the English catalog", lang, id)
			}
		}
	}
}

// TestTemplatesUseDefinedMessages finds every literal message ID the templates and view
// helpers ask for, and every ID built from a known set of values, in the English catalog.
func TestTemplatesUseDefinedMessages(t *testing.T) {
	defined := map[string]bool{}
	for _, id := range catalogIDs(t, "en") {
		defined[id] = true
	}
	literal := regexp.MustCompile(`\.(?:T|Tf|Plural)\("([a-z0-9_.-]+[a-z0-9_-])"`)
	files, _ := filepath.Glob("*.templ")
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range append(files, goFiles...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllSubmatch(src, -1) {
			if id := string(m[1]); !defined[id] {
				t.Errorf("%s asks for %q, which the catalog does not define", f, id)
			}
		}
	}
	families := map[string][]string{
		"invoice.status.":      {"draft", "open", "overdue", "paid", "void", "uncollectible", "issued"},
		"invoices.filter.":     {"all", "open", "overdue", "paid", "void", "uncollectible", "credit_notes"},
		"payment.kind.":        {string(models.KindPayment), string(models.KindRefund)},
		"payment.method.":      models.PaymentMethods,
		"payment.status.":      {"succeeded", "pending", "failed"},
		"subscription.status.": {"trialing", "active", "past_due", "paused", "canceled", "canceling"},
		"subscription.reason.": models.CancellationReasons,
		"interval.":            models.Intervals,
		"portal.nav.":          sectionNames(),
		"archive.":             {string(ArchiveBadYear), string(ArchiveEmpty), string(ArchiveTooMany)},
		"form.error.":          {"required", "invalid", "too_long", "invalid_email", "invalid_phone", "invalid_country", "invalid_locale", "invalid_iban", "invalid_choice"},
	}
	for prefix, values := range families {
		for _, v := range values {
			if !defined[prefix+v] {
				t.Errorf("the catalog lacks %q", prefix+v)
			}
		}
	}
}

// catalogIDs lists, sorted, the message IDs a language's catalog file defines.
func catalogIDs(t *testing.T, lang string) []string {
	return slices.Sorted(maps.Keys(catalogMessages(t, lang)))
}

// catalogMessages is a language's catalog as written: a message by its ID.
func catalogMessages(t *testing.T, lang string) map[string]any {
	t.Helper()
	var messages map[string]any
	if _, err := toml.DecodeFS(catalogFiles, "locales/"+lang+".toml", &messages); err != nil {
		t.Fatalf("read catalog %s: %v", lang, err)
	}
	return messages
}

func sectionNames() []string {
	var names []string
	for _, item := range navItems {
		names = append(names, string(item.Section))
	}
	return names
}

// TestFilledMessagesMatchTemplates checks the fast path of Tf against go-i18n's templates:
// every message it fills, in every language, with text, with numbers and with nothing in its
// placeholders, reads exactly as the template makes it.
func TestFilledMessagesMatchTemplates(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	values := []any{"Zoë & <Co>", 42, int64(-7), nil, 1.5}
	for _, lang := range models.Locales {
		tr := catalog.Translator(lang)
		if len(tr.filled) == 0 {
			t.Fatalf("%s: no message is filled without a template", lang)
		}
		for id, parts := range tr.filled {
			for _, v := range values {
				data := map[string]any{}
				for i := 1; i < len(parts); i += 2 {
					data[parts[i]] = v
				}
				switch _, filled := fillPlaceholders(parts, data); v.(type) {
				case string, int, int64:
					if !filled {
						t.Errorf("%s %s with %v: left to the template", lang, id, v)
					}
				default:
					if filled {
						t.Errorf("%s %s with %v: filled, not left to the template", lang, id, v)
					}
				}
				got := tr.Tf(id, data)
				want, err := tr.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
				if err != nil || got != want {
					t.Errorf("%s %s with %v: Tf %q, template %q (%v)", lang, id, v, got, want, err)
				}
			}
		}
	}
}

func TestPlaceholderParts(t *testing.T) {
	tests := []struct {
		msg  string
		want []string // nil: left to text/template
	}{
		{"Signed in as {{.Name}} at {{.Merchant}}", []string{"Signed in as ", "Name", " at ", "Merchant", ""}},
		{"{{.Count}}", []string{"", "Count", ""}},
		{"{{ .Name }}", nil},
		{"{{.Name | upper}}", nil},
		{"{{if .Name}}x{{end}}", nil},
		{"{{.}}", nil},
		{"{{.A.B}}", nil},
		{"open {{.Name", nil},
		{"text }} is text: {{.Name}}", []string{"text }} is text: ", "Name", ""}},
	}
	for _, tt := range tests {
		got, ok := placeholderParts(tt.msg)
		if ok != (tt.want != nil) || !slices.Equal(got, tt.want) {
			t.Errorf("placeholderParts(%q) = %q, %v; want %q", tt.msg, got, ok, tt.want)
		}
	}
}

// TestPlainMessages checks that every message without placeholders or plural forms, in
// every language, reads as written whichever way a caller asks for it: such messages are
// kept out of go-i18n's templates.
func TestPlainMessages(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range models.Locales {
		messages := catalogMessages(t, lang)
		tr, plain := catalog.Translator(lang), 0
		for id, m := range messages {
			text, ok := m.(string)
			if !ok || strings.Contains(text, "{{") {
				continue
			}
			plain++
			data := map[string]any{"Name": "Zoë"}
			if got := [3]string{tr.T(id), tr.Tf(id, data), tr.Plural(id, 2, data)}; got != [3]string{text, text, text} {
				t.Errorf("%s %s: T, Tf and Plural give %q, want %q", lang, id, got, text)
			}
		}
		if plain < len(messages)/2 {
			t.Errorf("%s: %d plain messages of %d", lang, plain, len(messages))
		}
	}
}
