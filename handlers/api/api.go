package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
	"golang.org/x/time/rate"
)

// Handler serves the merchant API under /v1: JSON in and out, authenticated by API key.
type Handler struct {
	store        *models.Store
	catalog      *views.Catalog // for invoice PDFs in the customer's language
	baseURL      *url.URL
	authFailures *web.FailureLimiter // per client IP
}

// authFailuresPerMinute is how many bad API keys one client IP may present a minute before
// it is refused without a database lookup.
const authFailuresPerMinute = 20

// New returns the API's handler.
func New(store *models.Store, catalog *views.Catalog, baseURL *url.URL) *Handler {
	return &Handler{store: store, catalog: catalog, baseURL: baseURL, authFailures: web.NewFailureLimiter(authFailuresPerMinute)}
}

type apiKeyKey struct{}

// apiKey is the key a request passed Authenticate with.
func apiKey(c echo.Context) *models.APIKey {
	return c.Request().Context().Value(apiKeyKey{}).(*models.APIKey)
}

// merchantID is the merchant the request's API key belongs to: the only one it may touch.
func merchantID(c echo.Context) string { return apiKey(c).MerchantID }

// apiActor is the request's API key as the audit log names it.
func apiActor(c echo.Context) models.Actor {
	return models.Actor{Type: models.ActorAPIKey, ID: apiKey(c).ID, IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
}

func unauthorized(code, message string) *web.APIError {
	return &web.APIError{Status: http.StatusUnauthorized, Type: web.TypeAuthentication, Code: code, Message: message}
}

// Authenticate admits requests with a live API key in `Authorization: Bearer <key>`, and
// records the key's use at most once a minute. A client IP that keeps presenting bad keys
// is refused with 429 before its next key costs a database lookup.
func (h *Handler) Authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if blocked, wait := h.authFailures.Blocked(c.RealIP()); blocked {
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.999))))
			return echo.ErrTooManyRequests
		}
		header := c.Request().Header.Get(echo.HeaderAuthorization)
		if header == "" {
			return unauthorized("api_key_missing", "No API key: send Authorization: Bearer <key>.")
		}
		scheme, secret, ok := strings.Cut(header, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" || strings.ContainsAny(secret, " \t") {
			return unauthorized("authorization_malformed", "The Authorization header must be: Bearer <key>.")
		}
		key, err := h.store.AuthenticateAPIKey(c.Request().Context(), secret)
		if errors.Is(err, models.ErrNotFound) {
			h.authFailures.Fail(c.RealIP())
			return unauthorized("api_key_invalid", "The API key is unknown or revoked.")
		} else if err != nil {
			return err
		}
		if err := h.store.TouchAPIKey(c.Request().Context(), key.MerchantID, key); err != nil {
			return err
		}
		r := c.Request()
		c.SetRequest(r.WithContext(context.WithValue(r.Context(), apiKeyKey{}, key)))
		return next(c)
	}
}

// RateLimit allows perSecond requests per API key, in bursts of burst.
func RateLimit(perSecond float64, burst int) echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(perSecond), Burst: burst, ExpiresIn: 3 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return apiKey(c).ID, nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(1/perSecond))))
			return echo.ErrTooManyRequests
		},
	})
}

// RequireJSON refuses a request body that is not JSON.
func RequireJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength == 0 || r.Method == http.MethodGet || r.Method == http.MethodDelete {
			return next(c)
		}
		if mediaType, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); err != nil || mediaType != echo.MIMEApplicationJSON {
			return &web.APIError{Status: http.StatusUnsupportedMediaType, Type: web.TypeInvalidRequest, Code: "unsupported_media_type", Message: "The request body must be JSON, sent with Content-Type: application/json."}
		}
		return next(c)
	}
}

// bind decodes a JSON body strictly: unknown fields, wrong types, trailing data and a body
// that is not an object (null included) are 400. An empty body is an empty object.
func bind[T any](c echo.Context) (T, error) {
	var v T
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return v, badJSON(err)
	}
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return v, nil
	case trimmed[0] != '{':
		return v, &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "body_malformed",
			Message: "The request body must be a JSON object."}
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	err = dec.Decode(&v)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("trailing data after the JSON object")
	}
	if err != nil {
		return v, badJSON(err)
	}
	return v, nil
}

