package views

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/models"
)

// TestEveryMessageInEveryLanguage renders each kind of message in each language the portal
// speaks: no raw message ID, no unfilled placeholder, no English in another language's
// subject, both parts saying the same, and an HTML part mail clients can show.
func TestEveryMessageInEveryLanguage(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	rawID := regexp.MustCompile(`\b(email|login|renew)\.[a-z_.]+\b`)
	english := map[models.EmailKind]string{}
	for _, lang := range models.Locales {
		for _, kind := range models.EmailKinds {
			m := EmailMessage{
				Kind: kind, Merchant: "Acme Cloud", SupportEmail: "help@acme.example", CustomerName: "Zoë",
				LinkURL: "https://portal.example/p/" + strings.Repeat("A", 43), ValidFor: 24 * time.Hour,
				NewAddress: "z•••@e•••.org", Account: "NL91 •••• •••• •••• 00", Plan: "Pro", EffectiveAt: &end,
			}
			r, err := RenderEmail(context.Background(), catalog.Translator(lang), m)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, kind, err)
			}
			for part, text := range map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML} {
				if id := rawID.FindString(text); id != "" || strings.Contains(text, "{{") || strings.Contains(text, "<no value>") {
					t.Errorf("%s %s %s shows a missing message (%q):\n%s", lang, kind, part, id, text)
				}
			}
			if lang == "en" {
				english[kind] = r.Subject
			} else if r.Subject == english[kind] {
				t.Errorf("%s %s: the subject is the English one", lang, kind)
			}
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.HTML))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := doc.Find("html").Attr("lang"); got != lang {
				t.Errorf("%s %s: <html lang=%q>", lang, kind, got)
			}
			if doc.Find("style, link, script, img").Length() != 0 {
				t.Errorf("%s %s: the HTML part loads or embeds something", lang, kind)
			}
			if doc.Find("table").Length() == 0 {
				t.Errorf("%s %s: no table layout", lang, kind)
			}
			// Every paragraph but the button's fallback (the text part writes the link out).
			doc.Find("p").Not(":has(a)").Each(func(_ int, p *goquery.Selection) {
				if text := strings.TrimSpace(p.Text()); !strings.Contains(r.Text, text) {
					t.Errorf("%s %s: the text part lacks %q", lang, kind, text)
				}
			})
			if footer := strings.TrimSpace(doc.Find("td").Last().Text()); !strings.Contains(r.Text, footer) {
				t.Errorf("%s %s: the text part lacks the footer %q", lang, kind, footer)
			}
			links := doc.Find(`a[href="` + m.LinkURL + `"]`).Length()
			if kind.CarriesLink() != (links > 0) || kind.CarriesLink() != strings.Contains(r.Text, m.LinkURL) {
				t.Errorf("%s %s: %d links in the HTML part", lang, kind, links)
			}
		}
	}
}

func TestValidityInWords(t *testing.T) {
	catalog, _ := LoadCatalog()
	en, de := catalog.Translator("en"), catalog.Translator("de")
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{time.Hour, "This link is valid for 1 hour."},
		{24 * time.Hour, "This link is valid for 24 hours."},
		{7 * 24 * time.Hour, "This link is valid for 7 days."},
		{90 * time.Minute, "This link is valid for 90 minutes."},
		{time.Minute, "This link is valid for 1 minute."},
	} {
		if got := validFor(en, tc.d); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := validFor(de, 2*time.Hour); got != "Dieser Link ist 2 Stunden gültig." {
		t.Errorf("de: %q", got)
	}
}

func TestLogoAndAccentInTheMessage(t *testing.T) {
	catalog, _ := LoadCatalog()
	r, err := RenderEmail(context.Background(), catalog.Translator("en"), EmailMessage{
		Kind: models.EmailSignIn, Merchant: "Acme", LogoURL: "https://acme.example/logo.png", AccentColor: "#112233",
		LinkURL: "https://portal.example/p/x", ValidFor: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.HTML, `<img src="https://acme.example/logo.png"`) || !strings.Contains(r.HTML, "background-color:#112233;color:#ffffff") {
		t.Errorf("no logo, or no accent with white text:\n%s", r.HTML)
	}
	if r.Subject != "Sign in to your Acme billing portal" {
		t.Errorf("subject %q", r.Subject)
	}
}
