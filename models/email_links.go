package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The ways a link reaches a customer by mail: the merchant sends one through the API, the
// customer has an expired one renewed, or signs in by email. And the notices that tell a
// customer what was done in the portal. Every message is queued in the transaction of what
// caused it.

// Limits on mail a customer can ask for. They are counted in the database, so they hold
// across instances and restarts; handlers add per-IP limits in front.
const (
	// RenewalsPerLink is how many new links one expired link yields an hour.
	RenewalsPerLink = 3
	// RenewalsPerCustomer is how many renewal messages one customer gets an hour.
	RenewalsPerCustomer = 5
	// SignInsPerCustomer is how many sign-in messages one customer gets an hour; requests
	// beyond it are dropped without a word, like those for unknown addresses.
	SignInsPerCustomer = 5
	// maxSignInAccounts bounds the accounts one address signs in to at once.
	maxSignInAccounts = 5
	mailLimitPeriod   = time.Hour
)

// ErrMailLimited means a customer asked for more mail than the limits allow for now.
var ErrMailLimited = errors.New("too many messages asked for; try again later")

// SendPortalLink mints a link for the customer sc names, as MintPortalLink does, and queues
// it for mail in the same transaction: to the customer's email, or to "to" when that is the
// customer's or one of its contacts' addresses (nothing else: a key cannot mail a link to
// an address of its choosing).
func (s *Store) SendPortalLink(ctx context.Context, sc Scope, actor Actor, in PortalLinkInput, to string) (*PortalLink, string, *Email, error) {
	if err := in.validate(); err != nil {
		return nil, "", nil, err
	}
	var link *PortalLink
	var token string
	var email *Email
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		var c Customer
		if err := tx.Select("id", "email", "preferred_locale").Take(&c, "id = ?", id).Error; err != nil {
			return err
		}
		recipient, err := linkRecipient(tx, &c, to)
		if err != nil {
			return err
		}
		var m Merchant
		if err := tx.Select("default_locale").Take(&m, "id = ?", sc.MerchantID).Error; err != nil {
			return err
		}
		if link, token, err = s.mintLink(tx, sc.MerchantID, id, actor, in, ""); err != nil {
			return err
		}
		email = &Email{
			MerchantID: sc.MerchantID, CustomerID: id, Kind: EmailPortalLink, Recipient: recipient,
			Locale: mailLocale(in.Locale, c.PreferredLocale, m.DefaultLocale), LinkID: link.ID,
			Details: EmailDetails{ValidFor: int64(in.ExpiresIn / time.Second)},
		}
		return s.queueEmail(tx, email, token, link.ExpiresAt)
	})
	if err != nil {
		return nil, "", nil, storeError("send portal link", err)
	}
	return link, token, email, nil
}

// linkRecipient is where a link for c may be mailed: to, when it is c's address or one of
// c's contacts', else c's own address.
func linkRecipient(tx *gorm.DB, c *Customer, to string) (string, error) {
	if to == "" {
		if c.Email == "" {
			return "", invalid("email_to", "no_email", "is required: the customer has no email address")
		}
		return c.Email, nil
	}
	if sameAddress(to, c.Email) {
		return c.Email, nil
	}
	var contacts []string
	if err := tx.Model(&Contact{}).Where("customer_id = ? AND lower(email) = lower(?)", c.ID, to).Limit(1).Pluck("email", &contacts).Error; err != nil {
		return "", err
	}
	if len(contacts) == 0 {
		return "", invalid("email_to", "not_a_customer_address", "must be the customer's email address or one of its contacts'")
	}
	return contacts[0], nil
}

// RevokeCustomerPortalLinks revokes every link of the customer sc names that is not revoked
// yet — live ones, and expired ones, which can then no longer be renewed — and ends every
// session opened from them, at once. It returns how many links it revoked.
func (s *Store) RevokeCustomerPortalLinks(ctx context.Context, sc Scope, actor Actor) (int, error) {
	var n int
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		n, err = s.revokeCustomerLinks(tx, sc.MerchantID, id, actor)
		return err
	})
	return n, storeError("revoke customer portal links", err)
}

