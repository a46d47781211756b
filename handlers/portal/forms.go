package portal

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// flashes are the confirmations a redirect after a form may ask the next page to show;
// anything else in ?done= is ignored, so a crafted link cannot put words in our mouth.
var flashes = []string{
	"profile_saved", "contact_added", "contact_saved", "contact_deleted", "payment_details_saved",
	"subscription_canceled", "subscription_cancel_scheduled", "subscription_resumed", "subscription_unchanged",
}

// flashOf is the confirmation a request asks its page to show, if it is one of ours.
func flashOf(c echo.Context) string {
	if done := c.QueryParam("done"); slices.Contains(flashes, done) {
		return done
	}
	return ""
}

// redirectDone ends a successful form POST: 303 to the page to show next, with what was
// done, so a reload never submits the form again.
func redirectDone(c echo.Context, path, flash string) error {
	return c.Redirect(http.StatusSeeOther, path+"?done="+url.QueryEscape(flash))
}

// formErrors turns a store validation error into the form's field errors; any other error
// comes back for the error handler.
func formErrors(err error) (views.FieldErrors, error) {
	var invalid *models.ValidationError
	if !errors.As(err, &invalid) {
		return nil, err
	}
	errs := views.FieldErrors{}
	for _, f := range invalid.Fields {
		errs[f.Field] = f.Code
	}
	return errs, nil
}

// formValue is a trimmed form field.
func formValue(c echo.Context, name string) string { return strings.TrimSpace(c.FormValue(name)) }

// formPointer is a trimmed form field for a partial update.
func formPointer(c echo.Context, name string) *string {
	v := formValue(c, name)
	return &v
}

// pageParam is the list page a request asks for; anything but a positive number is 400.
func pageParam(c echo.Context) (int, error) {
	raw := c.QueryParam("page")
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 100_000 {
		return 0, echo.NewHTTPError(http.StatusBadRequest, "page must be a positive number")
	}
	return n, nil
}

// portalListPage is one page of a portal list.
func portalListPage(c echo.Context) (models.Page, error) {
	n, err := pageParam(c)
	return models.Page{Number: n, PerPage: 25}, err
}
