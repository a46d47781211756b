package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// APIError is an error in the API's one shape:
// {"error": {"type", "code", "message", "param", "errors"}}. Param names the first invalid
// field; Errors, on a validation error, lists every invalid field (at most
// models.MaxFieldErrors), the first being Param's.
type APIError struct {
	Status  int          `json:"-"`
	Type    string       `json:"type"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Param   string       `json:"param,omitempty"`
	Errors  []FieldError `json:"errors,omitempty"`
}

// FieldError is one invalid field of a request.
type FieldError struct {
	Param   string `json:"param"`
	Code    string `json:"code"`
	Message string `json:"message"`
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

// Handle answers err. The request logger hands it each error first, so the log line
// carries the status it chose; when the error reaches Echo afterwards, the response is
// committed and Handle does nothing more.
func (h *ErrorHandler) Handle(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := Describe(err)
	req := c.Request()
	requestID := c.Response().Header().Get(echo.HeaderXRequestID)
	switch {
	case e.Status == StatusClientClosedRequest:
		return // the client went away; there is nobody to answer, and the request log says so
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

// StatusClientClosedRequest is the status logged and counted for a request whose client
// went away before the answer (nginx's 499); nothing is sent.
const StatusClientClosedRequest = 499

// Describe classifies any error as an APIError: the store's typed errors become their 4xx;
// anything unknown is a 500 whose details stay in the log.
func Describe(err error) *APIError {
	var (
		apiErr    *APIError
		httpErr   *echo.HTTPError
		invalid   *models.ValidationError
		filterErr *models.FilterError
		dup       *models.DuplicateError
		stateErr  *models.StateError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.Is(err, models.ErrNotFound):
		return &APIError{Status: http.StatusNotFound, Type: TypeInvalidRequest, Code: "resource_missing", Message: "No such resource."}
	case errors.As(err, &invalid) && len(invalid.Fields) > 0:
		return describeInvalid(invalid)
	case errors.As(err, &filterErr):
		return &APIError{Status: http.StatusBadRequest, Type: TypeInvalidRequest, Code: "parameter_invalid", Param: filterErr.Field, Message: filterErr.Error() + "."}
	case errors.As(err, &dup):
		return &APIError{Status: http.StatusConflict, Type: TypeInvalidRequest, Code: "resource_exists", Message: dup.Error(), Param: dup.Field}
	case errors.As(err, &stateErr):
		return &APIError{Status: http.StatusConflict, Type: TypeInvalidRequest, Code: "invalid_state", Message: stateErr.Error()}
	case errors.Is(err, models.ErrIdempotencyClaimLost):
		return &APIError{Status: http.StatusConflict, Type: TypeIdempotency, Code: "idempotency_key_taken_over", Message: "This request ran past its Idempotency-Key's lease and a retry took the key over; nothing was changed by this request."}
	case errors.As(err, &httpErr):
		return fromHTTPError(httpErr)
	case errors.Is(err, context.Canceled):
		return &APIError{Status: StatusClientClosedRequest, Type: TypeInvalidRequest, Code: "client_closed_request", Message: "The client closed the request."}
	}
	return &APIError{Status: http.StatusInternalServerError, Type: TypeAPI, Code: "internal_error", Message: "Something went wrong on our side. The request ID in the X-Request-Id header helps us find it."}
}

// describeInvalid is the 422 of a validation error: the first field in param and message,
// and every field (at most models.MaxFieldErrors) in errors.
func describeInvalid(invalid *models.ValidationError) *APIError {
	fields := invalid.Fields[:min(len(invalid.Fields), models.MaxFieldErrors)]
	e := &APIError{
		Status: http.StatusUnprocessableEntity, Type: TypeInvalidRequest, Code: "parameter_invalid",
		Param: fields[0].Field, Message: fields[0].Field + " " + fields[0].Message + ".",
		Errors: make([]FieldError, len(fields)),
	}
	if len(fields) > 1 {
		e.Message += fmt.Sprintf(" %d more fields are invalid: see errors.", len(fields)-1)
	}
	for i, f := range fields {
		e.Errors[i] = FieldError{Param: f.Field, Code: f.Code, Message: f.Message}
	}
	return e
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
