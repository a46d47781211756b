package handlers

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

// Customers and what hangs off one customer: contacts, entitlements, payment details and
// portal links. Wherever a customer ID goes, "external:<the merchant's ID>" works too.

type addressRequest struct {
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	PostalCode *string `json:"postal_code"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    *string `json:"country"`
}

type customerRequest struct {
	ExternalID      *string         `json:"external_id"`
	Name            *string         `json:"name"`
	Email           *string         `json:"email"`
	Phone           *string         `json:"phone"`
	Address         *addressRequest `json:"address"`
	TaxID           *string         `json:"tax_id"`
	PreferredLocale *string         `json:"preferred_locale"`
}

func (r customerRequest) input() models.CustomerInput {
	in := models.CustomerInput{
		ExternalID: r.ExternalID, Name: r.Name, Email: r.Email, Phone: r.Phone, TaxID: r.TaxID, PreferredLocale: r.PreferredLocale,
	}
	if a := r.Address; a != nil {
		in.Address = &models.AddressInput{Line1: a.Line1, Line2: a.Line2, PostalCode: a.PostalCode, City: a.City, State: a.State, Country: a.Country}
	}
	return in
}

func (h *APIHandler) createCustomer(c echo.Context) error {
	req, err := bind[customerRequest](c)
	if err != nil {
		return err
	}
	cus, err := h.store.CreateCustomer(c.Request().Context(), merchantID(c), apiActor(c), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, showCustomer(cus))
}

func (h *APIHandler) getCustomer(c echo.Context) error {
	cus, err := h.store.GetCustomer(c.Request().Context(), merchantID(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showCustomer(cus))
}

func (h *APIHandler) listCustomers(c echo.Context) error {
	page, err := listPage(c)
	if err != nil {
		return err
	}
	rows, info, err := h.store.ListCustomers(c.Request().Context(), merchantID(c), c.QueryParam("email"), page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, showCustomer)
}

func (h *APIHandler) updateCustomer(c echo.Context) error {
	req, err := bind[customerRequest](c)
	if err != nil {
		return err
	}
	cus, err := h.store.UpdateCustomer(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showCustomer(cus))
}

func (h *APIHandler) deleteCustomer(c echo.Context) error {
	if err := h.store.DeleteCustomer(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type contactRequest struct {
	Name  *string `json:"name"`
	Email *string `json:"email"`
	Phone *string `json:"phone"`
	Role  *string `json:"role"`
}

func (r contactRequest) input() models.ContactInput {
	return models.ContactInput{Name: r.Name, Email: r.Email, Phone: r.Phone, Role: r.Role}
}

func (h *APIHandler) listContacts(c echo.Context) error {
	page, err := listPage(c)
	if err != nil {
		return err
	}
	q := models.ContactQuery{Sort: c.QueryParam("sort"), Page: page}
	if q.Sort != "" && !slices.Contains(models.ContactSorts, q.Sort) {
		return &APIError{Status: http.StatusBadRequest, Type: errInvalidRequest, Code: "parameter_invalid", Param: "sort", Message: "sort must be one of " + strings.Join(models.ContactSorts, ", ") + "."}
	}
	switch order := c.QueryParam("order"); strings.ToUpper(order) {
	case "", "ASC":
	case "DESC":
		q.Descending = true
	default:
		return &APIError{Status: http.StatusBadRequest, Type: errInvalidRequest, Code: "parameter_invalid", Param: "order", Message: "order must be ASC or DESC."}
	}
	rows, info, err := h.store.ListContacts(c.Request().Context(), merchantID(c), c.Param("id"), q)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, showContact)
}

func (h *APIHandler) createContact(c echo.Context) error {
	req, err := bind[contactRequest](c)
	if err != nil {
		return err
	}
	contact, err := h.store.CreateContact(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, showContact(contact))
}

func (h *APIHandler) getContact(c echo.Context) error {
	contact, err := h.store.GetContact(c.Request().Context(), merchantID(c), c.Param("id"), c.Param("contact_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showContact(contact))
}

func (h *APIHandler) updateContact(c echo.Context) error {
	req, err := bind[contactRequest](c)
	if err != nil {
		return err
	}
	contact, err := h.store.UpdateContact(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), c.Param("contact_id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showContact(contact))
}

func (h *APIHandler) deleteContact(c echo.Context) error {
	if err := h.store.DeleteContact(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), c.Param("contact_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type entitlementRequest struct {
	SubscriptionID *string    `json:"subscription_id"`
	FeatureKey     *string    `json:"feature_key"`
	Name           *string    `json:"name"`
	Limit          *int64     `json:"limit"`
	Value          *string    `json:"value"`
	Usage          *int64     `json:"usage"`
	ValidFrom      *time.Time `json:"valid_from"`
	ValidTo        *time.Time `json:"valid_to"`
}

func (r entitlementRequest) input() models.EntitlementInput {
	return models.EntitlementInput{
		SubscriptionID: r.SubscriptionID, FeatureKey: r.FeatureKey, Name: r.Name, Limit: r.Limit,
		Value: r.Value, Usage: r.Usage, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo,
	}
}

func (h *APIHandler) listEntitlements(c echo.Context) error {
	rows, err := h.store.ListEntitlements(c.Request().Context(), merchantID(c), c.Param("id"))
	if err != nil {
		return err
	}
	return respondAll(c, rows, showEntitlement)
}

func (h *APIHandler) createEntitlement(c echo.Context) error {
	req, err := bind[entitlementRequest](c)
	if err != nil {
		return err
	}
	e, err := h.store.CreateEntitlement(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, showEntitlement(e))
}

func (h *APIHandler) updateEntitlement(c echo.Context) error {
	req, err := bind[entitlementRequest](c)
	if err != nil {
		return err
	}
	e, err := h.store.UpdateEntitlement(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), c.Param("entitlement_id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showEntitlement(e))
}

func (h *APIHandler) deleteEntitlement(c echo.Context) error {
	if err := h.store.DeleteEntitlement(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), c.Param("entitlement_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type paymentDetailsRequest struct {
	Method        string `json:"method"`
	AccountHolder string `json:"account_holder"`
	IBAN          string `json:"iban"`
	CardBrand     string `json:"card_brand"`
	CardLast4     string `json:"card_last4"`
	CardExpMonth  int    `json:"card_exp_month"`
	CardExpYear   int    `json:"card_exp_year"`
}

func (h *APIHandler) getPaymentDetails(c echo.Context) error {
	d, err := h.store.GetPaymentDetails(c.Request().Context(), merchantID(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showPaymentDetails(d))
}

// setPaymentDetails replaces what is on file: a SEPA account or a card's display details
// (brand, last 4, expiry; never a card number).
func (h *APIHandler) setPaymentDetails(c echo.Context) error {
	req, err := bind[paymentDetailsRequest](c)
	if err != nil {
		return err
	}
	in := models.PaymentDetailsInput(req)
	d, err := h.store.SetPaymentDetails(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showPaymentDetails(d))
}

type portalLinkRequest struct {
	ExpiresIn      *int64          `json:"expires_in"`
	IdleTimeout    *int64          `json:"idle_timeout"`
	FrameAncestors json.RawMessage `json:"frame_ancestors"`
	ReturnURL      string          `json:"return_url"`
	Locale         string          `json:"locale"`
	Section        string          `json:"section"`
}

// input reads the request's seconds and its allow-list, given as one space-separated string
// or as an array of strings.
func (r portalLinkRequest) input() (models.PortalLinkInput, error) {
	in := models.PortalLinkInput{ReturnURL: r.ReturnURL, Locale: r.Locale, Section: r.Section}
	for _, s := range []struct {
		name  string
		value *int64
		dst   *time.Duration
	}{{"expires_in", r.ExpiresIn, &in.ExpiresIn}, {"idle_timeout", r.IdleTimeout, &in.IdleTimeout}} {
		if s.value == nil {
			continue
		}
		if *s.value < 1 || *s.value > int64(models.MaxLinkLifetime/time.Second) {
			return in, invalidField(s.name, "out_of_range", "must be a number of seconds from 60 to 7776000")
		}
		*s.dst = time.Duration(*s.value) * time.Second
	}
	if len(r.FrameAncestors) == 0 || string(r.FrameAncestors) == "null" {
		return in, nil
	}
	var one string
	if err := json.Unmarshal(r.FrameAncestors, &one); err == nil {
		in.FrameAncestors = strings.Fields(one)
		return in, nil
	}
	if err := json.Unmarshal(r.FrameAncestors, &in.FrameAncestors); err != nil {
		return in, &APIError{Status: http.StatusBadRequest, Type: errInvalidRequest, Code: "parameter_type_invalid", Param: "frame_ancestors",
			Message: "frame_ancestors must be a space-separated string or an array of strings."}
	}
	return in, nil
}

// mintPortalLink answers 201 with the link's URL, which holds the token: the only time it
// is shown, since only its hash is kept.
func (h *APIHandler) mintPortalLink(c echo.Context) error {
	req, err := bind[portalLinkRequest](c)
	if err != nil {
		return err
	}
	in, err := req.input()
	if err != nil {
		return err
	}
	link, token, err := h.store.MintPortalLink(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	v := showPortalLink(link)
	v.URL = PortalLinkURL(h.baseURL, token)
	return c.JSON(http.StatusCreated, v)
}

func (h *APIHandler) listPortalLinks(c echo.Context) error {
	page, err := listPage(c)
	if err != nil {
		return err
	}
	rows, info, err := h.store.ListPortalLinks(c.Request().Context(), merchantID(c), c.Param("id"), page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, showPortalLink)
}

// revokePortalLink ends a link and every session opened from it, at once.
func (h *APIHandler) revokePortalLink(c echo.Context) error {
	if _, err := h.store.RevokePortalLink(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
