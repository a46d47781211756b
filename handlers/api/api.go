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
	store   *models.Store
	catalog *views.Catalog // for invoice PDFs in the customer's language
	baseURL *url.URL
	openAPI []byte // the contract, as JSON
}

// New returns the API's handler.
func New(store *models.Store, catalog *views.Catalog, baseURL *url.URL) (*Handler, error) {
	doc, err := openAPIAsJSON()
	if err != nil {
		return nil, err
	}
	return &Handler{store: store, catalog: catalog, baseURL: baseURL, openAPI: doc}, nil
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
// records the key's use at most once a minute.
func (h *Handler) Authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
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

// bind decodes a JSON body strictly: unknown fields, wrong types and trailing data are 400.
// An empty body is an empty object.
func bind[T any](c echo.Context) (T, error) {
	var v T
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&v)
	if errors.Is(err, io.EOF) {
		return v, nil
	}
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("trailing data after the JSON object")
	}
	if err != nil {
		return v, badJSON(err)
	}
	return v, nil
}

// badJSON describes why a body could not be decoded.
func badJSON(err error) error {
	var (
		typeErr *json.UnmarshalTypeError
		httpErr *echo.HTTPError
	)
	bad := &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "body_malformed", Message: "The request body is not valid JSON: " + err.Error()}
	switch {
	case errors.As(err, &httpErr):
		return httpErr // the body limit
	case errors.As(err, &typeErr):
		bad.Code, bad.Param = "parameter_type_invalid", typeErr.Field
		bad.Message = fmt.Sprintf("%s must be %s, not %s.", typeErr.Field, jsonKind(typeErr.Type.String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		bad.Code, bad.Param = "parameter_unknown", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		bad.Message = "Unknown field " + bad.Param + "."
	}
	return bad
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(goType string) string {
	goType = strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map"), strings.Contains(goType, "."):
		return "an object"
	}
	return "a string"
}

// invalidField is the 422 of one field the handler checks before the store can.
func invalidField(field, code, message string) error {
	return &models.ValidationError{Fields: []models.FieldError{{Field: field, Code: code, Message: message}}}
}

// listPage reads page and per_page (at most models.MaxPerPage).
func listPage(c echo.Context) (models.Page, error) {
	var p models.Page
	for _, q := range []struct {
		name string
		dst  *int
		max  int
	}{{"page", &p.Number, models.MaxPageNumber}, {"per_page", &p.PerPage, models.MaxPerPage}} {
		n, ok := web.PositiveParam(c, q.name, q.max)
		if !ok {
			return p, &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "parameter_invalid", Param: q.name,
				Message: fmt.Sprintf("%s must be a whole number from 1 to %d.", q.name, q.max)}
		}
		*q.dst = n
	}
	return p, nil
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
		ctx, merchant := r.Context(), merchantID(c)
		previous, err := h.store.ClaimIdempotencyKey(ctx, merchant, key, hash[:])
		switch {
		case errors.Is(err, models.ErrIdempotencyMismatch):
			return &web.APIError{Status: http.StatusConflict, Type: web.TypeIdempotency, Code: "idempotency_key_reused", Message: "This Idempotency-Key was used with a different request."}
		case errors.Is(err, models.ErrIdempotencyInProgress):
			return &web.APIError{Status: http.StatusConflict, Type: web.TypeIdempotency, Code: "idempotency_key_in_use", Message: "A request with this Idempotency-Key is still running; retry in a moment."}
		case err != nil:
			return err
		case previous != nil:
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.JSONBlob(previous.Status, previous.ResponseBody)
		}

		// The outcome is stored even if the client has gone, and a request that never
		// finishes (a panic) gives its key back, so a retry is not stuck behind it.
		ctx = context.WithoutCancel(ctx)
		finished := false
		defer func() {
			if !finished {
				h.store.ReleaseIdempotencyKey(ctx, merchant, key)
			}
		}()
		res := c.Response()
		recorder := &bodyRecorder{ResponseWriter: res.Writer}
		res.Writer = recorder
		if err := next(c); err != nil {
			c.Error(err) // answer now, through the recorder, so the error is kept too
		}
		if res.Status >= http.StatusInternalServerError {
			return nil // the deferred release lets a retry run
		}
		finished = true
		return h.store.FinishIdempotentRequest(ctx, merchant, key, res.Status, recorder.body.Bytes())
	}
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
