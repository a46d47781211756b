package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
	"gorm.io/gorm"
)

// EmailKind is what a message is for.
type EmailKind string

// The messages Portico sends. The first three carry a portal link; the others are notices
// that protect the customer, each of which the merchant can switch off.
const (
	EmailPortalLink            EmailKind = "portal_link"             // the merchant sent a link through the API
	EmailSignIn                EmailKind = "sign_in"                 // the customer asked to sign in by email
	EmailRenewal               EmailKind = "renewal"                 // the customer asked for a new link
	EmailAddressChanged        EmailKind = "email_changed"           // to the old address
	EmailPaymentDetailsChanged EmailKind = "payment_details_changed" // a new bank account or card
	EmailCancellationScheduled EmailKind = "cancellation_scheduled"  // ends at the end of the period
	EmailSubscriptionCanceled  EmailKind = "subscription_canceled"   // ended at once
	EmailCancellationUndone    EmailKind = "cancellation_undone"     // continues after all
)

// EmailKinds lists every kind, for the API's filter and for tests that render them all.
var EmailKinds = []EmailKind{
	EmailPortalLink, EmailSignIn, EmailRenewal, EmailAddressChanged, EmailPaymentDetailsChanged,
	EmailCancellationScheduled, EmailSubscriptionCanceled, EmailCancellationUndone,
}

// CarriesLink reports whether messages of the kind hold a portal link.
func (k EmailKind) CarriesLink() bool {
	return k == EmailPortalLink || k == EmailSignIn || k == EmailRenewal
}

