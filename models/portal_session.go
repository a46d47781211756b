package models

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// PortalSession is one opening of a portal link. The session cookie carries only its ID;
// ending the row (sign-out, link revoked) ends the session at once, wherever the cookie is.
type PortalSession struct {
	ID         string `gorm:"primaryKey"`
	MerchantID string
	LinkID     string
	CustomerID string
	CSRFSecret string `gorm:"column:csrf_secret"`
	Locale     string // chosen with ?language=, remembered for the session
	Flash      string // a message for the session's next page, shown once
	CreatedAt  time.Time
	LastSeenAt time.Time
	EndedAt    *time.Time
	EndReason  SessionEnd // why EndedAt was set: SessionSignedOut or SessionReplaced
}

// lastSeenEvery bounds how often a busy session writes last_seen_at, so a page view costs
// no write: at most once a minute, and for idle timeouts shorter than four minutes once a
// quarter of the timeout (see touchDue).
const lastSeenEvery = time.Minute

// PortalAccess is everything a portal request needs to know about who is asking: the
// session, the link it was opened from, the customer and the merchant.
type PortalAccess struct {
	Session  PortalSession
	Link     PortalLink
	Customer PortalCustomer
	Merchant Merchant
	// Ended says why the session can serve no more requests; empty while it is live.
	Ended SessionEnd
}

// SessionEnd is why a portal session can serve no more requests, so the page that says so
// can tell the customer what happened and what to do.
type SessionEnd string

// Why sessions end.
const (
	SessionSignedOut SessionEnd = "signed_out" // the customer signed out
	SessionReplaced  SessionEnd = "replaced"   // the browser opened another customer's link instead
	SessionRevoked   SessionEnd = "revoked"    // the merchant withdrew the link
	SessionExpired   SessionEnd = "expired"    // the link expired, or the session reached AbsoluteSessionTimeout
	SessionIdle      SessionEnd = "idle"       // unused for longer than the link's idle timeout
)

// PortalCustomer is the part of a customer every portal page needs.
type PortalCustomer struct {
	ID              string
	Name            string
	PreferredLocale string
}

// ErrSessionOver means a portal session can serve no more requests: it was ended (sign-out,
// replaced, its link revoked), its link expired, it sat idle longer than its link allows,
// or it outlived AbsoluteSessionTimeout.
var ErrSessionOver = errors.New("portal session over")

// ExpiresAt is when the session ends however active it is: AbsoluteSessionTimeout after it
// started, or when its link expires, whichever comes first. Its cookie lives as long.
func (s *PortalSession) ExpiresAt(link *PortalLink) time.Time {
	if end := s.CreatedAt.Add(AbsoluteSessionTimeout); end.Before(link.ExpiresAt) {
		return end
	}
	return link.ExpiresAt
}

// over says why the session can serve no request at time at, or "" when it can. A link's
// revocation ends its sessions too, so it is asked first.
func (a *PortalAccess) over(at time.Time) SessionEnd {
	switch {
	case a.Link.RevokedAt != nil:
		return SessionRevoked
	case a.Session.EndedAt != nil && a.Session.EndReason == SessionReplaced:
		return SessionReplaced
	case a.Session.EndedAt != nil:
		return SessionSignedOut
	case !at.Before(a.Session.ExpiresAt(&a.Link)):
		return SessionExpired
	case at.Sub(a.Session.LastSeenAt) > a.Link.IdleTimeoutDuration():
		return SessionIdle
	}
	return ""
}

// Scope is what the session may see: its customer's rows.
func (a *PortalAccess) Scope() Scope { return CustomerScope(a.Merchant.ID, a.Customer.ID) }

// Actor is the session's customer, acting through the link, for the audit log.
func (a *PortalAccess) Actor(ip, userAgent string) Actor {
	return Actor{Type: ActorPortalLink, ID: a.Link.ID, IP: ip, UserAgent: userAgent}
}

// LinkOpening is a browser's visit to a portal link.
type LinkOpening struct {
	Token string
	// PreviousSession is the session ID the browser's cookie holds, if any: that session
	// ends when the new one starts, since its cookie is about to be replaced.
	PreviousSession string
	// Switch confirms that the browser may leave a live session of another customer for
	// this link. Without it such a session is kept and the link opens nothing (see
	// PortalEntry.Live): a link another site sends the browser to must not swap whom it acts for.
	Switch        bool
	IP, UserAgent string
}

