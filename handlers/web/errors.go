package web

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
	TypeInvalidRequest = "invalid_request_error"
	TypeAuthentication = "authentication_error"
	TypeIdempotency    = "idempotency_error"
	TypeRateLimit      = "rate_limit_error"
	TypeAPI            = "api_error"
)

// ErrorHandler is the one place errors become responses: JSON under /v1, a page elsewhere.
type ErrorHandler struct {
	Log   *slog.Logger
	Pages *Pages
}

func (h *ErrorHandler) Handle(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := Describe(err)
	req := c.Request()
	requestID := c.Response().Header().Get(echo.HeaderXRequestID)
	switch {
	case e.Status >= 500 && errors.Is(err, context.Canceled):
		// The client went away; there is nobody to answer.
		h.Log.Info("request canceled", "path", RedactedPath(req.URL.Path), "request_id", requestID)
		return
	case e.Code == CodeOverloaded:
		// Shed by admission control on purpose: the request log counts them, one error
		// line each would only add to the load.
	case e.Status >= 500:
		h.Log.Error("request failed", "err", err, "method", req.Method, "path", RedactedPath(req.URL.Path), "request_id", requestID)
	}

	if req.Method == http.MethodHead {
		c.NoContent(e.Status)
		return
	}
	if e.Status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="portico"`)
	}
	if IsAPIPath(req.URL.Path) {
		c.JSON(e.Status, map[string]*APIError{"error": e})
		return
	}
	p := PageOf(req.Context())
	if p == nil {
		p = h.Pages.Page(ChooseLanguage(req, ""), "")
	}
	p.Title = p.T.T("error.title")
	if err := Render(c, e.Status, views.ErrorPage(p, views.ErrorView{Status: e.Status, RequestID: requestID})); err != nil {
		h.Log.Error("render error page", "err", err, "request_id", requestID)
	}
}

// IsAPIPath reports whether a request path belongs to the merchant API.
func IsAPIPath(path string) bool { return path == "/v1" || strings.HasPrefix(path, "/v1/") }

// Describe classifies any error as an APIError: the store's typed errors become their 4xx;
// anything unknown is a 500 whose details stay in the log.
func Describe(err error) *APIError {
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
		return &APIError{Status: http.StatusNotFound, Type: TypeInvalidRequest, Code: "resource_missing", Message: "No such resource."}
	case errors.As(err, &invalid):
		f := invalid.Fields[0]
		return &APIError{Status: http.StatusUnprocessableEntity, Type: TypeInvalidRequest, Code: "parameter_invalid", Message: invalid.Error(), Param: f.Field}
	case errors.As(err, &dup):
		return &APIError{Status: http.StatusConflict, Type: TypeInvalidRequest, Code: "resource_exists", Message: dup.Error(), Param: dup.Field}
	case errors.As(err, &stateErr):
		return &APIError{Status: http.StatusConflict, Type: TypeInvalidRequest, Code: "invalid_state", Message: stateErr.Error()}
	case errors.As(err, &httpErr):
		return fromHTTPError(httpErr)
	}
	return &APIError{Status: http.StatusInternalServerError, Type: TypeAPI, Code: "internal_error", Message: "Something went wrong on our side. The request ID in the X-Request-Id header helps us find it."}
}

// fromHTTPError describes the errors Echo and its middleware produce.
func fromHTTPError(he *echo.HTTPError) *APIError {
	e := &APIError{Status: he.Code, Type: TypeInvalidRequest}
	switch he.Code {
	case http.StatusNotFound:
		e.Code, e.Message = "route_missing", "No such route."
	case http.StatusMethodNotAllowed:
		e.Code, e.Message = "method_not_allowed", "This route does not take that method."
	case http.StatusRequestEntityTooLarge:
		e.Code, e.Message = "body_too_large", "The request body is larger than 1 MiB."
	case http.StatusTooManyRequests:
		e.Type, e.Code, e.Message = TypeRateLimit, "rate_limited", "Too many requests; slow down and retry after the time in Retry-After."
	case http.StatusUnauthorized:
		e.Type, e.Code, e.Message = TypeAuthentication, "unauthorized", "A valid API key is required: Authorization: Bearer <key>."
	case http.StatusForbidden:
		e.Code, e.Message = "forbidden", "This request is not allowed."
	default:
		if he.Code >= 500 {
			return &APIError{Status: he.Code, Type: TypeAPI, Code: "internal_error", Message: "Something went wrong on our side."}
		}
		e.Code = "bad_request"
		e.Message = http.StatusText(he.Code)
		if msg, ok := he.Message.(string); ok && msg != "" {
			e.Message = msg
		}
	}
	return e
}
