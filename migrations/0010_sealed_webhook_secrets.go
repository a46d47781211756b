package migrations

import (
	"errors"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// sealedWebhookSecrets encrypts webhook endpoints' signing secrets at rest: they must sign,
// so they cannot be hashes, and until now a copy of the database was enough to forge a
// delivery. Each secret (and the previous one, still signing after a rotation) is sealed with
// the data keys, bound to its endpoint, and the clear columns are dropped. Events also learn
// which API version their data was written in: every event so far was version 1.
var sealedWebhookSecrets = &gormigrate.Migration{
	ID: "0010_sealed_webhook_secrets",
	Migrate: func(tx *gorm.DB) error {
		type webhookEndpoint struct {
			ID                   string
			Secret               string
			PreviousSecret       string
			SecretSealed         []byte
			PreviousSecretSealed []byte
		}
		type outboxEvent struct {
			APIVersion string `gorm:"not null;default:'1'"`
		}
		m := tx.Migrator()
		if err := m.AddColumn(&outboxEvent{}, "APIVersion"); err != nil {
			return err
		}
		for _, column := range []string{"SecretSealed", "PreviousSecretSealed"} {
			if err := m.AddColumn(&webhookEndpoint{}, column); err != nil {
				return err
			}
		}
		var endpoints []webhookEndpoint
		if err := tx.Select("id", "secret", "previous_secret").Find(&endpoints).Error; err != nil {
			return err
		}
		keys := sealerOf(tx)
		if len(endpoints) > 0 && keys == nil {
			return errors.New("0010: webhook endpoints' signing secrets must be encrypted: run with data keys (PORTICO_DATA_KEYS)")
		}
		for _, w := range endpoints {
			// The context is the one models.Store opens them with.
			context := []byte("webhook_endpoints\x00" + w.ID)
			sealed := map[string]any{"secret_sealed": keys.Seal([]byte(w.Secret), context), "previous_secret_sealed": nil}
			if w.PreviousSecret != "" {
				sealed["previous_secret_sealed"] = keys.Seal([]byte(w.PreviousSecret), context)
			}
			if err := tx.Model(&webhookEndpoint{}).Where("id = ?", w.ID).Updates(sealed).Error; err != nil {
				return err
			}
		}
		// ALTER TABLE rather than the SQLite migrator's copy-and-drop, which would cascade
		// to the deliveries that reference endpoints.
		for _, column := range []string{"secret", "previous_secret"} {
			if err := tx.Exec("ALTER TABLE webhook_endpoints DROP COLUMN " + column).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
