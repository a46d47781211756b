package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

type entitlementRequest struct {
	SubscriptionID *string    `json:"subscription_id"`
	FeatureKey     *string    `json:"feature_key"`
	Name           *string    `json:"name"`
	Limit          *int64     `json:"limit"`
	Value          *string    `json:"value"`
	Usage          *int64     `json:"usage"`
	ValidFrom      *Timestamp `json:"valid_from"`
	ValidTo        *Timestamp `json:"valid_to"`
}

func (r entitlementRequest) input() models.EntitlementInput {
	return models.EntitlementInput{
		SubscriptionID: r.SubscriptionID, FeatureKey: r.FeatureKey, Name: r.Name, Limit: r.Limit,
		Value: r.Value, Usage: r.Usage, ValidFrom: r.ValidFrom.at(), ValidTo: r.ValidTo.at(),
	}
}

func (h *Handler) ListEntitlements(c echo.Context) error {
	if _, err := listQuery(c); err != nil {
		return err
	}
	rows, err := h.store.ListEntitlements(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")))
	if err != nil {
		return err
	}
	return respondAll(c, rows, presentEntitlement)
}

func (h *Handler) CreateEntitlement(c echo.Context) error {
	req, err := bind[entitlementRequest](c)
	if err != nil {
		return err
	}
	e, err := h.store.CreateEntitlement(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), apiActor(c), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, presentEntitlement(e))
}

func (h *Handler) UpdateEntitlement(c echo.Context) error {
	req, err := bind[entitlementRequest](c)
	if err != nil {
		return err
	}
	e, err := h.store.UpdateEntitlement(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), apiActor(c), param(c, "entitlement_id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentEntitlement(e))
}

func (h *Handler) DeleteEntitlement(c echo.Context) error {
	if err := h.store.DeleteEntitlement(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), apiActor(c), param(c, "entitlement_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type entitlementJSON struct {
	ID             string     `json:"id"`
	Object         string     `json:"object"`
	CustomerID     string     `json:"customer_id"`
	SubscriptionID *string    `json:"subscription_id"`
	FeatureKey     string     `json:"feature_key"`
	Name           string     `json:"name"`
	Limit          *int64     `json:"limit"`
	Value          string     `json:"value"`
	Usage          *int64     `json:"usage"`
	ValidFrom      Timestamp  `json:"valid_from"`
	ValidTo        *Timestamp `json:"valid_to"`
	CreatedAt      Timestamp  `json:"created_at"`
	UpdatedAt      Timestamp  `json:"updated_at"`
}

func presentEntitlement(e *models.Entitlement) entitlementJSON {
	return entitlementJSON{e.ID, "entitlement", e.CustomerID, e.SubscriptionID, e.FeatureKey, e.Name, e.Limit, e.Value, e.Usage, stamp(e.ValidFrom), stampOf(e.ValidTo), stamp(e.CreatedAt), stamp(e.UpdatedAt)}
}