// revokeCustomerLinks revokes a customer's unrevoked links and ends their sessions, in tx,
// and announces each link's revocation.
func (s *Store) revokeCustomerLinks(tx *gorm.DB, merchantID, customerID string, actor Actor) (int, error) {
	t := s.Now()
	var links []PortalLink
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("merchant_id = ? AND customer_id = ? AND revoked_at IS NULL", merchantID, customerID).Find(&links).Error
	if err != nil || len(links) == 0 {
		return 0, err
	}
	ids := make([]string, len(links))
	for i := range links {
		ids[i] = links[i].ID
	}
	if err := tx.Model(&PortalLink{}).Where("merchant_id = ? AND id IN ?", merchantID, ids).Update("revoked_at", t).Error; err != nil {
		return 0, err
	}
	err = tx.Model(&PortalSession{}).Where("merchant_id = ? AND customer_id = ? AND ended_at IS NULL", merchantID, customerID).
		Update("ended_at", t).Error
	if err != nil {
		return 0, err
	}
	if err := s.record(tx, merchantID, customerID, actor, "portal_link.revoked_all", map[string]int{"revoked": len(links)}); err != nil {
		return 0, err
	}
	for i := range links {
		links[i].RevokedAt = &t
		if err := s.announce(tx, merchantID, "portal_link.revoked", links[i].Resource()); err != nil {
			return 0, err
		}
	}
	return len(links), nil
}

// ErrNotRenewable means a link cannot be renewed: it was revoked (the merchant meant it),
// it still works, it expired more than RenewalWindow ago, the merchant does not renew
// links, or the customer has no email address to send a new one to.
var ErrNotRenewable = errors.New("this link cannot be renewed")

// renewable decides whether link may be renewed at time at, for a merchant and a customer
// with the given address: the one place that rule is written.
func renewable(link *PortalLink, m *Merchant, customerEmail string, at time.Time) error {
	var why string
	switch {
	case !m.RenewExpiredLinks:
		why = "the merchant does not renew links"
	case link.RevokedAt != nil:
		why = "revoked"
	case at.Before(link.ExpiresAt):
		why = "not expired"
	case at.Sub(link.ExpiresAt) > RenewalWindow:
		why = "expired too long ago"
	case customerEmail == "":
		why = "no email address on file"
	default:
		return nil
	}
	return fmt.Errorf("%w: %s", ErrNotRenewable, why)
}

// CanRenew reports whether the page about an expired link (or a session that ended with
// its link) may offer to email a new one: nil when it may, else an ErrNotRenewable. It
// reads the link as it is now, so a revocation an instant ago counts.
func (s *Store) CanRenew(ctx context.Context, link *PortalLink) error {
	var row struct {
		PortalLink
		RenewExpiredLinks bool
		CustomerEmail     string
	}
	err := s.read(ctx).Table("portal_links AS l").
		Select("l.*, m.renew_expired_links, c.email AS customer_email").
		Joins("JOIN merchants AS m ON m.id = l.merchant_id").
		Joins("JOIN customers AS c ON c.id = l.customer_id AND c.merchant_id = l.merchant_id").
		Where("l.merchant_id = ? AND l.id = ?", link.MerchantID, link.ID).Take(&row).Error
	if err != nil {
		return storeError("can renew", err)
	}
	return renewable(&row.PortalLink, &Merchant{RenewExpiredLinks: row.RenewExpiredLinks}, row.CustomerEmail, s.Now())
}

// Renewal is a renewed link's message, with the expired link and merchant it came from, so
// the page that confirms it keeps the link's branding, framing and way back.
type Renewal struct {
	Expired  PortalLink
	Merchant Merchant
	Email    Email
}

