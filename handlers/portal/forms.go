package portal

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
)

// flashes are the confirmations a redirect after a form may ask the next page to show;
// anything else in ?done= is ignored, so a crafted link cannot put words in our mouth.
var flashes = []string{
	"profile_saved", "contact_added", "contact_saved", "contact_deleted", "payment_details_saved",
	"subscription_canceled", "subscription_cancel_scheduled", "subscription_resumed", "subscription_unchanged",
	"payment_method_saving",
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

// bindForm binds a submitted form into its struct (the fields its form tags name) and trims
// the spaces a customer types around values.
func bindForm(c echo.Context, form any) error {
	if err := (&echo.DefaultBinder{}).BindBody(c, form); err != nil {
		return err
	}
	v := reflect.ValueOf(form).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String && f.CanSet() {
			f.SetString(strings.TrimSpace(f.String()))
		}
	}
	return nil
}

// requestedPage is the page of a portal list a request asks for; anything but a page number
// is 400.
func requestedPage(c echo.Context) (models.Page, error) {
	n, ok := web.PositiveParam(c, "page", models.MaxPageNumber)
	if !ok {
		return models.Page{}, echo.NewHTTPError(http.StatusBadRequest, "page must be a positive number")
	}
	return models.Page{Number: n, PerPage: 25}, nil
}
