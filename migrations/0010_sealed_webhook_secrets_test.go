package migrations_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/migrations"
	"github.com/portico/portico/models"
)

// TestSealedWebhookSecretsSealsExistingOnes writes endpoints as the schema before 0010 held
// them, their signing secrets in the clear, then migrates: the clear columns are gone, and a
// Store with the same data keys signs with the very secrets the receivers have. Without data
// keys the step refuses, and leaves the schema as it was.
func TestSealedWebhookSecretsSealsExistingOnes(t *testing.T) {
	keys, err := models.NewDataKeys([][]byte{bytes.Repeat([]byte{4}, models.DataKeySize)})
	if err != nil {
		t.Fatal(err)
	}
	beforeStep(t, "0010_sealed_webhook_secrets", func(o olderSchema) {
		t, db, w, insert := o.t, o.db, o.w, o.insert
		now := time.Now().UTC()
		insert("merchants", map[string]any{"id": "mer_1", "slug": "acme", "name": "Acme", "default_locale": "en",
			"cancellation_mode": "period_end", "editable_fields": "", "created_at": now, "updated_at": now})
		endpoint := func(id, secret, previous string) {
			insert("webhook_endpoints", map[string]any{"id": id, "merchant_id": "mer_1", "url": "https://hooks.acme.example/" + id,
				"secret": secret, "previous_secret": previous, "previous_secret_expires_at": now.Add(time.Hour), "enabled": true,
				"created_at": now, "updated_at": now})
		}
		endpoint("we_01jd4x5q9r0000000000000001", "whsec_new", "whsec_old")
		endpoint("we_01jd4x5q9r0000000000000002", "whsec_only", "")
		insert("outbox_events", map[string]any{"id": "whe_1", "merchant_id": "mer_1", "type": "customer.updated", "payload": "{}", "created_at": now})

		err := migrations.Up(w)
		if err == nil || !strings.Contains(err.Error(), "PORTICO_DATA_KEYS") {
			t.Fatalf("without data keys: %v, want a refusal naming PORTICO_DATA_KEYS", err)
		}
		if !w.Migrator().HasColumn("webhook_endpoints", "secret") || w.Migrator().HasColumn("webhook_endpoints", "secret_sealed") {
			t.Fatal("the refused step changed the schema")
		}

		if err := migrations.Up(w, migrations.SealWith(keys)); err != nil {
			t.Fatal(err)
		}
		for _, column := range []string{"secret", "previous_secret"} {
			if w.Migrator().HasColumn("webhook_endpoints", column) {
				t.Errorf("webhook_endpoints.%s, in the clear, is still there", column)
			}
		}
		var sealed [][]byte
		if err := w.Table("webhook_endpoints").Pluck("secret_sealed", &sealed).Error; err != nil {
			t.Fatal(err)
		}
		for _, s := range sealed {
			if bytes.Contains(s, []byte("whsec_")) {
				t.Errorf("a sealed secret shows the secret: %q", s)
			}
		}
		store := models.NewStore(db, models.WithDataKeys(keys))
		for id, want := range map[string][]string{"we_01jd4x5q9r0000000000000001": {"whsec_new", "whsec_old"}, "we_01jd4x5q9r0000000000000002": {"whsec_only"}} {
			w, err := store.GetWebhookEndpoint(context.Background(), "mer_1", id)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := store.SigningSecrets(w, now); err != nil || !slices.Equal(got, want) {
				t.Errorf("%s signs with %v (%v), want %v", id, got, err, want)
			}
		}
		var version string
		if err := w.Table("outbox_events").Select("api_version").Where("id = ?", "whe_1").Scan(&version).Error; err != nil || version != "1" {
			t.Errorf("an event from before: api_version %q (%v), want 1", version, err)
		}
	})
}
