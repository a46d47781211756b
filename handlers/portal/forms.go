package portal

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
)

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