// Email is one message to one customer: a job, queued in the transaction of what caused
// it and sent in the background, retried until it is taken or its retry window closes. A
// message that carries a link keeps the link's token sealed with the data keys until the
// job is finished, then drops it: the link itself is never kept after sending.
type Email struct {
	ID         string `gorm:"primaryKey"`
	MerchantID string
	CustomerID string
	Kind       EmailKind
	Recipient  string
	Locale     string       // the language the message is written in
	LinkID     string       // the link it carries; empty for notices
	LinkToken  []byte       // the link's token, sealed; nil once the job is finished
	Details    EmailDetails `gorm:"serializer:json"`
	JobState   `gorm:"embedded"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// EmailDetails is what a message says beyond its kind: the facts it reports, written when
// it is queued so it tells what happened then. Addresses and accounts are masked.
type EmailDetails struct {
	ValidFor    int64      `json:"valid_for,omitempty"` // seconds the link works
	NewAddress  string     `json:"new_address,omitempty"`
	Account     string     `json:"account,omitempty"` // a masked IBAN, or a card's brand and last four
	Plan        string     `json:"plan,omitempty"`
	EffectiveAt *time.Time `json:"effective_at,omitempty"` // when a cancellation takes effect
}

// Link validity and retry limits of mail.
const (
	// SignInLinkLifetime is how long a link sent to sign in works.
	SignInLinkLifetime = time.Hour
	// MaxRenewedLinkLifetime caps a renewed link's lifetime, whatever the original's was.
	MaxRenewedLinkLifetime = 24 * time.Hour
	// RenewalWindow is how long after its expiry a link can still be renewed.
	RenewalWindow = 30 * 24 * time.Hour
	// noticeRetryWindow is how long a notice is retried: a day late it still informs.
	noticeRetryWindow = 24 * time.Hour
	// emailsInFlightPerMerchant keeps one merchant's burst of mail from taking every slot.
	emailsInFlightPerMerchant = 4
)

// emailQueue is the queue of mail: a merchant is a lane.
var emailQueue = jobQueue{table: "emails", lane: "merchant_id", laneLimit: fmt.Sprint(emailsInFlightPerMerchant)}

// ErrNoDataKeys refuses to queue a link by email when the Store has no data keys to seal
// its token with.
var ErrNoDataKeys = errors.New("no data keys: a link cannot be queued for mail")

// emailSealContext binds a sealed token to its email row.
func emailSealContext(id string) []byte { return []byte("email link token\x00" + id) }

// queueEmail writes e as a job due at once, in tx; token, when the message carries a link,
// is sealed into the row. A message about a link is not retried past the link's expiry.
func (s *Store) queueEmail(tx *gorm.DB, e *Email, token string, linkExpires time.Time) error {
	now := s.Now()
	e.ID, e.CreatedAt, e.UpdatedAt = newID("em"), now, now
	e.JobState = newJobState(now)
	if e.Kind.CarriesLink() {
		if s.dataKeys == nil {
			return ErrNoDataKeys
		}
		e.LinkToken = s.dataKeys.Seal([]byte(token), emailSealContext(e.ID))
		e.GiveUpAt = linkExpires
	} else {
		e.GiveUpAt = now.Add(noticeRetryWindow)
	}
	return tx.Create(e).Error
}

// MailSender is the merchant a message comes from, as the message shows it.
type MailSender struct {
	Name         string
	LogoURL      string
	AccentColor  string
	SupportEmail string
}

// ClaimedEmail is a message an instance holds, with what it needs to write it: the
// merchant's branding, the customer's name and, for a link, its token.
type ClaimedEmail struct {
	Email
	Sender       MailSender
	CustomerName string
	Token        string
}

// ClaimEmails claims up to n due messages, fairly across merchants, for this instance to
// send. Like ClaimWebhookDeliveries it spans merchants: each message names its own.
func (s *Store) ClaimEmails(ctx context.Context, n int) ([]ClaimedEmail, error) {
	claim, err := s.claimJobs(ctx, emailQueue, n)
	if err != nil {
		return nil, storeError("claim emails", err)
	}
	read := s.read(ctx)
	var rows []Email
	if err := read.Where("claimed_by = ?", claim).Find(&rows).Error; err != nil || len(rows) == 0 {
		return nil, storeError("load claimed emails", err)
	}
	merchantIDs, customerIDs := make([]string, len(rows)), make([]string, len(rows))
	for i, e := range rows {
		merchantIDs[i], customerIDs[i] = e.MerchantID, e.CustomerID
	}
	var merchants []Merchant
	var customers []Customer
	if err := read.Where("id IN ?", merchantIDs).Find(&merchants).Error; err != nil {
		return nil, storeError("load merchants of claimed emails", err)
	}
	if err := read.Select("id", "name").Where("id IN ?", customerIDs).Find(&customers).Error; err != nil {
		return nil, storeError("load customers of claimed emails", err)
	}
	merchantByID := indexByID(merchants, func(m *Merchant) string { return m.ID })
	customerByID := indexByID(customers, func(c *Customer) string { return c.ID })
	claimed := make([]ClaimedEmail, 0, len(rows))
	for _, e := range rows {
		m, c := merchantByID[e.MerchantID], customerByID[e.CustomerID]
		if m == nil || c == nil {
			continue // deleted since the claim, with its mail
		}
		ce := ClaimedEmail{
			Email:        e,
			Sender:       MailSender{Name: m.Name, LogoURL: m.LogoURL, AccentColor: m.AccentColor, SupportEmail: m.SupportEmail},
			CustomerName: c.Name,
		}
		if e.Kind.CarriesLink() {
			if s.dataKeys == nil {
				return nil, storeError("open claimed email", ErrNoDataKeys)
			}
			// A token sealed with a key that is gone stays empty: the sender fails the
			// message for good (ErrLinkTokenUnreadable), and the job says why.
			if token, err := s.dataKeys.Open(e.LinkToken, emailSealContext(e.ID)); err == nil {
				ce.Token = string(token)
			}
		}
		claimed = append(claimed, ce)
	}
	return claimed, nil
}

// ErrLinkTokenUnreadable means a message's link was sealed with a data key that is no
// longer configured: it cannot be sent.
var ErrLinkTokenUnreadable = errors.New("the link's token was sealed with a data key that is no longer configured")

// RecordEmailAttempt records how an attempt at a claimed message went, and updates e to
// match: sent, retried later, or failed for good. permanent says the server refused the
// message in a way no retry can change (an unknown mailbox): it fails at once. A finished
// message drops its link.
func (s *Store) RecordEmailAttempt(ctx context.Context, e *ClaimedEmail, result AttemptResult, permanent bool) error {
	if permanent && result.Err != nil {
		e.GiveUpAt = s.Now() // the retry window closes: no later attempt can do better
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := s.finishAttempt(tx, "emails", e.ID, &e.JobState, result, nil); err != nil {
			return err
		}
		if e.State == JobPending || e.LinkToken == nil {
			return nil
		}
		e.LinkToken = nil
		return tx.Model(&Email{}).Where("id = ?", e.ID).Update("link_token", nil).Error
	})
	return storeError("record email attempt", err)
}

// EmailFilter narrows a list of messages; the zero value lists them all.
type EmailFilter struct {
	State JobStatus // empty: any
}

// ListEmails returns one page of the messages sent (or being sent) to the customer sc
// names, newest first.
func (s *Store) ListEmails(ctx context.Context, sc Scope, filter EmailFilter, page Page) ([]Email, PageInfo, error) {
	id, err := sc.customer(s.read(ctx))
	if err != nil {
		return nil, PageInfo{}, storeError("list emails", err)
	}
	q := s.scoped(ctx, sc.Customer(id)).Omit("link_token")
	if filter.State != "" {
		q = q.Where("state = ?", filter.State)
	}
	rows, info, err := listPage[Email](q, page, "created_at DESC, id DESC")
	return rows, info, storeError("list emails", err)
}

// OldestPendingEmail returns when the oldest message still waiting to be sent was queued;
// ok is false when none is.
func (s *Store) OldestPendingEmail(ctx context.Context) (oldest time.Time, ok bool, err error) {
	var times []time.Time
	err = s.read(ctx).Model(&Email{}).Where("state = ?", JobPending).
		Order("created_at").Limit(1).Pluck("created_at", &times).Error
	if err != nil || len(times) == 0 {
		return time.Time{}, false, storeError("oldest pending email", err)
	}
	return times[0].UTC(), true, nil
}

// mailLocale is the language of a message: the first of the candidates the portal speaks
// (most specific first, the merchant's default last), else the portal's first language.
func mailLocale(candidates ...string) string {
	for _, c := range candidates {
		if IsLocale(c) {
			return c
		}
	}
	return Locales[0]
}

// MaskEmail shows enough of an address for its owner to recognise it and little for anyone
// else: "zoe@example.com" → "z•••@e•••.com", keeping the public suffix ("e•••.co.uk").
// Pages that answer a request for mail and every log line show addresses this way.
func MaskEmail(address string) string {
	local, domain, ok := strings.Cut(address, "@")
	if !ok || local == "" || domain == "" {
		return "•••"
	}
	domain = strings.ToLower(domain)
	suffix, _ := publicsuffix.PublicSuffix(domain)
	name := strings.TrimSuffix(strings.TrimSuffix(domain, suffix), ".")
	if name == "" { // the domain is a suffix itself
		name, suffix = domain, ""
	}
	masked := firstRune(local) + "•••@" + firstRune(name) + "•••"
	if suffix != "" {
		masked += "." + suffix
	}
	return masked
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// sameAddress compares email addresses as mail systems do in practice: case-insensitively.
func sameAddress(a, b string) bool { return a != "" && strings.EqualFold(a, b) }
