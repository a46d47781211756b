package api

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"sigs.k8s.io/yaml"
)

// openAPIDocument is the API's contract; the tests check every response against it.
//
//go:embed openapi.yaml
var openAPIDocument []byte

// openAPIAsJSON converts the contract to JSON, once, when the server is built.
func openAPIAsJSON() ([]byte, error) {
	doc, err := yaml.YAMLToJSON(openAPIDocument)
	if err != nil {
		return nil, fmt.Errorf("handlers/api/openapi.yaml: %w", err)
	}
	return doc, nil
}

// ServeOpenAPI serves the contract, without authentication.
func (h *Handler) ServeOpenAPI(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, h.openAPI)
}