// PortalEntry is what opening a link found: the link, its merchant, and the session it
// started. Session is nil when the link is expired or revoked (Ended says which; the page
// that says so still names the merchant), or when Live is set.
type PortalEntry struct {
	Link     PortalLink
	Merchant Merchant
	Session  *PortalSession
	Ended    SessionEnd // SessionExpired or SessionRevoked when the link opens no more sessions
	// Live is the browser's live session of another customer, kept because the opening did
	// not confirm the switch; Customer is then whom the link is for, to ask about.
	Live     *PortalAccess
	Customer PortalCustomer
}

// OpenPortalLink is the portal's door. It finds the link a token belongs to (ErrNotFound
// for none) and, if the link is still usable, starts a new session from it: a new row, so a
// cookie can never be fixed in advance, the link's first and last use, and an audit event.
// Whether the link is usable is decided once, by one conditional UPDATE against the Store's
// clock, so a revocation an instant earlier wins. When the browser still has a live session
// of another customer and the opening does not confirm the switch, nothing is written and
// the entry names both, for the customer to choose. Like LoadPortalAccess it has no merchant
// argument: the token is how a visitor's request learns its merchant.
func (s *Store) OpenPortalLink(ctx context.Context, o LinkOpening) (*PortalEntry, error) {
	read := s.read(ctx)
	link, err := findPortalLink(read, o.Token)
	if err != nil {
		return nil, storeError("open portal link", err)
	}
	entry := &PortalEntry{Link: *link}
	if err := read.Where("id = ?", link.MerchantID).Take(&entry.Merchant).Error; err != nil {
		return nil, storeError("open portal link", err)
	}
	if entry.Ended = link.closed(s.Now()); entry.Ended != "" {
		return entry, nil
	}
	if o.PreviousSession != "" && !o.Switch {
		live, err := s.loadPortalAccess(ctx, o.PreviousSession)
		switch {
		case err == nil && live.Ended == "" && live.Customer.ID != link.CustomerID:
			entry.Live = live
			err = read.Model(&Customer{}).Select("id, name, preferred_locale").
				Where("merchant_id = ? AND id = ?", link.MerchantID, link.CustomerID).Take(&entry.Customer).Error
			return entry, storeError("open portal link", err)
		case err != nil && !errors.Is(err, ErrNotFound):
			return nil, err
		}
	}
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		t := s.Now()
		res := tx.Model(&PortalLink{}).
			Where("merchant_id = ? AND id = ? AND revoked_at IS NULL AND expires_at > ?", link.MerchantID, link.ID, t).
			Updates(map[string]any{"first_used_at": gorm.Expr("COALESCE(first_used_at, ?)", t), "last_used_at": t})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		session := &PortalSession{
			ID: "ps_" + newSecret(), MerchantID: link.MerchantID, LinkID: link.ID, CustomerID: link.CustomerID,
			CSRFSecret: newSecret(), CreatedAt: t, LastSeenAt: t,
		}
		if err := tx.Create(session).Error; err != nil {
			return err
		}
		actor := Actor{Type: ActorPortalLink, ID: link.ID, IP: o.IP, UserAgent: o.UserAgent}
		if err := s.record(tx, link.MerchantID, link.CustomerID, actor, "portal_link.opened", map[string]string{"link_id": link.ID}); err != nil {
			return err
		}
		// The link as the UPDATE above left it.
		entry.Link.FirstUsedAt, entry.Link.LastUsedAt = cmp.Or(entry.Link.FirstUsedAt, &t), &t
		if err := s.announce(tx, link.MerchantID, "portal_link.opened", entry.Link.Resource()); err != nil {
			return err
		}
		entry.Session = session
		return s.endPreviousSession(tx, o)
	})
	if err != nil {
		return nil, storeError("open portal link", err)
	}
	if entry.Session == nil {
		// Revoked or expired between the look and the update, whose word is final.
		entry.Ended = SessionExpired
		if now, err := findPortalLink(read, o.Token); err == nil && now.RevokedAt != nil {
			entry.Ended = SessionRevoked
		}
	}
	return entry, nil
}

// closed says why a link opens no more sessions at time at, or "" when it still does.
func (l *PortalLink) closed(at time.Time) SessionEnd {
	switch {
	case l.RevokedAt != nil:
		return SessionRevoked
	case !at.Before(l.ExpiresAt):
		return SessionExpired
	}
	return ""
}

