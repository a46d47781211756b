package models

import (
	"context"
	"encoding/json"
	"errors"
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
	CreatedAt  time.Time
	LastSeenAt time.Time
	EndedAt    *time.Time
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
}

// PortalCustomer is the part of a customer every portal page needs.
type PortalCustomer struct {
	ID              string
	Name            string
	PreferredLocale string
}

// Why a portal session cannot be used.
var (
	ErrSessionEnded   = errors.New("portal session ended")
	ErrLinkRevoked    = errors.New("portal link revoked")
	ErrLinkExpired    = errors.New("portal link expired")
	ErrSessionIdle    = errors.New("portal session idle too long")
	ErrSessionTooLong = errors.New("portal session past its absolute lifetime")
)

// Check says whether the session may serve a request at time at: not ended, its link
// neither revoked nor expired, not idle longer than the link allows, not older than the
// absolute limit.
func (a *PortalAccess) Check(at time.Time) error {
	switch {
	case a.Session.EndedAt != nil:
		return ErrSessionEnded
	case a.Link.RevokedAt != nil:
		return ErrLinkRevoked
	case !at.Before(a.Link.ExpiresAt):
		return ErrLinkExpired
	case at.Sub(a.Session.LastSeenAt) > a.Link.IdleTimeoutDuration():
		return ErrSessionIdle
	case at.Sub(a.Session.CreatedAt) > AbsoluteSessionTimeout:
		return ErrSessionTooLong
	}
	return nil
}

// ExpiresAt is when the session ends at the latest, however active it is.
func (a *PortalAccess) ExpiresAt() time.Time {
	end := a.Session.CreatedAt.Add(AbsoluteSessionTimeout)
	if a.Link.ExpiresAt.Before(end) {
		return a.Link.ExpiresAt
	}
	return end
}

// Scope is what the session may see: its customer's rows.
func (a *PortalAccess) Scope() Scope { return CustomerScope(a.Merchant.ID, a.Customer.ID) }

// Actor is the session's customer, acting through the link, for the audit log.
func (a *PortalAccess) Actor(ip, userAgent string) Actor {
	return Actor{Type: ActorPortalLink, ID: a.Link.ID, IP: ip, UserAgent: userAgent}
}

// StartPortalSession opens a new session from a usable link: a new row (so a cookie can
// never be fixed in advance), the link's first and last use, and an audit event.
func (s *Store) StartPortalSession(ctx context.Context, merchantID string, link *PortalLink, actor Actor) (*PortalSession, error) {
	t := s.Now()
	if link.MerchantID != merchantID || !link.Usable(t) {
		return nil, ErrNotFound
	}
	session := &PortalSession{
		ID: "ps_" + newSecret(), MerchantID: merchantID, LinkID: link.ID, CustomerID: link.CustomerID,
		CSRFSecret: newSecret(), CreatedAt: t, LastSeenAt: t,
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		// Revocation may have happened since the caller read the link: insert only while
		// the link is still usable.
		res := tx.Model(&PortalLink{}).
			Where("merchant_id = ? AND id = ? AND revoked_at IS NULL AND expires_at > ?", merchantID, link.ID, t).
			Updates(map[string]any{"first_used_at": gorm.Expr("COALESCE(first_used_at, ?)", t), "last_used_at": t})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := tx.Create(session).Error; err != nil {
			return err
		}
		return s.record(tx, merchantID, link.CustomerID, actor, "portal_link.opened", map[string]string{"link_id": link.ID})
	})
	if err != nil {
		return nil, storeError("start portal session", err)
	}
	return session, nil
}

// portalAccessRow is the one-query join behind LoadPortalAccess.
type portalAccessRow struct {
	PortalSession
	LinkExpiresAt      time.Time
	LinkIdleTimeout    int
	LinkFrameAncestors string
	LinkReturnURL      string
	LinkLocale         string
	LinkSection        string
	LinkRevokedAt      *time.Time
	CustomerName       string
	CustomerLocale     string
	MerchantSlug       string
	MerchantName       string
	LogoURL            string
	AccentColor        string
	DefaultLocale      string
	CancellationMode   CancellationMode
	EditableFields     string
	SupportEmail       string
	SupportURL         string
}

