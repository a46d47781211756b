package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

// subscriptionRequest creates a subscription, or partially updates one: fields left out
// stay as they are, and the customer is set on creation only.
type subscriptionRequest struct {
	CustomerID         *string    `json:"customer_id"`
	PlanName           *string    `json:"plan_name"`
	Status             *string    `json:"status"`
	Currency           *string    `json:"currency"`
	UnitAmount         *int64     `json:"unit_amount"`
	Interval           *string    `json:"interval"`
	IntervalCount      *int       `json:"interval_count"`
	CurrentPeriodStart *Timestamp `json:"current_period_start"`
	CurrentPeriodEnd   *Timestamp `json:"current_period_end"`
}

func (r subscriptionRequest) input() models.SubscriptionInput {
	return models.SubscriptionInput{
		PlanName: r.PlanName, Status: (*models.SubscriptionStatus)(r.Status), Currency: r.Currency,
		UnitAmount: r.UnitAmount, Interval: r.Interval, IntervalCount: r.IntervalCount,
		CurrentPeriodStart: r.CurrentPeriodStart.at(), CurrentPeriodEnd: r.CurrentPeriodEnd.at(),
	}
}

func (h *Handler) CreateSubscription(c echo.Context) error {
	req, err := bind[subscriptionRequest](c)
	if err != nil {
		return err
	}
	if req.CustomerID == nil || *req.CustomerID == "" {
		return invalidField("customer_id", "required", "is required")
	}
	in := req.input()
	in.CustomerRef = *req.CustomerID
	sub, err := h.store.CreateSubscription(c.Request().Context(), merchantID(c), apiActor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sub.Resource())
}

func (h *Handler) GetSubscription(c echo.Context) error {
	sub, err := h.store.GetSubscription(c.Request().Context(), models.MerchantScope(merchantID(c)), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sub.Resource())
}

func (h *Handler) ListSubscriptions(c echo.Context) error {
	page, err := listQuery(c, "customer_id", "status")
	if err != nil {
		return err
	}
	f := models.SubscriptionFilter{CustomerRef: c.QueryParam("customer_id")}
	if f.Status, err = enumQuery(c, "status", models.SubscriptionStatuses); err != nil {
		return err
	}
	rows, info, err := h.store.ListSubscriptions(c.Request().Context(), models.MerchantScope(merchantID(c)), f, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, (*models.Subscription).Resource)
}

func (h *Handler) UpdateSubscription(c echo.Context) error {
	req, err := bind[subscriptionRequest](c)
	if err != nil {
		return err
	}
	if req.CustomerID != nil {
		return unknownField("customer_id") // a subscription stays with its customer
	}
	sub, err := h.store.UpdateSubscription(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sub.Resource())
}

type cancelRequest struct {
	AtPeriodEnd bool   `json:"at_period_end"`
	Reason      string `json:"reason"`
	Comment     string `json:"comment"`
}

// CancelSubscription cancels now or at the period's end; a second cancel is 409.
func (h *Handler) CancelSubscription(c echo.Context) error {
	req, err := bind[cancelRequest](c)
	if err != nil {
		return err
	}
	sub, err := h.store.CancelSubscription(c.Request().Context(), models.MerchantScope(merchantID(c)), apiActor(c), param(c, "id"), models.Cancellation(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sub.Resource())
}

// ResumeSubscription undoes a cancellation scheduled for the period's end.
func (h *Handler) ResumeSubscription(c echo.Context) error {
	sub, err := h.store.ResumeSubscription(c.Request().Context(), models.MerchantScope(merchantID(c)), apiActor(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sub.Resource())
}
