package models

import (
	"context"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
	"gorm.io/gorm"
)

// PortalLink is a temporary link that lets one customer into the portal. Only the SHA-256
// of its token is kept; the token itself is shown once, in the minted URL.
type PortalLink struct {
	ID             string `gorm:"primaryKey"`
	MerchantID     string
	CustomerID     string
	TokenHash      []byte
	CreatedAt      time.Time
	ExpiresAt      time.Time
	IdleTimeout    int    // seconds; 0 means DefaultIdleTimeout
	FrameAncestors string // space-separated CSP host sources; empty: no framing
	ReturnURL      string
	Locale         string
	Section        string
	CreatedBy      string
	RevokedAt      *time.Time
	FirstUsedAt    *time.Time
	LastUsedAt     *time.Time
	RenewedFrom    string // the expired link this one renews; empty for a minted one
}

// Limits of links and the sessions they open.
const (
	DefaultLinkLifetime = 24 * time.Hour
	MinLinkLifetime     = time.Minute
	MaxLinkLifetime     = 90 * 24 * time.Hour
	DefaultIdleTimeout  = 30 * time.Minute
	MinIdleTimeout      = time.Minute
	// AbsoluteSessionTimeout caps a portal session however active it is.
	AbsoluteSessionTimeout = 12 * time.Hour
	maxFrameAncestors      = 10
)

// Sections a link can land on; invoice:<id> and subscription:<id> name one record.
var Sections = []string{"overview", "invoices", "subscriptions", "payments", "entitlements", "profile"}

// Framable reports whether the link may be shown inside another site's iframe.
func (l *PortalLink) Framable() bool { return l.FrameAncestors != "" }

// IdleTimeoutDuration is how long a session opened from the link may sit unused.
func (l *PortalLink) IdleTimeoutDuration() time.Duration {
	if l.IdleTimeout <= 0 {
		return DefaultIdleTimeout
	}
	return time.Duration(l.IdleTimeout) * time.Second
}

// PortalLinkInput mints a link. Zero values take the defaults.
type PortalLinkInput struct {
	ExpiresIn      time.Duration
	IdleTimeout    time.Duration
	FrameAncestors []string
	ReturnURL      string
	Locale         string
	Section        string
	// InvalidateExisting revokes the customer's other links, and ends their sessions,
	// before the new one is made: the answer when a link reached the wrong inbox.
	InvalidateExisting bool
}

func (in *PortalLinkInput) validate() error {
	var v validator
	if in.ExpiresIn == 0 {
		in.ExpiresIn = DefaultLinkLifetime
	}
	if in.ExpiresIn < MinLinkLifetime || in.ExpiresIn > MaxLinkLifetime {
		v.add("expires_in", "out_of_range", "must be between 60 and 7776000 seconds")
	}
	if in.IdleTimeout != 0 && (in.IdleTimeout < MinIdleTimeout || in.IdleTimeout > AbsoluteSessionTimeout) {
		v.add("idle_timeout", "out_of_range", "must be between 60 and 43200 seconds")
	}
	if len(in.FrameAncestors) > maxFrameAncestors {
		v.add("frame_ancestors", "too_many", "allows at most 10 entries")
		return v.err() // nothing past the limit is looked at
	}
	for i, src := range in.FrameAncestors {
		if msg := checkFrameAncestor(src); msg != "" {
			v.add("frame_ancestors["+strconv.Itoa(i)+"]", "invalid_frame_ancestor", strconv.Quote(src)+" "+msg)
		} else {
			in.FrameAncestors[i] = strings.ToLower(src)
		}
	}
	v.webURL("return_url", in.ReturnURL)
	v.locale("locale", in.Locale)
	if in.Section != "" && !validSection(in.Section) {
		v.add("section", "invalid_section", "must be one of "+strings.Join(Sections, ", ")+", invoice:<id> or subscription:<id>")
	}
	return v.err()
}

func validSection(s string) bool {
	if id, ok := strings.CutPrefix(s, "invoice:"); ok {
		return validID("inv", id)
	}
	if id, ok := strings.CutPrefix(s, "subscription:"); ok {
		return validID("sub", id)
	}
	for _, known := range Sections {
		if s == known {
			return true
		}
	}
	return false
}