// endPreviousSession ends the session a browser had before it opened a link, as that
// session's own link, in the opening's transaction.
func (s *Store) endPreviousSession(tx *gorm.DB, o LinkOpening) error {
	if o.PreviousSession == "" {
		return nil
	}
	var old PortalSession
	err := tx.Where("id = ? AND ended_at IS NULL", o.PreviousSession).Take(&old).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return s.endSession(tx, &old, Actor{Type: ActorPortalLink, ID: old.LinkID, IP: o.IP, UserAgent: o.UserAgent}, SessionReplaced)
}

// portalAccessColumns are the columns of LoadPortalAccess's one query: every column of the
// session, its link and its merchant (a test holds them to the models), and the customer's
// part the portal needs.
var portalAccessColumns = []column[PortalAccess]{
	{"s.id", func(a *PortalAccess) any { return &a.Session.ID }},
	{"s.merchant_id", func(a *PortalAccess) any { return &a.Session.MerchantID }},
	{"s.link_id", func(a *PortalAccess) any { return &a.Session.LinkID }},
	{"s.customer_id", func(a *PortalAccess) any { return &a.Session.CustomerID }},
	{"s.csrf_secret", func(a *PortalAccess) any { return &a.Session.CSRFSecret }},
	{"s.locale", func(a *PortalAccess) any { return &a.Session.Locale }},
	{"s.flash", func(a *PortalAccess) any { return &a.Session.Flash }},
	{"s.created_at", func(a *PortalAccess) any { return &a.Session.CreatedAt }},
	{"s.last_seen_at", func(a *PortalAccess) any { return &a.Session.LastSeenAt }},
	{"s.ended_at", func(a *PortalAccess) any { return &a.Session.EndedAt }},
	{"s.end_reason", func(a *PortalAccess) any { return &a.Session.EndReason }},

	{"l.id", func(a *PortalAccess) any { return &a.Link.ID }},
	{"l.merchant_id", func(a *PortalAccess) any { return &a.Link.MerchantID }},
	{"l.customer_id", func(a *PortalAccess) any { return &a.Link.CustomerID }},
	{"l.token_hash", func(a *PortalAccess) any { return &a.Link.TokenHash }},
	{"l.created_at", func(a *PortalAccess) any { return &a.Link.CreatedAt }},
	{"l.expires_at", func(a *PortalAccess) any { return &a.Link.ExpiresAt }},
	{"l.idle_timeout", func(a *PortalAccess) any { return &a.Link.IdleTimeout }},
	{"l.frame_ancestors", func(a *PortalAccess) any { return &a.Link.FrameAncestors }},
	{"l.return_url", func(a *PortalAccess) any { return &a.Link.ReturnURL }},
	{"l.locale", func(a *PortalAccess) any { return &a.Link.Locale }},
	{"l.section", func(a *PortalAccess) any { return &a.Link.Section }},
	{"l.created_by", func(a *PortalAccess) any { return &a.Link.CreatedBy }},
	{"l.revoked_at", func(a *PortalAccess) any { return &a.Link.RevokedAt }},
	{"l.first_used_at", func(a *PortalAccess) any { return &a.Link.FirstUsedAt }},
	{"l.last_used_at", func(a *PortalAccess) any { return &a.Link.LastUsedAt }},
	{"l.renewed_from", func(a *PortalAccess) any { return &a.Link.RenewedFrom }},

	{"c.id", func(a *PortalAccess) any { return &a.Customer.ID }},
	{"c.name", func(a *PortalAccess) any { return &a.Customer.Name }},
	{"c.preferred_locale", func(a *PortalAccess) any { return &a.Customer.PreferredLocale }},

	{"m.id", func(a *PortalAccess) any { return &a.Merchant.ID }},
	{"m.slug", func(a *PortalAccess) any { return &a.Merchant.Slug }},
	{"m.name", func(a *PortalAccess) any { return &a.Merchant.Name }},
	{"m.logo_url", func(a *PortalAccess) any { return &a.Merchant.LogoURL }},
	{"m.accent_color", func(a *PortalAccess) any { return &a.Merchant.AccentColor }},
	{"m.default_locale", func(a *PortalAccess) any { return &a.Merchant.DefaultLocale }},
	{"m.cancellation_mode", func(a *PortalAccess) any { return &a.Merchant.CancellationMode }},
	{"m.editable_fields", func(a *PortalAccess) any { return jsonColumn{&a.Merchant.EditableFields} }},
	{"m.support_email", func(a *PortalAccess) any { return &a.Merchant.SupportEmail }},
	{"m.support_url", func(a *PortalAccess) any { return &a.Merchant.SupportURL }},
	{"m.address_line1", func(a *PortalAccess) any { return &a.Merchant.Address.Line1 }},
	{"m.address_line2", func(a *PortalAccess) any { return &a.Merchant.Address.Line2 }},
	{"m.address_postal_code", func(a *PortalAccess) any { return &a.Merchant.Address.PostalCode }},
	{"m.address_city", func(a *PortalAccess) any { return &a.Merchant.Address.City }},
	{"m.address_state", func(a *PortalAccess) any { return &a.Merchant.Address.State }},
	{"m.address_country", func(a *PortalAccess) any { return &a.Merchant.Address.Country }},
	{"m.vat_id", func(a *PortalAccess) any { return &a.Merchant.VATID }},
	{"m.favicon_url", func(a *PortalAccess) any { return &a.Merchant.FaviconURL }},
	{"m.powered_by", func(a *PortalAccess) any { return &a.Merchant.PoweredBy }},
	{"m.renew_expired_links", func(a *PortalAccess) any { return &a.Merchant.RenewExpiredLinks }},
	{"m.email_login", func(a *PortalAccess) any { return &a.Merchant.EmailLogin }},
	{"m.notify_email_change", func(a *PortalAccess) any { return &a.Merchant.NotifyEmailChange }},
	{"m.notify_payment_details_change", func(a *PortalAccess) any { return &a.Merchant.NotifyPaymentDetailsChange }},
	{"m.notify_cancellation", func(a *PortalAccess) any { return &a.Merchant.NotifyCancellation }},
	{"m.bank_account_holder", func(a *PortalAccess) any { return &a.Merchant.BankAccount.AccountHolder }},
	{"m.bank_iban", func(a *PortalAccess) any { return &a.Merchant.BankAccount.IBAN }},
	{"m.bank_bic", func(a *PortalAccess) any { return &a.Merchant.BankAccount.BIC }},
	{"m.remittance_format", func(a *PortalAccess) any { return &a.Merchant.RemittanceFormat }},
	{"m.sepa_creditor_id", func(a *PortalAccess) any { return &a.Merchant.SEPACreditorID }},
	{"m.created_at", func(a *PortalAccess) any { return &a.Merchant.CreatedAt }},
	{"m.updated_at", func(a *PortalAccess) any { return &a.Merchant.UpdatedAt }},
}