// RenewPortalLink mails the customer a new link in place of an expired one: the same
// options, a lifetime like the original's (at most MaxRenewedLinkLifetime), to the address
// on file — never anywhere else. The link must be renewable (ErrNotRenewable), and the
// customer within RenewalsPerLink and RenewalsPerCustomer (ErrMailLimited). pageLocale is
// the language the customer saw the offer in, for when neither link nor customer names one.
// Refused for either reason, it still returns the expired link and its merchant, so the
// page that says so keeps the merchant's branding.
func (s *Store) RenewPortalLink(ctx context.Context, linkID, pageLocale string, ip, userAgent string) (*Renewal, error) {
	if !validID("pl", linkID) {
		return nil, ErrNotFound
	}
	r := &Renewal{}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Take(&r.Expired, "id = ?", linkID).Error; err != nil {
			return err
		}
		old := &r.Expired
		// The customer's row lock makes the counts below exact against a parallel request.
		var c Customer
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id", "email", "preferred_locale").
			Take(&c, "merchant_id = ? AND id = ?", old.MerchantID, old.CustomerID).Error; err != nil {
			return err
		}
		if err := tx.Take(&r.Merchant, "id = ?", old.MerchantID).Error; err != nil {
			return err
		}
		now := s.Now()
		if err := renewable(old, &r.Merchant, c.Email, now); err != nil {
			return err
		}
		since := now.Add(-mailLimitPeriod)
		var fromLink, toCustomer int64
		if err := tx.Model(&PortalLink{}).Where("merchant_id = ? AND renewed_from = ? AND created_at > ?", old.MerchantID, old.ID, since).Count(&fromLink).Error; err != nil {
			return err
		}
		if err := s.countMail(tx, &toCustomer, old.MerchantID, c.ID, EmailRenewal, since); err != nil {
			return err
		}
		if fromLink >= RenewalsPerLink || toCustomer >= RenewalsPerCustomer {
			return ErrMailLimited
		}
		in := PortalLinkInput{
			ExpiresIn:   min(old.ExpiresAt.Sub(old.CreatedAt), MaxRenewedLinkLifetime),
			IdleTimeout: time.Duration(old.IdleTimeout) * time.Second, FrameAncestors: strings.Fields(old.FrameAncestors),
			ReturnURL: old.ReturnURL, Locale: old.Locale, Section: old.Section,
		}
		actor := Actor{Type: ActorPortalLink, ID: old.ID, IP: ip, UserAgent: userAgent}
		link, token, err := s.mintLink(tx, old.MerchantID, c.ID, actor, in, old.ID)
		if err != nil {
			return err
		}
		r.Email = Email{
			MerchantID: old.MerchantID, CustomerID: c.ID, Kind: EmailRenewal, Recipient: c.Email,
			Locale: mailLocale(old.Locale, c.PreferredLocale, pageLocale, r.Merchant.DefaultLocale), LinkID: link.ID,
			Details: EmailDetails{ValidFor: int64(in.ExpiresIn / time.Second)},
		}
		if err := s.queueEmail(tx, &r.Email, token, link.ExpiresAt); err != nil {
			return err
		}
		return s.record(tx, old.MerchantID, c.ID, actor, "portal_link.renewed", map[string]string{"link_id": link.ID, "renewed_from": old.ID})
	})
	switch {
	case errors.Is(err, ErrNotRenewable), errors.Is(err, ErrMailLimited):
		return r, err
	case err != nil:
		return nil, storeError("renew portal link", err)
	}
	return r, nil
}

// countMail counts the messages of a kind a customer was sent since a time.
func (s *Store) countMail(tx *gorm.DB, n *int64, merchantID, customerID string, kind EmailKind, since time.Time) error {
	return tx.Model(&Email{}).Where("merchant_id = ? AND customer_id = ? AND kind = ? AND created_at > ?", merchantID, customerID, kind, since).Count(n).Error
}

// SignInMerchant is the merchant whose sign-in page a slug names, when it offers sign-in by
// email; ErrNotFound otherwise, so a merchant without it has no such page at all.
func (s *Store) SignInMerchant(ctx context.Context, slug string) (*Merchant, error) {
	if !slugPattern.MatchString(slug) {
		return nil, ErrNotFound
	}
	var m Merchant
	if err := s.read(ctx).Take(&m, "slug = ? AND email_login", slug).Error; err != nil {
		return nil, storeError("sign-in merchant", err)
	}
	return &m, nil
}

// signInActor is who the audit log names for links minted by a request to sign in.
func signInActor(ip, userAgent string) Actor {
	return Actor{Type: ActorSystem, ID: "sign_in_by_email", IP: ip, UserAgent: userAgent}
}

