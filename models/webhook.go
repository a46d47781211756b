package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"code.dny.dev/ssrf"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// WebhookEndpoint is a merchant URL that receives the merchant's events.
type WebhookEndpoint struct {
	ID         string `gorm:"primaryKey"`
	MerchantID string
	URL        string `gorm:"column:url"`
	// SecretSealed is the signing secret, sealed with the data keys: it must sign, so it
	// cannot be a hash, and a copy of the database alone does not let anyone forge a
	// delivery. Store.SigningSecrets opens it.
	SecretSealed []byte
	// PreviousSecretSealed still signs, beside the current secret, until
	// PreviousSecretExpiresAt: receivers that have not switched to a rotated secret yet keep
	// verifying.
	PreviousSecretSealed    []byte
	PreviousSecretExpiresAt *time.Time
	Enabled                 bool
	// DisabledReason is DisabledFailing when Portico turned the endpoint off; empty when
	// the merchant did, or it is enabled.
	DisabledReason string
	// FailingSince is the first failed attempt since the endpoint last took a delivery.
	FailingSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Secret is the signing secret in the clear, set only by the calls that make one
	// (CreateWebhookEndpoint, RotateWebhookSecret) so that it can be shown once. It is
	// never stored.
	Secret string `gorm:"-"`
}

// Webhook limits and timings.
const (
	// MaxWebhookEndpoints is how many endpoints one merchant may have.
	MaxWebhookEndpoints = 16
	// SecretRotationOverlap is how long a rotated-out secret keeps signing.
	SecretRotationOverlap = 24 * time.Hour
	// DisableFailingEndpointAfter is how long an endpoint may fail without a single
	// success before Portico disables it.
	DisableFailingEndpointAfter = 72 * time.Hour
	// DisabledFailing is the DisabledReason of an endpoint Portico turned off.
	DisabledFailing = "failing"
	// webhookURLMaxLen bounds an endpoint URL.
	webhookURLMaxLen = 2048
)

// ErrWebhookSecretUnreadable means an endpoint's signing secret cannot be opened with the
// configured data keys: it was sealed with a key that is no longer configured (or altered).
// Its deliveries fail, and say so, until the key is configured again or the secret rotated.
var ErrWebhookSecretUnreadable = errors.New("the signing secret was encrypted with a data key that is not configured (PORTICO_DATA_KEYS): " +
	"configure that key again, or rotate the endpoint's secret")

// errNoDataKeys refuses to store or use a secret without data keys to seal it with.
var errNoDataKeys = errors.New("no data keys configured (models.WithDataKeys)")

// webhookSecretContext binds a sealed signing secret to its endpoint: copied to another
// endpoint's row, it does not open.
func webhookSecretContext(endpointID string) []byte {
	return []byte("webhook_endpoints\x00" + endpointID)
}

// sealWebhookSecret seals an endpoint's signing secret for storage.
func (s *Store) sealWebhookSecret(endpointID, secret string) ([]byte, error) {
	if s.dataKeys == nil {
		return nil, errNoDataKeys
	}
	return s.dataKeys.Seal([]byte(secret), webhookSecretContext(endpointID)), nil
}

// openWebhookSecret opens a signing secret sealWebhookSecret sealed.
func (s *Store) openWebhookSecret(endpointID string, sealed []byte) (string, error) {
	if s.dataKeys == nil {
		return "", errNoDataKeys
	}
	secret, err := s.dataKeys.Open(sealed, webhookSecretContext(endpointID))
	if err != nil {
		return "", ErrWebhookSecretUnreadable
	}
	return string(secret), nil
}

// SigningSecrets are the secrets that sign a delivery to w sent at t: the current one, and
// the previous one while its overlap lasts. A secret the data keys cannot open is
// ErrWebhookSecretUnreadable: a delivery is not sent with a signature missing.
func (s *Store) SigningSecrets(w *WebhookEndpoint, t time.Time) ([]string, error) {
	current, err := s.openWebhookSecret(w.ID, w.SecretSealed)
	if err != nil {
		return nil, err
	}
	secrets := []string{current}
	if len(w.PreviousSecretSealed) > 0 && w.PreviousSecretExpiresAt != nil && t.Before(*w.PreviousSecretExpiresAt) {
		previous, err := s.openWebhookSecret(w.ID, w.PreviousSecretSealed)
		if err != nil {
			return nil, err
		}
		secrets = append(secrets, previous)
	}
	return secrets, nil
}

// ErrNonPublicAddress refuses a webhook address that is not on the public internet.
var ErrNonPublicAddress = errors.New("not a public address")

