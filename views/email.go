package views

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/portico/portico/models"
)

// EmailMessage is what a message shows: its kind, who sends it, and the facts it reports.
// The mail sender fills it from a claimed job; RenderEmail writes it in a language.
type EmailMessage struct {
	Kind         models.EmailKind
	Merchant     string
	LogoURL      string // an https image, or empty
	AccentColor  string // "#rrggbb", or empty for Portico's
	SupportEmail string // where replies go; empty when the merchant gave none
	CustomerName string
	LinkURL      string // the portal link, for the kinds that carry one
	ValidFor     time.Duration
	NewAddress   string // masked
	Account      string // masked
	Plan         string
	EffectiveAt  *time.Time
}

// RenderedEmail is a message written out: its subject and its two bodies.
type RenderedEmail struct {
	Subject string
	HTML    string
	Text    string
}

// defaultAccent is Portico's own accent (portico.css's --accent), for merchants without one.
const defaultAccent = "#3b3f9e"

// emailContent is a message translated, the one source of both of its parts.
type emailContent struct {
	Lang       string
	Subject    string
	Merchant   string
	LogoURL    string
	Greeting   string
	Paragraphs []string
	Button     string // the link's label; empty when the message carries no link
	LinkURL    string
	LinkHint   string // how to open the link without the button
	Validity   string
	Caution    string // what to do if this was not the reader
	Footer     string
	Accent     string
	OnAccent   string
}

// RenderEmail writes a message in t's language: a subject a person would write, an HTML
// part that survives common mail clients (tables for layout, inline styles, no external
// CSS, web fonts or tracking pixel) and a plain-text part saying the same.
func RenderEmail(ctx context.Context, t *Translator, m EmailMessage) (RenderedEmail, error) {
	c := newEmailContent(t, m)
	var html bytes.Buffer
	if err := emailHTML(c).Render(ctx, &html); err != nil {
		return RenderedEmail{}, fmt.Errorf("render %s email: %w", m.Kind, err)
	}
	return RenderedEmail{Subject: c.Subject, HTML: html.String(), Text: c.text()}, nil
}

func newEmailContent(t *Translator, m EmailMessage) emailContent {
	data := map[string]any{
		"Merchant": m.Merchant, "NewAddress": m.NewAddress, "Account": m.Account, "Plan": m.Plan, "Date": t.DateOf(m.EffectiveAt),
	}
	kind := "email." + string(m.Kind)
	c := emailContent{
		Lang: t.Lang(), Subject: t.Tf(kind+".subject", data), Merchant: m.Merchant, LogoURL: m.LogoURL,
		Greeting:   t.T("email.greeting"),
		Paragraphs: []string{t.Tf(kind+".body", data)},
		Footer:     t.Tf("email.footer", data),
	}
	if m.CustomerName != "" {
		c.Greeting = t.Tf("email.greeting_name", map[string]any{"Name": m.CustomerName})
	}
	if m.SupportEmail != "" {
		c.Footer += " " + t.Tf("email.reply", data)
	}
	if m.Kind.CarriesLink() {
		c.Button, c.LinkURL, c.LinkHint = t.T(kind+".button"), m.LinkURL, t.T("email.link_hint")
		c.Validity = validFor(t, m.ValidFor)
		c.Caution = t.T("email.caution_link")
	} else {
		c.Caution = t.Tf("email.caution_notice", data)
	}
	c.Accent, c.OnAccent = accentPair(m.AccentColor)
	return c
}

// validFor says how long a link works, in words: "This link is valid for 24 hours."
func validFor(t *Translator, d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return t.Plural("email.valid_for.days", int(d/(24*time.Hour)), nil)
	case d >= time.Hour && d%time.Hour == 0:
		return t.Plural("email.valid_for.hours", int(d/time.Hour), nil)
	}
	return t.Plural("email.valid_for.minutes", max(1, int(d/time.Minute)), nil)
}

// accentPair is the button's colours: the merchant's accent, and black or white text,
// whichever reads better on it.
func accentPair(accent string) (background, text string) {
	rgb, err := parseHex(accent)
	if err != nil {
		rgb, _ = parseHex(defaultAccent)
	}
	text = "#000000"
	if contrast(rgb, 0xffffff) >= contrast(rgb, 0x000000) {
		text = "#ffffff"
	}
	return fmt.Sprintf("#%06x", rgb), text
}

// buttonStyle is the inline style of the link's button; its colours are #rrggbb values
// made by accentPair, never a merchant's raw input.
func (c emailContent) buttonStyle() templ.SafeCSS {
	return templ.SafeCSS("display:inline-block;padding:12px 24px;border-radius:6px;font-weight:600;text-decoration:none;" +
		"background-color:" + c.Accent + ";color:" + c.OnAccent + ";border:1px solid " + c.Accent + ";")
}

// headerStyle is the inline style of the band with the merchant's name.
func (c emailContent) headerStyle() templ.SafeCSS {
	return templ.SafeCSS("padding:20px 24px;border-top:4px solid " + c.Accent + ";font-size:18px;font-weight:600;color:#1d1f24;")
}

// text is the plain-text part: the same words as the HTML part, with the link written out.
func (c emailContent) text() string {
	var b strings.Builder
	b.WriteString(c.Greeting + "\n\n")
	for _, p := range c.Paragraphs {
		b.WriteString(p + "\n\n")
	}
	if c.LinkURL != "" {
		b.WriteString(c.Button + ":\n" + c.LinkURL + "\n\n" + c.Validity + "\n\n")
	}
	b.WriteString(c.Caution + "\n\n-- \n" + c.Footer + "\n")
	return b.String()
}
