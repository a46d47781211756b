package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// contract is the OpenAPI document the app serves, with a router to find each response's
// operation in it.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	contractsMu sync.Mutex
	contracts   = map[string]*contract{}
)

// contract loads the document from the app's own /v1/openapi.json.
func (a *app) contract(t testing.TB) *contract {
	t.Helper()
	contractsMu.Lock()
	defer contractsMu.Unlock()
	if c, ok := contracts[a.URL]; ok {
		return c
	}
	res := a.get(t, "/v1/openapi.json")
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/v1/openapi.json: %d", res.StatusCode)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: a.URL + "/v1"}}
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	c := &contract{doc: doc, router: router}
	contracts[a.URL] = c
	return c
}

// check fails the test unless the document describes the response: its route and method,
// its status, and its body.
func (c *contract) check(t testing.TB, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		},
		Status:  res.StatusCode,
		Header:  res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d does not match the OpenAPI document: %v\n%s", req.Method, req.URL.Path, res.StatusCode, err, body)
	}
}

// apiClient calls the API with one key and checks every response against the contract.
type apiClient struct {
	app *app
	key string
}

func (a *app) api(key string) *apiClient { return &apiClient{app: a, key: key} }

// apiResponse is a response with its decoded JSON body.
type apiResponse struct {
	*http.Response
	body []byte
	json map[string]any
}

// errorCode is the error's code, or "" when the response is not an error.
func (r apiResponse) errorCode() string {
	e, _ := r.json["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (r apiResponse) errorParam() string {
	e, _ := r.json["error"].(map[string]any)
	param, _ := e["param"].(string)
	return param
}

func (r apiResponse) str(field string) string { s, _ := r.json[field].(string); return s }

// call sends body (a string is sent as is, anything else as JSON) with header pairs.
func (c *apiClient) call(t testing.TB, method, path string, body any, header ...string) apiResponse {
	t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.app.URL+path, reader)
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := apiResponse{Response: res, body: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.json); err != nil {
			t.Errorf("%s %s: body is not a JSON object: %s", method, path, raw)
		}
	}
	c.app.contract(t).check(t, req, res, raw)
	if res.StatusCode >= 500 {
		t.Errorf("%s %s: %d — a client's request must never cause a 5xx\n%s", method, path, res.StatusCode, raw)
	}
	return r
}

// expect fails the test unless the response has status want.
func (r apiResponse) expect(t testing.TB, want int) apiResponse {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, r.body)
	}
	return r
}

// merchantWithKey makes a merchant and an API key for it.
func merchantWithKey(t testing.TB, s *models.Store, name string) (*models.Merchant, string) {
	t.Helper()
	ctx := context.Background()
	m, err := s.CreateMerchant(ctx, name, fmt.Sprintf("%s-%d", models.Slugify(name), fixtureMerchants.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := s.CreateAPIKey(ctx, m.ID, "tests")
	if err != nil {
		t.Fatal(err)
	}
	return m, secret
}

func TestAPIAuthentication(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		a := newApp(t, db)
		m, secret := merchantWithKey(t, a.store, "Acme")
		_, revoked, err := a.store.CreateAPIKey(t.Context(), m.ID, "old")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.store.RevokeAPIKey(t.Context(), revoked[:11]); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, header, code string
		}{
			{"no key", "", "api_key_missing"},
			{"malformed header", "Basic " + secret, "authorization_malformed"},
			{"bearer without key", "Bearer ", "authorization_malformed"},
			{"wrong key", "Bearer sk_" + strings.Repeat("x", 43), "api_key_invalid"},
			{"revoked key", "Bearer " + revoked, "api_key_invalid"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := a.api("").call(t, http.MethodGet, "/v1/customers", nil, "Authorization", tc.header)
				r.expect(t, http.StatusUnauthorized)
				if r.errorCode() != tc.code || r.Header.Get("WWW-Authenticate") != `Bearer realm="portico"` {
					t.Errorf("code %q, WWW-Authenticate %q", r.errorCode(), r.Header.Get("WWW-Authenticate"))
				}
			})
		}
		// last_used_at is written on first use, then at most once a minute, not per request.
		lastUsed := func() *time.Time {
			key, err := a.store.AuthenticateAPIKey(t.Context(), secret)
			if err != nil {
				t.Fatal(err)
			}
			return key.LastUsedAt
		}
		a.api(secret).call(t, http.MethodGet, "/v1/customers", nil).expect(t, http.StatusOK)
		first := lastUsed()
		a.api(secret).call(t, http.MethodGet, "/v1/customers", nil).expect(t, http.StatusOK)
		if first == nil || !lastUsed().Equal(*first) {
			t.Errorf("last_used_at: %v after the first request, %v after the second", first, lastUsed())
		}

		// The contract itself needs no key.
		if res := a.get(t, "/v1/openapi.json"); res.StatusCode != http.StatusOK {
			t.Errorf("/v1/openapi.json: %d", res.StatusCode)
		}
	})
}