// publicUnicast admits only public unicast addresses: every IANA special-purpose range
// (loopback, private, shared, link-local, documentation, benchmarking, reserved,
// multicast) is refused, and IPv6 outside 2000::/3 (so IPv4-compatible ::a.b.c.d, NAT64
// 64:ff9b::/96, site-local fec0::/10) or in 6to4 2002::/16 or Teredo 2001::/32. The
// library's lists are generated from IANA's registries; any port is fine.
var publicUnicast = ssrf.New(ssrf.WithAnyPort())

// WebhookPolicy decides where webhooks may go: to public unicast addresses only, unless
// AllowPrivate (a development switch) also admits loopback and private ones.
type WebhookPolicy struct {
	AllowPrivate bool
}

// WithWebhookPolicy sets where the Store lets merchants point webhooks.
func WithWebhookPolicy(p WebhookPolicy) StoreOption {
	return func(s *Store) { s.webhooks = p }
}

// WebhookPolicy is the policy the Store registers endpoints under; the deliverer dials
// under the same one.
func (s *Store) WebhookPolicy() WebhookPolicy { return s.webhooks }

// CheckAddress says whether a webhook may connect to addr. IPv4-mapped IPv6 addresses are
// judged as the IPv4 address they carry.
func (p WebhookPolicy) CheckAddress(addr netip.Addr) error {
	addr = addr.Unmap()
	if p.AllowPrivate && (addr.IsLoopback() || addr.IsPrivate()) {
		return nil
	}
	if err := publicUnicast.SafeAddr(addr); err != nil {
		return fmt.Errorf("%w: %s", ErrNonPublicAddress, addr)
	}
	return nil
}

// checkURL validates an endpoint URL: absolute https (http too under AllowPrivate), no
// credentials, and a host that is a public IP address or a DNS name. Names are checked
// again, resolved, when each delivery dials.
func (p WebhookPolicy) checkURL(v *validator, field, raw string) {
	if raw == "" {
		v.add(field, "required", "is required")
		return
	}
	u, err := url.Parse(raw)
	switch {
	case len(raw) > webhookURLMaxLen || strings.ContainsFunc(raw, func(r rune) bool { return isControl(r) || r == ' ' }),
		err != nil, u.Host == "", u.User != nil, u.Opaque != "":
		v.add(field, "invalid_url", "must be an absolute https URL without credentials")
	case u.Scheme != "https" && !(p.AllowPrivate && u.Scheme == "http"):
		v.add(field, "invalid_url", "must be an https URL")
	default:
		if err := p.checkHost(u.Hostname()); err != nil {
			v.add(field, "non_public_address", "must point at the public internet, not a "+err.Error())
		}
	}
}

func (p WebhookPolicy) checkHost(host string) error {
	if addr, err := netip.ParseAddr(host); err == nil {
		if p.CheckAddress(addr) != nil {
			return errors.New("private, loopback or reserved address")
		}
		return nil
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		if p.AllowPrivate {
			return nil
		}
		return errors.New("loopback name")
	}
	// A last label that starts with a digit is no DNS name but an address in a form some
	// resolvers still read (2130706433, 0x7f.1, 127.1).
	last := name[strings.LastIndexByte(name, '.')+1:]
	if last == "" || last[0] >= '0' && last[0] <= '9' {
		return errors.New("numeric host that is not a valid address")
	}
	return nil
}

// CreateWebhookEndpoint registers a URL for a merchant's events and returns it with its
// signing secret (in Secret: the one time it is in the clear). A merchant has at most
// MaxWebhookEndpoints.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, merchantID string, actor Actor, url string) (*WebhookEndpoint, error) {
	var v validator
	s.webhooks.checkURL(&v, "url", url)
	if err := v.err(); err != nil {
		return nil, err
	}
	now := s.Now()
	w := &WebhookEndpoint{ID: newID("we"), MerchantID: merchantID, URL: url, Secret: newWebhookSecret(), Enabled: true, CreatedAt: now, UpdatedAt: now}
	sealed, err := s.sealWebhookSecret(w.ID, w.Secret)
	if err != nil {
		return nil, storeError("create webhook endpoint", err)
	}
	w.SecretSealed = sealed
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		// The merchant's row lock makes count-then-insert safe against a parallel create.
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Take(&Merchant{}, "id = ?", merchantID).Error; err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&WebhookEndpoint{}).Where("merchant_id = ?", merchantID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxWebhookEndpoints {
			return &ValidationError{Fields: []FieldError{{Field: "url", Code: "too_many_endpoints",
				Message: fmt.Sprintf("cannot be added: a merchant has at most %d webhook endpoints", MaxWebhookEndpoints)}}}
		}
		if err := tx.Create(w).Error; err != nil {
			return err
		}
		if err := s.record(tx, merchantID, "", actor, "webhook_endpoint.created", map[string]string{"webhook_endpoint_id": w.ID, "url": url}); err != nil {
			return err
		}
		return s.announce(tx, merchantID, "webhook_endpoint.created", w.eventResource())
	})
	if err != nil {
		return nil, storeError("create webhook endpoint", err)
	}
	return w, nil
}