// RequestSignIn mails a link valid for SignInLinkLifetime to each of the merchant's
// customers (a few at most) whose address is address, whatever its case. An address that
// belongs to nobody, a customer past SignInsPerCustomer, or a merchant that has switched
// sign-in off get nothing and no error: whoever asked must not learn which it was. It
// returns how many messages it queued, for the caller's log and tests, never for the page.
func (s *Store) RequestSignIn(ctx context.Context, merchantID, address, pageLocale, ip, userAgent string) (int, error) {
	if !ValidEmail(address) {
		return 0, nil
	}
	// Most requests name nobody: they are answered from the read pool, without taking
	// the writer.
	var n int64
	err := s.read(ctx).Model(&Customer{}).
		Where("merchant_id = ? AND lower(email) = lower(?)", merchantID, address).Count(&n).Error
	if err != nil || n == 0 {
		return 0, storeError("request sign-in", err)
	}
	queued := 0
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		var m Merchant
		if err := tx.Take(&m, "id = ? AND email_login", merchantID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		var customers []Customer
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id", "email", "preferred_locale").
			Where("merchant_id = ? AND lower(email) = lower(?)", merchantID, address).
			Order("created_at DESC, id").Limit(maxSignInAccounts).Find(&customers).Error
		if err != nil {
			return err
		}
		now := s.Now()
		actor := signInActor(ip, userAgent)
		for _, c := range customers {
			var sent int64
			if err := s.countMail(tx, &sent, merchantID, c.ID, EmailSignIn, now.Add(-mailLimitPeriod)); err != nil {
				return err
			}
			if sent >= SignInsPerCustomer {
				continue
			}
			link, token, err := s.mintLink(tx, merchantID, c.ID, actor, PortalLinkInput{ExpiresIn: SignInLinkLifetime}, "")
			if err != nil {
				return err
			}
			email := &Email{
				MerchantID: merchantID, CustomerID: c.ID, Kind: EmailSignIn, Recipient: c.Email,
				Locale: mailLocale(c.PreferredLocale, pageLocale, m.DefaultLocale), LinkID: link.ID,
				Details: EmailDetails{ValidFor: int64(SignInLinkLifetime / time.Second)},
			}
			if err := s.queueEmail(tx, email, token, link.ExpiresAt); err != nil {
				return err
			}
			queued++
		}
		return nil
	})
	if err != nil {
		return 0, storeError("request sign-in", err)
	}
	return queued, nil
}

// notify queues a notice to a customer about a change made in the portal, in the change's
// transaction, when the merchant's policy sends that kind: to, or the customer's address
// when to is empty. Changes the merchant makes through the API are the merchant's to tell
// its customers about; a customer without an address gets no notice.
func (s *Store) notify(tx *gorm.DB, actor Actor, merchantID, customerID string, kind EmailKind, to string, details EmailDetails) error {
	if actor.Type != ActorPortalLink {
		return nil
	}
	var m Merchant
	err := tx.Select("default_locale", "notify_email_change", "notify_payment_details_change", "notify_cancellation").
		Take(&m, "id = ?", merchantID).Error
	if err != nil {
		return err
	}
	if !m.sendsNotice(kind) {
		return nil
	}
	var c Customer
	if err := tx.Select("email", "preferred_locale").Take(&c, "merchant_id = ? AND id = ?", merchantID, customerID).Error; err != nil {
		return err
	}
	if to == "" {
		to = c.Email
	}
	if to == "" {
		return nil
	}
	return s.queueEmail(tx, &Email{
		MerchantID: merchantID, CustomerID: customerID, Kind: kind, Recipient: to,
		Locale: mailLocale(c.PreferredLocale, m.DefaultLocale), Details: details,
	}, "", time.Time{})
}

// sendsNotice reports whether the merchant's policy sends notices of a kind.
func (m *Merchant) sendsNotice(kind EmailKind) bool {
	switch kind {
	case EmailAddressChanged:
		return m.NotifyEmailChange
	case EmailPaymentDetailsChanged:
		return m.NotifyPaymentDetailsChange
	case EmailCancellationScheduled, EmailSubscriptionCanceled, EmailCancellationUndone:
		return m.NotifyCancellation
	}
	return false
}
