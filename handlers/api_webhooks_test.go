package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

func TestWebhookEndpointsAPI(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		a := newApp(t, db)
		_, key := merchantWithKey(t, a.store, "Acme")
		_, otherKey := merchantWithKey(t, a.store, "Other")
		api, other := a.api(key), a.api(otherKey)

		created := api.call(t, http.MethodPost, "/v1/webhook_endpoints", map[string]any{"url": "https://hooks.acme.example/portico"}).expect(t, http.StatusCreated)
		id, secret := created.str("id"), created.str("secret")
		if !strings.HasPrefix(secret, "whsec_") || created.json["enabled"] != true || created.json["disabled_reason"] != nil {
			t.Fatalf("created: %s", created.body)
		}
		got := api.call(t, http.MethodGet, "/v1/webhook_endpoints/"+id, nil).expect(t, http.StatusOK)
		if _, shown := got.json["secret"]; shown {
			t.Error("the secret is shown again")
		}

		for _, tc := range []struct{ url, message string }{
			{"http://hooks.acme.example/portico", "must be an https URL"},
			{"https://127.0.0.1:8080/hooks", "must point at the public internet"},
			{"https://[::ffff:169.254.169.254]/", "must point at the public internet"},
			{"https://localhost/hooks", "must point at the public internet"},
		} {
			r := api.call(t, http.MethodPost, "/v1/webhook_endpoints", map[string]any{"url": tc.url}).expect(t, http.StatusUnprocessableEntity)
			if r.errorParam() != "url" || !strings.Contains(string(r.body), tc.message) {
				t.Errorf("%s: %s", tc.url, r.body)
			}
		}
		api.call(t, http.MethodPost, "/v1/webhook_endpoints", map[string]any{"url": "https://a.example", "enabled": false}).expect(t, http.StatusBadRequest)

		off := api.call(t, http.MethodPatch, "/v1/webhook_endpoints/"+id, map[string]any{"enabled": false}).expect(t, http.StatusOK)
		if off.json["enabled"] != false {
			t.Errorf("disabled: %s", off.body)
		}
		moved := api.call(t, http.MethodPatch, "/v1/webhook_endpoints/"+id, map[string]any{"url": "https://new.acme.example/hooks", "enabled": true}).expect(t, http.StatusOK)
		if moved.json["enabled"] != true || moved.str("url") != "https://new.acme.example/hooks" {
			t.Errorf("moved and enabled: %s", moved.body)
		}
		api.call(t, http.MethodPatch, "/v1/webhook_endpoints/"+id, map[string]any{"url": "https://10.0.0.1/"}).expect(t, http.StatusUnprocessableEntity)

		rotated := api.call(t, http.MethodPost, "/v1/webhook_endpoints/"+id+"/rotate_secret", nil).expect(t, http.StatusOK)
		if s := rotated.str("secret"); s == secret || !strings.HasPrefix(s, "whsec_") || rotated.json["previous_secret_expires_at"] == nil {
			t.Errorf("rotated: %s", rotated.body)
		}

		// Another merchant's key sees nothing of it.
		for _, call := range []struct{ method, path string }{
			{http.MethodGet, "/v1/webhook_endpoints/" + id},
			{http.MethodPatch, "/v1/webhook_endpoints/" + id},
			{http.MethodPost, "/v1/webhook_endpoints/" + id + "/rotate_secret"},
			{http.MethodGet, "/v1/webhook_endpoints/" + id + "/deliveries"},
			{http.MethodDelete, "/v1/webhook_endpoints/" + id},
		} {
			var body any
			if call.method == http.MethodPatch {
				body = map[string]any{"enabled": false}
			}
			other.call(t, call.method, call.path, body).expect(t, http.StatusNotFound)
		}

		// At most 16 per merchant.
		for range models.MaxWebhookEndpoints - 1 {
			api.call(t, http.MethodPost, "/v1/webhook_endpoints", map[string]any{"url": "https://hooks.acme.example/more"}).expect(t, http.StatusCreated)
		}
		full := api.call(t, http.MethodPost, "/v1/webhook_endpoints", map[string]any{"url": "https://hooks.acme.example/one-too-many"}).expect(t, http.StatusUnprocessableEntity)
		if !strings.Contains(string(full.body), "at most 16") {
			t.Errorf("the 17th endpoint: %s", full.body)
		}
		api.call(t, http.MethodDelete, "/v1/webhook_endpoints/"+id, nil).expect(t, http.StatusNoContent)
		api.call(t, http.MethodGet, "/v1/webhook_endpoints/"+id, nil).expect(t, http.StatusNotFound)
	})
}

