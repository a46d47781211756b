package models

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"gorm.io/gorm"
)

// APIKey lets a merchant's back office call the API. Only the SHA-256 of the secret is kept.
type APIKey struct {
	ID         string `gorm:"primaryKey"`
	MerchantID string
	Name       string
	Prefix     string // the start of the secret, shown to humans to tell keys apart
	SecretHash []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

const (
	apiKeyScheme    = "sk_"
	apiKeyPrefixLen = len(apiKeyScheme) + 8
	// lastUsedEvery bounds how often authenticating writes last_used_at: once a minute per
	// key instead of once per request.
	lastUsedEvery = time.Minute
)

// CreateAPIKey mints a key for a merchant and returns it with its secret, which is shown
// once and never stored.
func (s *Store) CreateAPIKey(ctx context.Context, merchantID, name string) (*APIKey, string, error) {
	var v validator
	v.text("name", name, 100, false)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	secret := apiKeyScheme + newSecret()
	key := &APIKey{
		ID:         newID("key"),
		MerchantID: merchantID,
		Name:       name,
		Prefix:     secret[:apiKeyPrefixLen],
		SecretHash: hashSecret(secret),
		CreatedAt:  s.Now(),
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(key).Error; err != nil {
			return err
		}
		if err := s.record(tx, merchantID, "", SystemActor, "api_key.created", map[string]string{"key": key.Prefix, "name": name}); err != nil {
			return err
		}
		return s.announce(tx, merchantID, "api_key.created", key.Resource())
	})
	if err != nil {
		return nil, "", storeError("create api key", err)
	}
	return key, secret, nil
}

// AuthenticateAPIKey finds the live key a secret belongs to. It is one of the few methods
// without a merchant argument: it is how a request learns its merchant. A key found live
// is cached for up to a second, as every API request authenticates and a back office sends
// many with one key: a revocation forgets it at once on the instance that made it, and
// takes that long to reach another instance of Portico.
func (s *Store) AuthenticateAPIKey(ctx context.Context, secret string) (*APIKey, error) {
	if !strings.HasPrefix(secret, apiKeyScheme) || len(secret) > 128 {
		return nil, ErrNotFound
	}
	hash, now := hashSecret(secret), s.Now()
	if key, ok := s.keys.get(string(hash), now); ok {
		return &key, nil
	}
	gen := s.keys.begin()
	var key APIKey
	err := s.read(ctx).Where("secret_hash = ? AND revoked_at IS NULL", hash).Take(&key).Error
	if err != nil {
		return nil, storeError("authenticate api key", err)
	}
	// The lookup was by hash; compare again in constant time so a (theoretical) index
	// collision cannot authenticate.
	if subtle.ConstantTimeCompare(key.SecretHash, hash) != 1 {
		return nil, ErrNotFound
	}
	s.keys.put(gen, now, string(hash), key)
	return &key, nil
}

// TouchAPIKey records that a key was used, at most once a minute.
func (s *Store) TouchAPIKey(ctx context.Context, merchantID string, key *APIKey) error {
	t := s.Now()
	if key.LastUsedAt != nil && t.Sub(*key.LastUsedAt) < lastUsedEvery {
		return nil
	}
	err := s.db.write.WithContext(ctx).Model(&APIKey{}).
		Where("merchant_id = ? AND id = ? AND (last_used_at IS NULL OR last_used_at < ?)", merchantID, key.ID, t.Add(-lastUsedEvery)).
		Update("last_used_at", t).Error
	if err != nil {
		return storeError("touch api key", err)
	}
	key.LastUsedAt = &t
	s.keys.update(string(key.SecretHash), func(k *APIKey) { k.LastUsedAt = &t })
	return nil
}

// RevokeAPIKey revokes the key with this prefix; requests with it fail from now on. The
// prefix is unique across merchants, so the command line needs nothing else.
func (s *Store) RevokeAPIKey(ctx context.Context, prefix string) (*APIKey, error) {
	var key APIKey
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("prefix = ?", prefix).Take(&key).Error; err != nil {
			return err
		}
		if key.RevokedAt != nil {
			return nil
		}
		t := s.Now()
		key.RevokedAt = &t
		if err := tx.Model(&key).Update("revoked_at", t).Error; err != nil {
			return err
		}
		if err := s.record(tx, key.MerchantID, "", SystemActor, "api_key.revoked", map[string]string{"key": key.Prefix}); err != nil {
			return err
		}
		return s.announce(tx, key.MerchantID, "api_key.revoked", key.Resource())
	})
	if err != nil {
		return nil, storeError("revoke api key", err)
	}
	s.keys.forgetKey(string(key.SecretHash))
	return &key, nil
}
