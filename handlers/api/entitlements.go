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
	return respondAll(c, rows, (*models.Entitlement).Resource)
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
	return c.JSON(http.StatusCreated, e.Resource())
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
	return c.JSON(http.StatusOK, e.Resource())
}

func (h *Handler) DeleteEntitlement(c echo.Context) error {
	if err := h.store.DeleteEntitlement(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), apiActor(c), param(c, "entitlement_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