// checkFrameAncestor checks one CSP host source (scheme://host:port, host, *.host) and says
// what is wrong with it, or "" when it is fine. The grammar is CSP3's host-source, narrowed:
// https only (http for loopback hosts), a wildcard only as the whole leftmost label and never
// over a public suffix, no path, no keyword, nothing non-ASCII.
func checkFrameAncestor(src string) string {
	if src == "" || len(src) > 300 {
		return "is empty or too long"
	}
	for _, r := range src {
		if r <= 0x20 || r >= 0x7f || strings.ContainsRune(`'";,\`, r) {
			return "contains a character a host source cannot hold (quotes, ; , whitespace, control or non-ASCII; use punycode)"
		}
	}
	rest := strings.ToLower(src)
	scheme := "" // none given: the host source matches the page's own scheme
	if i := strings.Index(rest, "://"); i >= 0 {
		if i == 0 {
			return "must name its scheme before ://"
		}
		scheme, rest = rest[:i], rest[i+3:]
	}
	if strings.ContainsAny(rest, "/?#@") {
		return "must not hold a path, query or credentials"
	}
	host, port := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		host, port = rest[:i], rest[i+1:]
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return "has an invalid port"
		}
	}
	loopback := host == "localhost" || host == "127.0.0.1"
	switch scheme {
	case "", "https":
	case "http":
		if !loopback {
			return "must use https (http is allowed for localhost only)"
		}
	default:
		return "must be an https origin"
	}
	wild := strings.HasPrefix(host, "*.")
	name := strings.TrimPrefix(host, "*.")
	if !validHostName(name) {
		return "is not a host name (a lone * and keywords are not allowed)"
	}
	if wild {
		if suffix, _ := publicsuffix.PublicSuffix(name); suffix == name || !strings.Contains(name, ".") {
			return "puts a wildcard over a public suffix"
		}
	}
	return ""
}

// validHostName checks dot-separated labels of letters, digits and inner hyphens.
func validHostName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z') && !(r >= '0' && r <= '9') && r != '-' {
				return false
			}
		}
	}
	return true
}

// MintPortalLink creates a link for the customer sc names and returns it with its token,
// which is shown once. A section naming an invoice or subscription must be the customer's own.
func (s *Store) MintPortalLink(ctx context.Context, sc Scope, actor Actor, in PortalLinkInput) (*PortalLink, string, error) {
	if err := in.validate(); err != nil {
		return nil, "", err
	}
	var link *PortalLink
	var token string
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		link, token, err = s.mintLink(tx, sc.MerchantID, id, actor, in, "")
		return err
	})
	if err != nil {
		return nil, "", storeError("mint portal link", err)
	}
	return link, token, nil
}

// mintLink creates a validated link for a customer in tx, revoking the customer's other
// links first when the input asks; renewedFrom names the expired link it renews, if any.
func (s *Store) mintLink(tx *gorm.DB, merchantID, customerID string, actor Actor, in PortalLinkInput, renewedFrom string) (*PortalLink, string, error) {
	if in.InvalidateExisting {
		if _, err := s.revokeCustomerLinks(tx, merchantID, customerID, actor); err != nil {
			return nil, "", err
		}
	}
	token := newSecret()
	t := s.Now()
	link := &PortalLink{
		ID:             newID("pl"),
		MerchantID:     merchantID,
		CustomerID:     customerID,
		TokenHash:      hashSecret(token),
		CreatedAt:      t,
		ExpiresAt:      t.Add(in.ExpiresIn),
		IdleTimeout:    int(in.IdleTimeout / time.Second),
		FrameAncestors: strings.Join(in.FrameAncestors, " "),
		ReturnURL:      in.ReturnURL,
		Locale:         in.Locale,
		Section:        in.Section,
		CreatedBy:      actor.ID,
		RenewedFrom:    renewedFrom,
	}
	if err := checkSectionOwner(tx, link); err != nil {
		return nil, "", err
	}
	err := insertPortalLink.exec(s.db, tx, link.ID, link.MerchantID, link.CustomerID, link.TokenHash, link.CreatedAt, link.ExpiresAt,
		link.IdleTimeout, link.FrameAncestors, link.ReturnURL, link.Locale, link.Section, link.CreatedBy, link.RenewedFrom)
	if err != nil {
		return nil, "", err
	}
	err = s.record(tx, merchantID, customerID, actor, "portal_link.created", map[string]any{
		"link_id": link.ID, "expires_at": link.ExpiresAt, "frame_ancestors": link.FrameAncestors, "section": link.Section,
	})
	if err != nil {
		return nil, "", err
	}
	return link, token, s.announce(tx, merchantID, "portal_link.created", link.Resource())
}

// insertPortalLink writes a new PortalLink: every column but those of its use and
// revocation, which start NULL.
var insertPortalLink = newHotStmt("portal_links", `INSERT INTO portal_links `+
	`(id, merchant_id, customer_id, token_hash, created_at, expires_at, idle_timeout, frame_ancestors, return_url, locale, section, created_by, renewed_from) `+
	`VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)

// checkSectionOwner makes sure invoice:<id> and subscription:<id> name the link customer's
// own records.
func checkSectionOwner(tx *gorm.DB, link *PortalLink) error {
	kind, id, ok := strings.Cut(link.Section, ":")
	if !ok {
		return nil
	}
	var model any = &Invoice{}
	if kind == "subscription" {
		model = &Subscription{}
	}
	var n int64
	err := tx.Model(model).Where("merchant_id = ? AND customer_id = ? AND id = ?", link.MerchantID, link.CustomerID, id).Count(&n).Error
	if err == nil && n == 0 {
		return invalid("section", "not_found", "names a "+kind+" this customer does not have")
	}
	return err
}

// findPortalLink looks a link up by its token, whatever its state, so an expired link's
// page can still name the merchant. The lookup is by the token's SHA-256, so its time does
// not depend on how much of a guessed token matches.
func findPortalLink(tx *gorm.DB, token string) (*PortalLink, error) {
	if len(token) != 43 {
		return nil, ErrNotFound
	}
	var link PortalLink
	if err := tx.Where("token_hash = ?", hashSecret(token)).Take(&link).Error; err != nil {
		return nil, err
	}
	return &link, nil
}

// ListPortalLinks returns the links of the customer sc names, newest first.
func (s *Store) ListPortalLinks(ctx context.Context, sc Scope, page Page) ([]PortalLink, PageInfo, error) {
	id, err := sc.customer(s.read(ctx))
	if err != nil {
		return nil, PageInfo{}, storeError("list portal links", err)
	}
	rows, info, err := listPage[PortalLink](s.scoped(ctx, sc.Customer(id)), page, "created_at DESC, id DESC")
	return rows, info, storeError("list portal links", err)
}

// RevokePortalLink revokes a link sc may see and ends every session opened from it, at once.
func (s *Store) RevokePortalLink(ctx context.Context, sc Scope, actor Actor, linkID string) (*PortalLink, error) {
	if !validID("pl", linkID) {
		return nil, ErrNotFound
	}
	var link PortalLink
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := sc.where(tx).Where("id = ?", linkID).Take(&link).Error; err != nil {
			return err
		}
		if link.RevokedAt != nil {
			return nil
		}
		t := s.Now()
		link.RevokedAt = &t
		if err := tx.Model(&link).Update("revoked_at", t).Error; err != nil {
			return err
		}
		if err := tx.Model(&PortalSession{}).Where("link_id = ? AND ended_at IS NULL", link.ID).Update("ended_at", t).Error; err != nil {
			return err
		}
		if err := s.record(tx, sc.MerchantID, link.CustomerID, actor, "portal_link.revoked", map[string]string{"link_id": link.ID}); err != nil {
			return err
		}
		return s.announce(tx, sc.MerchantID, "portal_link.revoked", link.Resource())
	})
	if err != nil {
		return nil, storeError("revoke portal link", err)
	}
	return &link, nil
}