func TestAPIRejectsBadBodies(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		a := newApp(t, db)
		_, secret := merchantWithKey(t, a.store, "Acme")
		api := a.api(secret)
		for _, tc := range []struct {
			name   string
			body   string
			header []string
			status int
			code   string
			param  string
		}{
			{"malformed JSON", `{"name":`, nil, 400, "body_malformed", ""},
			{"unknown field", `{"name":"Zoë","nickname":"Z"}`, nil, 400, "parameter_unknown", "nickname"},
			{"wrong type", `{"name":42}`, nil, 400, "parameter_type_invalid", "name"},
			{"trailing data", `{"name":"Zoë"} {}`, nil, 400, "body_malformed", ""},
			{"not JSON", `name=Zoë`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", ""},
			{"too large", `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "body_too_large", ""},
			{"invalid email", `{"name":"Zoë","email":"zoe@"}`, nil, 422, "parameter_invalid", "email"},
			{"missing name", `{"email":"zoe@example.com"}`, nil, 422, "parameter_invalid", "name"},
			{"bad country", `{"name":"Zoë","address":{"country":"XX"}}`, nil, 422, "parameter_invalid", "address.country"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := api.call(t, http.MethodPost, "/v1/customers", tc.body, tc.header...)
				r.expect(t, tc.status)
				if r.errorCode() != tc.code || r.errorParam() != tc.param {
					t.Errorf("error code %q param %q, want %q %q", r.errorCode(), r.errorParam(), tc.code, tc.param)
				}
			})
		}
		if got := api.call(t, http.MethodGet, "/v1/customers", nil).json["total"]; got != float64(0) {
			t.Errorf("bad bodies created customers: total = %v", got)
		}
		for _, q := range []string{"page=0", "per_page=101", "page=abc"} {
			api.call(t, http.MethodGet, "/v1/customers?"+q, nil).expect(t, http.StatusBadRequest)
		}
	})
}

func TestAPIRateLimitPerKey(t *testing.T) {
	db := testdb.SQLite(t)
	a := newAppWith(t, db, func(o *handlers.Options) { o.APIRate, o.APIBurst = 1, 2 })
	_, first := merchantWithKey(t, a.store, "Acme")
	_, second := merchantWithKey(t, a.store, "Other")
	a.contract(t) // loaded before the clock starts: under -race it takes longer than a token's refill
	for range 2 {
		a.api(first).call(t, http.MethodGet, "/v1/customers", nil).expect(t, http.StatusOK)
	}
	r := a.api(first).call(t, http.MethodGet, "/v1/customers", nil).expect(t, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" || r.errorCode() != "rate_limited" {
		t.Errorf("429 without Retry-After or code: %q %q", r.Header.Get("Retry-After"), r.errorCode())
	}
	a.api(second).call(t, http.MethodGet, "/v1/customers", nil).expect(t, http.StatusOK)
}