func newWebhookSecret() string { return "whsec_" + newSecret() }

// ListWebhookEndpoints returns a merchant's endpoints, oldest first.
func (s *Store) ListWebhookEndpoints(ctx context.Context, merchantID string) ([]WebhookEndpoint, error) {
	var rows []WebhookEndpoint
	err := s.reader(ctx, merchantID).Order("created_at, id").Find(&rows).Error
	return rows, storeError("list webhook endpoints", err)
}

// GetWebhookEndpoint returns one of a merchant's endpoints.
func (s *Store) GetWebhookEndpoint(ctx context.Context, merchantID, id string) (*WebhookEndpoint, error) {
	if !validID("we", id) {
		return nil, ErrNotFound
	}
	var w WebhookEndpoint
	err := s.reader(ctx, merchantID).Take(&w, "id = ?", id).Error
	return &w, storeError("get webhook endpoint", err)
}

// WebhookEndpointInput is a partial update of an endpoint: nil fields stay as they are.
type WebhookEndpointInput struct {
	URL     *string
	Enabled *bool
}

// UpdateWebhookEndpoint changes an endpoint's URL or switches it on or off. Switching it
// on, or pointing it elsewhere, starts its failure streak afresh; deliveries that waited
// while it was off go out again.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, merchantID string, actor Actor, id string, in WebhookEndpointInput) (*WebhookEndpoint, error) {
	if in.URL != nil {
		var v validator
		s.webhooks.checkURL(&v, "url", *in.URL)
		if err := v.err(); err != nil {
			return nil, err
		}
	}
	var w WebhookEndpoint
	err := s.updateWebhookEndpoint(ctx, merchantID, id, &w, func(tx *gorm.DB) (string, error) {
		changes := map[string]any{"updated_at": s.Now()}
		if in.URL != nil && *in.URL != w.URL {
			changes["url"], changes["failing_since"] = *in.URL, nil
		}
		if in.Enabled != nil && *in.Enabled != w.Enabled {
			changes["enabled"], changes["disabled_reason"], changes["failing_since"] = *in.Enabled, "", nil
		}
		if err := tx.Model(&w).Updates(changes).Error; err != nil {
			return "", err
		}
		return "webhook_endpoint.updated", nil
	}, actor)
	if err != nil {
		return nil, storeError("update webhook endpoint", err)
	}
	return &w, nil
}

// RotateWebhookSecret gives an endpoint a new signing secret and returns the endpoint with
// it (in Secret: the one time it is in the clear). The old secret keeps signing, as a second
// signature, for SecretRotationOverlap; both are sealed with the newest data key. An old
// secret no configured key opens cannot sign, so it is dropped: rotating is also how a
// merchant recovers an endpoint whose secret became unreadable.
func (s *Store) RotateWebhookSecret(ctx context.Context, merchantID string, actor Actor, id string) (*WebhookEndpoint, error) {
	var w WebhookEndpoint
	err := s.updateWebhookEndpoint(ctx, merchantID, id, &w, func(tx *gorm.DB) (string, error) {
		now := s.Now()
		secret := newWebhookSecret()
		sealed, err := s.sealWebhookSecret(w.ID, secret)
		if err != nil {
			return "", err
		}
		changes := map[string]any{"secret_sealed": sealed, "previous_secret_sealed": nil, "previous_secret_expires_at": nil, "updated_at": now}
		switch old, err := s.openWebhookSecret(w.ID, w.SecretSealed); {
		case err == nil:
			changes["previous_secret_sealed"] = s.dataKeys.Seal([]byte(old), webhookSecretContext(w.ID))
			changes["previous_secret_expires_at"] = now.Add(SecretRotationOverlap)
		case !errors.Is(err, ErrWebhookSecretUnreadable):
			return "", err
		}
		if err := tx.Model(&w).Updates(changes).Error; err != nil {
			return "", err
		}
		w.Secret = secret
		return "webhook_endpoint.secret_rotated", nil
	}, actor)
	if err != nil {
		return nil, storeError("rotate webhook secret", err)
	}
	return &w, nil
}