// portalAccessQuery is LoadPortalAccess's one query: a session with its link, customer and
// merchant.
var portalAccessQuery = "SELECT " + selectList(portalAccessColumns) + `
	FROM portal_sessions AS s
	JOIN portal_links AS l ON l.id = s.link_id
	JOIN customers AS c ON c.id = s.customer_id AND c.merchant_id = s.merchant_id
	JOIN merchants AS m ON m.id = s.merchant_id
	WHERE s.id = ?`

// LoadPortalAccess loads the session a request's cookie names, with its link, customer and
// merchant in one query (or from the Store's session cache, see cache.go), and decides
// against the Store's clock whether it may still serve. A session that may not comes back with ErrSessionOver and its access, whose Ended says
// why, so the page that says so can name the merchant; an unknown ID is ErrNotFound. A live
// session's activity is recorded at most once a minute, so the idle clock restarts without
// a write per page view. Like OpenPortalLink it has no merchant argument: the session ID is
// how a request learns its merchant.
func (s *Store) LoadPortalAccess(ctx context.Context, sessionID string) (*PortalAccess, error) {
	a, err := s.cachedPortalAccess(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if a.Ended != "" {
		return a, fmt.Errorf("%w: %s", ErrSessionOver, a.Ended)
	}
	now := s.Now()
	if !a.touchDue(now) {
		return a, nil
	}
	err = s.db.write.WithContext(ctx).Model(&PortalSession{}).
		Where("merchant_id = ? AND id = ?", a.Merchant.ID, a.Session.ID).
		Update("last_seen_at", now).Error
	s.cache.sessions.forgetKey(a.Session.ID)
	if err != nil {
		return nil, storeError("touch portal session", err)
	}
	a.Session.LastSeenAt = now
	return a, nil
}

// cachedPortalAccess is loadPortalAccess through the Store's session cache. Whether the
// session is over is decided afresh: the clock moves while the rows do not. The cache holds
// one PortalAccess per session, shared by every request that finds it, so each request gets
// a copy of its own; the cache moves pointers, not the whole access, which keeps a request's
// stack (and so each connection's memory under load) small.
func (s *Store) cachedPortalAccess(ctx context.Context, sessionID string) (*PortalAccess, error) {
	now := s.Now()
	kept, ok := s.cache.sessions.get(sessionID, now)
	if !ok {
		loaded, err := s.cache.sessions.loads.do(ctx, sessionID, func() (any, error) {
			gen := s.cache.sessions.begin()
			a, err := s.loadPortalAccess(ctx, sessionID)
			if err != nil {
				return nil, err
			}
			s.cache.sessions.put(gen, now, a.Session.ID, a)
			return a, nil
		})
		if err != nil {
			return nil, err
		}
		kept = loaded.(*PortalAccess)
	}
	a := new(PortalAccess)
	*a = *kept
	a.Ended = a.over(now)
	return a, nil
}

// loadPortalAccess is LoadPortalAccess's one query, without its write: the session, why it
// is over if it is, and all the request needs of its link, customer and merchant.
func (s *Store) loadPortalAccess(ctx context.Context, sessionID string) (*PortalAccess, error) {
	a, err := queryOne(ctx, s.db, portalAccessQuery, []any{sessionID}, portalAccessColumns)
	if err != nil {
		return nil, storeError("load portal session", err)
	}
	a.Ended = a.over(s.Now())
	return a, nil
}

// SetPortalSessionLocale remembers the language the customer picked.
func (s *Store) SetPortalSessionLocale(ctx context.Context, a *PortalAccess, locale string) error {
	if !IsLocale(locale) {
		return invalid("language", "invalid_locale", "is not a language the portal speaks")
	}
	err := s.db.write.WithContext(ctx).Model(&PortalSession{}).
		Where("merchant_id = ? AND id = ?", a.Merchant.ID, a.Session.ID).
		Update("locale", locale).Error
	s.cache.sessions.forgetKey(a.Session.ID)
	return storeError("set portal session locale", err)
}

// EndPortalSession ends a session: the customer signed out.
func (s *Store) EndPortalSession(ctx context.Context, a *PortalAccess, actor Actor) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error { return s.endSession(tx, &a.Session, actor, SessionSignedOut) })
	return storeError("end portal session", err)
}