// badJSON describes why a body could not be decoded, in terms of the JSON the client sent.
func badJSON(err error) error {
	var (
		apiErr    *web.APIError
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
		httpErr   *echo.HTTPError
		invalid   *models.ValidationError
	)
	bad := &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "body_malformed", Message: "The request body is not valid JSON."}
	switch {
	case errors.As(err, &httpErr):
		return httpErr // the body limit
	case errors.As(err, &apiErr):
		return apiErr // described where it was found (a line of an invoice)
	case errors.As(err, &invalid):
		return invalid // a limit checked while decoding (too many lines)
	case errors.As(err, &typeErr):
		return typeError(typeErr.Field, typeErr.Type, typeErr.Value)
	case errors.As(err, &syntaxErr):
		bad.Message = fmt.Sprintf("The request body is not valid JSON (at byte %d).", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return unknownField(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	case errors.Is(err, io.ErrUnexpectedEOF):
		bad.Message = "The request body is not valid JSON: it ends too early."
	case strings.HasPrefix(err.Error(), "trailing data"):
		bad.Message = "The request body has data after the JSON object."
	}
	return bad
}

// typeError is the 400 of a field whose JSON value has the wrong type; value, when known,
// is what was sent instead.
func typeError(field string, t reflect.Type, value string) *web.APIError {
	message := field + " must be " + jsonKind(t)
	if value != "" {
		message += ", not " + value
	}
	return &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "parameter_type_invalid", Param: field, Message: message + "."}
}

// unknownField is the 400 of a field the API does not take.
func unknownField(field string) *web.APIError {
	return &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "parameter_unknown", Param: field, Message: "Unknown field " + field + "."}
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		return "an RFC 3339 timestamp like 2026-01-31T09:00:00Z"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "an integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Bool:
		return "a boolean"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "an array"
	case t.Kind() == reflect.String:
		return "a string"
	}
	return "an object"
}

// invalidField is the 422 of one field the handler checks before the store can.
func invalidField(field, code, message string) error {
	return &models.ValidationError{Fields: []models.FieldError{{Field: field, Code: code, Message: message}}}
}

// badParam is the 400 of a query or path parameter.
func badParam(name, message string) error {
	return &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "parameter_invalid", Param: name, Message: message}
}

// listQuery reads page and per_page (at most models.MaxPerPage) and refuses any query
// parameter but those and filters: a misspelt filter would otherwise list everything.
func listQuery(c echo.Context, filters ...string) (models.Page, error) {
	var p models.Page
	for name := range c.QueryParams() {
		if name != "page" && name != "per_page" && !slices.Contains(filters, name) {
			allowed := append([]string{"page", "per_page"}, filters...)
			return p, &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "parameter_unknown", Param: name,
				Message: "Unknown query parameter " + name + "; this list takes " + strings.Join(allowed, ", ") + "."}
		}
	}
	for _, q := range []struct {
		name string
		dst  *int
		max  int
	}{{"page", &p.Number, models.MaxPageNumber}, {"per_page", &p.PerPage, models.MaxPerPage}} {
		n, ok := web.PositiveParam(c, q.name, q.max)
		if !ok {
			return p, badParam(q.name, fmt.Sprintf("%s must be a whole number from 1 to %d.", q.name, q.max))
		}
		*q.dst = n
	}
	return p, nil
}

// enumQuery reads a filter that takes one of allowed values; an unknown value is 400, not
// an empty list.
func enumQuery[T ~string](c echo.Context, name string, allowed []T) (T, error) {
	v := T(c.QueryParam(name))
	if v == "" || slices.Contains(allowed, v) {
		return v, nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return "", badParam(name, name+" must be one of "+strings.Join(names, ", ")+".")
}

// param is a path parameter as the client meant it. Echo routes on the escaped path when
// it holds an escaped slash, so an external ID like gid://shop/Customer/1 arrives as
// gid:%2F%2Fshop%2FCustomer%2F1 and is unescaped here.
func param(c echo.Context, name string) string {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v // Echo routed on the decoded path: the value is decoded already
	}
	if unescaped, err := url.PathUnescape(v); err == nil {
		return unescaped
	}
	return v
}

// NoRoute answers a request under /v1 that no route took: 405 with Allow when the path
// exists for other methods, else 404. (The group's catch-all would otherwise make every
// wrong method a 404.)
func NoRoute(c echo.Context) error {
	e, r := c.Echo(), c.Request()
	var allowed []string
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := e.NewContext(r, nil)
		e.Router().Find(method, echo.GetPath(r), probe)
		if probe.Path() != c.Path() {
			allowed = append(allowed, method)
		}
	}
	if len(allowed) == 0 {
		return echo.ErrNotFound
	}
	c.Response().Header().Set(echo.HeaderAllow, strings.Join(allowed, ", "))
	return echo.ErrMethodNotAllowed
}