// LoadPortalAccess loads a session with its link, customer and merchant in one query. Like
// FindPortalLink it has no merchant argument: the session ID is how a request learns its
// merchant. Whether the session may still be used is Check's business.
func (s *Store) LoadPortalAccess(ctx context.Context, sessionID string) (*PortalAccess, error) {
	var row portalAccessRow
	err := s.db.read.WithContext(ctx).Table("portal_sessions AS s").
		Select(`s.*,
			l.expires_at AS link_expires_at, l.idle_timeout AS link_idle_timeout,
			l.frame_ancestors AS link_frame_ancestors, l.return_url AS link_return_url,
			l.locale AS link_locale, l.section AS link_section, l.revoked_at AS link_revoked_at,
			c.name AS customer_name, c.preferred_locale AS customer_locale,
			m.slug AS merchant_slug, m.name AS merchant_name, m.logo_url, m.accent_color,
			m.default_locale, m.cancellation_mode, m.editable_fields, m.support_email, m.support_url`).
		Joins("JOIN portal_links AS l ON l.id = s.link_id").
		Joins("JOIN customers AS c ON c.id = s.customer_id AND c.merchant_id = s.merchant_id").
		Joins("JOIN merchants AS m ON m.id = s.merchant_id").
		Where("s.id = ?", sessionID).
		Take(&row).Error
	if err != nil {
		return nil, storeError("load portal session", err)
	}
	a := &PortalAccess{
		Session: row.PortalSession,
		Link: PortalLink{
			ID: row.LinkID, MerchantID: row.MerchantID, CustomerID: row.CustomerID,
			ExpiresAt: row.LinkExpiresAt, IdleTimeout: row.LinkIdleTimeout, FrameAncestors: row.LinkFrameAncestors,
			ReturnURL: row.LinkReturnURL, Locale: row.LinkLocale, Section: row.LinkSection, RevokedAt: row.LinkRevokedAt,
		},
		Customer: PortalCustomer{ID: row.CustomerID, Name: row.CustomerName, PreferredLocale: row.CustomerLocale},
		Merchant: Merchant{
			ID: row.MerchantID, Slug: row.MerchantSlug, Name: row.MerchantName, LogoURL: row.LogoURL,
			AccentColor: row.AccentColor, DefaultLocale: row.DefaultLocale, CancellationMode: row.CancellationMode,
			SupportEmail: row.SupportEmail, SupportURL: row.SupportURL,
		},
	}
	if err := json.Unmarshal([]byte(row.EditableFields), &a.Merchant.EditableFields); err != nil {
		return nil, storeError("load portal session", err)
	}
	return a, nil
}

// touchDue reports whether a request at time at must record activity. Skipping the write
// lets the recorded last use lag the real one by up to the threshold, which the idle
// timeout then loses: with a fixed minute, a 60 s timeout used at +40 s would end at +68 s.
// A quarter of the timeout bounds that loss to a quarter; a minute keeps long timeouts cheap.
func (a *PortalAccess) touchDue(at time.Time) bool {
	return at.Sub(a.Session.LastSeenAt) >= min(lastSeenEvery, a.Link.IdleTimeoutDuration()/4)
}

// TouchPortalSession records activity when touchDue says so, so the idle clock restarts
// without a write per page view.
func (s *Store) TouchPortalSession(ctx context.Context, a *PortalAccess, at time.Time) error {
	if !a.touchDue(at) {
		return nil
	}
	err := s.db.write.WithContext(ctx).Model(&PortalSession{}).
		Where("merchant_id = ? AND id = ?", a.Merchant.ID, a.Session.ID).
		Update("last_seen_at", at.UTC()).Error
	return storeError("touch portal session", err)
}

// SetPortalSessionLocale remembers the language the customer picked.
func (s *Store) SetPortalSessionLocale(ctx context.Context, a *PortalAccess, locale string) error {
	if !IsLocale(locale) {
		return invalid("language", "invalid_locale", "is not a language the portal speaks")
	}
	err := s.db.write.WithContext(ctx).Model(&PortalSession{}).
		Where("merchant_id = ? AND id = ?", a.Merchant.ID, a.Session.ID).
		Update("locale", locale).Error
	return storeError("set portal session locale", err)
}

// EndPortalSession ends a session (sign-out, or replaced by a new one in the same browser).
func (s *Store) EndPortalSession(ctx context.Context, a *PortalAccess, actor Actor) error {
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&PortalSession{}).
			Where("merchant_id = ? AND id = ? AND ended_at IS NULL", a.Merchant.ID, a.Session.ID).
			Update("ended_at", s.Now())
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return s.record(tx, a.Merchant.ID, a.Customer.ID, actor, "portal_session.ended", map[string]string{"link_id": a.Link.ID})
	})
	return storeError("end portal session", err)
}