// endSession ends a session once, saying why, with its audit event; ending an ended one
// changes nothing.
func (s *Store) endSession(tx *gorm.DB, session *PortalSession, actor Actor, why SessionEnd) error {
	res := tx.Model(&PortalSession{}).
		Where("merchant_id = ? AND id = ? AND ended_at IS NULL", session.MerchantID, session.ID).
		Updates(map[string]any{"ended_at": s.Now(), "end_reason": why})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return s.record(tx, session.MerchantID, session.CustomerID, actor, "portal_session.ended", map[string]string{"link_id": session.LinkID, "reason": string(why)})
}

// SetPortalFlash keeps a message for the session's next page: what the form the customer
// just sent did. It lives in the session row, not in the redirect's URL, so a reload or a
// bookmark never shows it again.
func (s *Store) SetPortalFlash(ctx context.Context, a *PortalAccess, flash string) error {
	err := s.db.write.WithContext(ctx).Model(&PortalSession{}).
		Where("merchant_id = ? AND id = ?", a.Merchant.ID, a.Session.ID).
		Update("flash", flash).Error
	s.cache.sessions.forgetKey(a.Session.ID)
	return storeError("set portal flash", err)
}

// TakePortalFlash returns the session's message for this page and removes it, so it shows
// once: of two pages loading at the same moment, one gets it. A session without a message
// costs no query.
func (s *Store) TakePortalFlash(ctx context.Context, a *PortalAccess) (string, error) {
	flash := a.Session.Flash
	if flash == "" {
		return "", nil
	}
	res := s.db.write.WithContext(ctx).Model(&PortalSession{}).
		Where("merchant_id = ? AND id = ? AND flash = ?", a.Merchant.ID, a.Session.ID, flash).
		Update("flash", "")
	s.cache.sessions.forgetKey(a.Session.ID)
	if res.Error != nil {
		return "", storeError("take portal flash", res.Error)
	}
	a.Session.Flash = ""
	if res.RowsAffected == 0 {
		return "", nil
	}
	return flash, nil
}

// touchDue reports whether a request at time at must record activity. Skipping the write
// lets the recorded last use lag the real one by up to the threshold, which the idle
// timeout then loses: with a fixed minute, a 60 s timeout used at +40 s would end at +68 s.
// A quarter of the timeout bounds that loss to a quarter; a minute keeps long timeouts cheap.
func (a *PortalAccess) touchDue(at time.Time) bool {
	return at.Sub(a.Session.LastSeenAt) >= min(lastSeenEvery, a.Link.IdleTimeoutDuration()/4)
}