// listResponse is every list's shape: one page of data and where it sits.
type listResponse[T any] struct {
	Data    []T   `json:"data"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
	Total   int64 `json:"total"`
	HasMore bool  `json:"has_more"`
}

// respondList answers one page of rows, each shown with show.
func respondList[M, T any](c echo.Context, rows []M, info models.PageInfo, show func(*M) T) error {
	data := make([]T, len(rows))
	for i := range rows {
		data[i] = show(&rows[i])
	}
	return c.JSON(http.StatusOK, listResponse[T]{Data: data, Page: info.Page, PerPage: info.PerPage, Total: info.Total, HasMore: info.HasMore()})
}

// respondAll answers a short list that is never paged.
func respondAll[M, T any](c echo.Context, rows []M, show func(*M) T) error {
	return respondList(c, rows, models.PageInfo{Page: 1, PerPage: max(len(rows), 1), Total: int64(len(rows))}, show)
}

// idempotencyKeyMaxLen bounds an Idempotency-Key, as Stripe's does.
const idempotencyKeyMaxLen = 255

// Idempotent makes a POST with an Idempotency-Key safe to retry: the first request runs and
// its response is kept for 24 hours; the same key with the same body replays it; the same
// key with another body is 409, as is a retry while the first still runs.
func (h *Handler) Idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" {
			return next(c)
		}
		if len(key) > idempotencyKeyMaxLen || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			return &web.APIError{Status: http.StatusBadRequest, Type: web.TypeIdempotency, Code: "idempotency_key_invalid", Message: "Idempotency-Key must be 1 to 255 visible ASCII characters."}
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return badJSON(err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		hash := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), body...))
		ctx := r.Context()
		claim, previous, err := h.store.ClaimIdempotencyKey(ctx, merchantID(c), key, hash[:])
		switch {
		case errors.Is(err, models.ErrIdempotencyMismatch):
			return idempotencyConflict("idempotency_key_reused", "This Idempotency-Key was used with a different request.")
		case errors.Is(err, models.ErrIdempotencyInProgress):
			return idempotencyConflict("idempotency_key_in_use", "A request with this Idempotency-Key is still running; retry in a moment.")
		case errors.Is(err, models.ErrIdempotencyResponseLost):
			return idempotencyConflict("idempotency_response_lost",
				"The request with this Idempotency-Key was carried out, but Portico stopped before it stored the response. Look the result up instead of retrying; a new key would do it again.")
		case errors.Is(err, models.ErrIdempotencyUnreadable):
			return idempotencyConflict("idempotency_response_unreadable",
				"The request with this Idempotency-Key was carried out, but its stored response was encrypted with a data key that is no longer configured. Look the result up instead of retrying.")
		case err != nil:
			return err
		case previous != nil:
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.JSONBlob(previous.Status, previous.Body)
		}

		// The request's changes commit only while it holds the key (see models.IdempotencyRecord).
		// The outcome is stored even if the client has gone, and a request that fails on our
		// side before changing anything gives its key back, so a retry is not stuck behind it.
		c.SetRequest(r.WithContext(models.WithIdempotencyClaim(ctx, claim)))
		ctx = context.WithoutCancel(ctx)
		finished := false
		defer func() {
			if !finished {
				h.store.ReleaseIdempotencyKey(ctx, claim)
			}
		}()
		res := c.Response()
		recorder := &bodyRecorder{ResponseWriter: res.Writer}
		res.Writer = recorder
		if err := next(c); err != nil {
			c.Error(err) // answer now, through the recorder, so the error is kept too
		}
		if res.Status >= http.StatusInternalServerError {
			return nil // the deferred release lets a retry run, unless a change committed
		}
		finished = true
		return h.store.FinishIdempotentRequest(ctx, claim, res.Status, recorder.body.Bytes())
	}
}

func idempotencyConflict(code, message string) error {
	return &web.APIError{Status: http.StatusConflict, Type: web.TypeIdempotency, Code: code, Message: message}
}

// bodyRecorder keeps a copy of what a handler writes.
type bodyRecorder struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *bodyRecorder) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}
