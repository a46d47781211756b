package api

import (
	_ "embed"
	"fmt"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
	"sigs.k8s.io/yaml"
)

// openAPIDocument is the API's contract; the tests check every response against it.
//
//go:embed openapi.yaml
var openAPIDocument []byte

// openAPIAsJSON is the contract as JSON, converted at the first request for it rather than
// at every start, which it would cost 8 ms. The contract tests read it through the server.
var openAPIAsJSON = sync.OnceValues(func() ([]byte, error) {
	doc, err := yaml.YAMLToJSON(openAPIDocument)
	if err != nil {
		return nil, fmt.Errorf("handlers/api/openapi.yaml: %w", err)
	}
	return doc, nil
})

// ServeOpenAPI serves the contract, without authentication.
func (h *Handler) ServeOpenAPI(c echo.Context) error {
	doc, err := openAPIAsJSON()
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, doc)
}