// updateWebhookEndpoint loads and locks one endpoint into w, lets change update it, and
// records and announces the action change names.
func (s *Store) updateWebhookEndpoint(ctx context.Context, merchantID, id string, w *WebhookEndpoint, change func(tx *gorm.DB) (string, error), actor Actor) error {
	if !validID("we", id) {
		return ErrNotFound
	}
	return s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(w, "merchant_id = ? AND id = ?", merchantID, id).Error; err != nil {
			return err
		}
		action, err := change(tx)
		if err != nil {
			return err
		}
		if err := s.record(tx, merchantID, "", actor, action, map[string]string{"webhook_endpoint_id": id}); err != nil {
			return err
		}
		return s.announce(tx, merchantID, action, w.eventResource())
	})
}

// DeleteWebhookEndpoint removes an endpoint and its deliveries.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, merchantID string, actor Actor, id string) error {
	if !validID("we", id) {
		return ErrNotFound
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		var w WebhookEndpoint
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&w, "merchant_id = ? AND id = ?", merchantID, id).Error; err != nil {
			return err
		}
		if err := tx.Delete(&w).Error; err != nil {
			return err
		}
		if err := s.record(tx, merchantID, "", actor, "webhook_endpoint.deleted", map[string]string{"webhook_endpoint_id": id}); err != nil {
			return err
		}
		return s.announce(tx, merchantID, "webhook_endpoint.deleted", w.eventResource())
	})
	return storeError("delete webhook endpoint", err)
}

// OutboxEvent is an event written in the same transaction as the change it announces, so
// no change goes unannounced and no announcement describes a change that rolled back. Each
// enabled endpoint of the merchant gets a WebhookDelivery of it.
type OutboxEvent struct {
	ID         string `gorm:"primaryKey"`
	MerchantID string
	Type       string // resource.action: customer.created, invoice.paid …
	// APIVersion is the version of the resource shapes Payload was written in, so an event
	// still waiting when Portico is upgraded says which shape its data has.
	APIVersion string
	Payload    string // JSON: the resource as the API shows it, after the change
	CreatedAt  time.Time
}

// EventEnvelope is the body every delivery of an event POSTs: the event's ID (also the
// Portico-Event-Id header; receivers deduplicate by it), type, the API version its data is
// in, when it happened, and the changed resource in data.
type EventEnvelope struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	APIVersion string          `json:"api_version"`
	CreatedAt  Timestamp       `json:"created_at"`
	Data       json.RawMessage `json:"data"`
}

// Envelope is the body a delivery of e POSTs.
func (e *OutboxEvent) Envelope() ([]byte, error) {
	return json.Marshal(EventEnvelope{ID: e.ID, Type: e.Type, APIVersion: e.APIVersion, CreatedAt: Stamp(e.CreatedAt), Data: json.RawMessage(e.Payload)})
}

// announce queues an event for the merchant's enabled webhook endpoints, in the change's
// transaction: the event, and a pending delivery of it per endpoint. eventType is
// resource.action; resource is the changed row's Resource (for a deletion, as it was),
// the one shape the API shows it in.
func (s *Store) announce(tx *gorm.DB, merchantID, eventType string, resource any) error {
	body, err := json.Marshal(resource)
	if err != nil {
		return err
	}
	now := s.Now()
	event := &OutboxEvent{ID: newID("whe"), MerchantID: merchantID, Type: eventType, APIVersion: APIVersion, Payload: string(body), CreatedAt: now}
	if err := insertOutboxEvent.exec(s.db, tx, event.ID, event.MerchantID, event.Type, event.APIVersion, event.Payload, event.CreatedAt); err != nil {
		return err
	}
	endpoints, err := enabledEndpoints.strings(s.db, tx, merchantID)
	if err != nil {
		return err
	}
	if len(endpoints) == 0 {
		return nil
	}
	deliveries := make([]WebhookDelivery, len(endpoints))
	for i, endpoint := range endpoints {
		deliveries[i] = WebhookDelivery{
			ID: newID("whd"), MerchantID: merchantID, EndpointID: endpoint, EventID: event.ID,
			JobState:  newJobState(now),
			CreatedAt: now, UpdatedAt: now,
		}
	}
	return tx.Create(&deliveries).Error
}

// The statements every announcement runs: its event, and which endpoints get a delivery.
var (
	insertOutboxEvent = newHotStmt("outbox_events",
		`INSERT INTO outbox_events (id, merchant_id, type, api_version, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
	enabledEndpoints = newHotStmt("webhook_endpoints", `SELECT id FROM webhook_endpoints WHERE merchant_id = ? AND enabled ORDER BY id`)
)

// ListOutboxEvents returns one page of a merchant's events, newest first.
func (s *Store) ListOutboxEvents(ctx context.Context, merchantID string, page Page) ([]OutboxEvent, PageInfo, error) {
	rows, info, err := listPage[OutboxEvent](s.reader(ctx, merchantID), page, "created_at DESC, id DESC")
	return rows, info, storeError("list outbox events", err)
}
