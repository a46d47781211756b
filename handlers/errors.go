package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// APIError is an error in the API's one shape: {"error": {"type", "code", "message", "param"}}.
type APIError struct {
	Status  int    `json:"-"`
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}

func (e *APIError) Error() string { return e.Message }

// The error types of the API, after Stripe's.
const (
	errInvalidRequest = "invalid_request_error"
	errAuthentication = "authentication_error"
	errIdempotency    = "idempotency_error"
	errRateLimit      = "rate_limit_error"
	errAPI            = "api_error"
)

// errorHandler is the one place errors become responses: JSON under /v1, a page elsewhere.
type errorHandler struct {
	log   *slog.Logger
	pages *pageBuilder
}

func (h *errorHandler) handle(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := describe(err)
	req := c.Request()
	requestID := c.Response().Header().Get(echo.HeaderXRequestID)
	switch {
	case e.Status >= 500 && errors.Is(err, context.Canceled):
		// The client went away; there is nobody to answer.
		h.log.Info("request canceled", "path", redactedPath(req.URL.Path), "request_id", requestID)
		return
	case e.Status >= 500:
		h.log.Error("request failed", "err", err, "method", req.Method, "path", redactedPath(req.URL.Path), "request_id", requestID)
	}

	if req.Method == http.MethodHead {
		c.NoContent(e.Status)
		return
	}
	if e.Status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="portico"`)
	}
	if isAPIPath(req.URL.Path) {
		c.JSON(e.Status, map[string]*APIError{"error": e})
		return
	}
	p := pageOf(req.Context())
	if p == nil {
		p = h.pages.page(chooseLanguage(req, ""), "")
	}
	p.Title = p.T.T("error.title")
	if err := render(c, e.Status, views.ErrorPage(p, views.ErrorView{Status: e.Status, RequestID: requestID})); err != nil {
		h.log.Error("render error page", "err", err, "request_id", requestID)
	}
}

func isAPIPath(path string) bool { return path == "/v1" || strings.HasPrefix(path, "/v1/") }

// describe classifies any error as an APIError: the store's typed errors become their 4xx;
// anything unknown is a 500 whose details stay in the log.
func describe(err error) *APIError {
	var (
		apiErr   *APIError
		httpErr  *echo.HTTPError
		invalid  *models.ValidationError
		dup      *models.DuplicateError
		stateErr *models.StateError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.Is(err, models.ErrNotFound):
		return &APIError{Status: http.StatusNotFound, Type: errInvalidRequest, Code: "resource_missing", Message: "No such resource."}
	case errors.As(err, &invalid):
		f := invalid.Fields[0]
		return &APIError{Status: http.StatusUnprocessableEntity, Type: errInvalidRequest, Code: "parameter_invalid", Message: invalid.Error(), Param: f.Field}
	case errors.As(err, &dup):
		return &APIError{Status: http.StatusConflict, Type: errInvalidRequest, Code: "resource_exists", Message: dup.Error(), Param: dup.Field}
	case errors.As(err, &stateErr):
		return &APIError{Status: http.StatusConflict, Type: errInvalidRequest, Code: "invalid_state", Message: stateErr.Error()}
	case errors.As(err, &httpErr):
		return fromHTTPError(httpErr)
	}
	return &APIError{Status: http.StatusInternalServerError, Type: errAPI, Code: "internal_error", Message: "Something went wrong on our side. The request ID in the X-Request-Id header helps us find it."}
}

// fromHTTPError describes the errors Echo and its middleware produce.
func fromHTTPError(he *echo.HTTPError) *APIError {
	e := &APIError{Status: he.Code, Type: errInvalidRequest}
	switch he.Code {
	case http.StatusNotFound:
		e.Code, e.Message = "route_missing", "No such route."
	case http.StatusMethodNotAllowed:
		e.Code, e.Message = "method_not_allowed", "This route does not take that method."
	case http.StatusRequestEntityTooLarge:
		e.Code, e.Message = "body_too_large", "The request body is larger than 1 MiB."
	case http.StatusTooManyRequests:
		e.Type, e.Code, e.Message = errRateLimit, "rate_limited", "Too many requests; slow down and retry after the time in Retry-After."
	case http.StatusUnauthorized:
		e.Type, e.Code, e.Message = errAuthentication, "unauthorized", "A valid API key is required: Authorization: Bearer <key>."
	case http.StatusForbidden:
		e.Code, e.Message = "forbidden", "This request is not allowed."
	default:
		if he.Code >= 500 {
			return &APIError{Status: he.Code, Type: errAPI, Code: "internal_error", Message: "Something went wrong on our side."}
		}
		e.Code = "bad_request"
		e.Message = http.StatusText(he.Code)
		if msg, ok := he.Message.(string); ok && msg != "" {
			e.Message = msg
		}
	}
	return e
}