func TestWebhookDeliveriesAPI(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		a := newApp(t, db)
		m, key := merchantWithKey(t, a.store, "Acme")
		_, otherKey := merchantWithKey(t, a.store, "Other")
		api := a.api(key)
		ctx := context.Background()
		customer := api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Zoë"}).expect(t, http.StatusCreated).str("id")
		id := api.call(t, http.MethodPost, "/v1/webhook_endpoints", map[string]any{"url": "https://hooks.acme.example/portico"}).expect(t, http.StatusCreated).str("id")
		// The endpoint hears of its own registration first; it takes that.
		registered, err := a.store.ClaimWebhookDeliveries(ctx, 1)
		if err != nil || len(registered) != 1 || registered[0].Event.Type != "webhook_endpoint.created" {
			t.Fatalf("claim the registration: %v %v", registered, err)
		}
		if _, err := a.store.RecordWebhookAttempt(ctx, &registered[0], models.AttemptResult{StatusCode: 200}); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			a.clock.advance(time.Second)
			api.call(t, http.MethodPatch, "/v1/customers/"+customer, map[string]any{"phone": fmt.Sprintf("+31 20 123 000%d", i)}).expect(t, http.StatusOK)
		}

		// The worker tries the oldest one; the endpoint answers 503.
		claimed, err := a.store.ClaimWebhookDeliveries(ctx, 1)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		if _, err := a.store.RecordWebhookAttempt(ctx, &claimed[0], models.AttemptResult{StatusCode: 503, Err: errors.New("answered 503 Service Unavailable")}); err != nil {
			t.Fatal(err)
		}

		page := api.call(t, http.MethodGet, "/v1/webhook_endpoints/"+id+"/deliveries?per_page=2", nil).expect(t, http.StatusOK)
		data, _ := page.json["data"].([]any)
		if len(data) != 2 || page.json["total"] != float64(4) || page.json["has_more"] != true {
			t.Fatalf("first page: %s", page.body)
		}
		newest := data[0].(map[string]any)
		if newest["state"] != "pending" || newest["attempts"] != float64(0) || newest["event_type"] != "customer.updated" || newest["last_status_code"] != nil {
			t.Errorf("newest delivery: %v", newest)
		}
		last := api.call(t, http.MethodGet, "/v1/webhook_endpoints/"+id+"/deliveries?per_page=2&page=2", nil).expect(t, http.StatusOK)
		oldest := last.json["data"].([]any)[0].(map[string]any)
		if oldest["id"] != claimed[0].ID || oldest["attempts"] != float64(1) || oldest["last_status_code"] != float64(503) ||
			oldest["last_error"] != "answered 503 Service Unavailable" || oldest["next_attempt_at"] == nil {
			t.Errorf("the tried delivery: %v", oldest)
		}
		if r := api.call(t, http.MethodGet, "/v1/webhook_endpoints/"+id+"/deliveries?state=pending", nil).expect(t, http.StatusOK); r.json["total"] != float64(3) {
			t.Errorf("pending: %s", r.body)
		}
		if r := api.call(t, http.MethodGet, "/v1/webhook_endpoints/"+id+"/deliveries?state=failed", nil).expect(t, http.StatusOK); r.json["total"] != float64(0) {
			t.Errorf("failed: %s", r.body)
		}
		if r := api.call(t, http.MethodGet, "/v1/webhook_endpoints/"+id+"/deliveries?state=lost", nil).expect(t, http.StatusBadRequest); r.errorParam() != "state" {
			t.Errorf("unknown state: %s", r.body)
		}

		// A retry makes it due at once; another merchant cannot retry it.
		retried := api.call(t, http.MethodPost, "/v1/webhook_deliveries/"+claimed[0].ID+"/retry", nil).expect(t, http.StatusAccepted)
		if retried.str("state") != "pending" || retried.str("next_attempt_at") == "" {
			t.Errorf("retried: %s", retried.body)
		}
		a.api(otherKey).call(t, http.MethodPost, "/v1/webhook_deliveries/"+claimed[0].ID+"/retry", nil).expect(t, http.StatusNotFound)
		api.call(t, http.MethodPost, "/v1/webhook_deliveries/whd_nope/retry", nil).expect(t, http.StatusNotFound)
		// In flight, it cannot be retried. (The endpoint is failing, so one goes out at a
		// time: the two older ones first.)
		for range 3 {
			inFlight, err := a.store.ClaimWebhookDeliveries(ctx, 1)
			if err != nil || len(inFlight) != 1 {
				t.Fatalf("claim: %v %v", inFlight, err)
			}
			if inFlight[0].ID == claimed[0].ID {
				break
			}
			if _, err := a.store.RecordWebhookAttempt(ctx, &inFlight[0], models.AttemptResult{StatusCode: 200}); err != nil {
				t.Fatal(err)
			}
		}
		api.call(t, http.MethodPost, "/v1/webhook_deliveries/"+claimed[0].ID+"/retry", nil).expect(t, http.StatusConflict)
		events, _, err := a.store.ListAuditEvents(ctx, m.ID, models.AuditFilter{Action: "webhook_delivery.retried"}, models.Page{})
		if err != nil || len(events) != 1 {
			t.Errorf("audit of the retry: %d %v", len(events), err)
		}
	})
}
