package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

type subscriptionRequest struct {
	CustomerID         string     `json:"customer_id"` // on create only
	PlanName           *string    `json:"plan_name"`
	Status             *string    `json:"status"`
	Currency           *string    `json:"currency"`
	UnitAmount         *int64     `json:"unit_amount"`
	Interval           *string    `json:"interval"`
	IntervalCount      *int       `json:"interval_count"`
	CurrentPeriodStart *time.Time `json:"current_period_start"`
	CurrentPeriodEnd   *time.Time `json:"current_period_end"`
}

func (r subscriptionRequest) input() models.SubscriptionInput {
	return models.SubscriptionInput{
		CustomerRef: r.CustomerID, PlanName: r.PlanName, Status: (*models.SubscriptionStatus)(r.Status), Currency: r.Currency,
		UnitAmount: r.UnitAmount, Interval: r.Interval, IntervalCount: r.IntervalCount,
		CurrentPeriodStart: r.CurrentPeriodStart, CurrentPeriodEnd: r.CurrentPeriodEnd,
	}
}

func (h *Handler) CreateSubscription(c echo.Context) error {
	req, err := bind[subscriptionRequest](c)
	if err != nil {
		return err
	}
	if req.CustomerID == "" {
		return invalidField("customer_id", "required", "is required")
	}
	sub, err := h.store.CreateSubscription(c.Request().Context(), merchantID(c), apiActor(c), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, presentSubscription(sub))
}

func (h *Handler) GetSubscription(c echo.Context) error {
	sub, err := h.store.GetSubscription(c.Request().Context(), models.MerchantScope(merchantID(c)), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentSubscription(sub))
}

func (h *Handler) ListSubscriptions(c echo.Context) error {
	page, err := listPage(c)
	if err != nil {
		return err
	}
	f := models.SubscriptionFilter{CustomerRef: c.QueryParam("customer_id"), Status: models.SubscriptionStatus(c.QueryParam("status"))}
	rows, info, err := h.store.ListSubscriptions(c.Request().Context(), models.MerchantScope(merchantID(c)), f, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, presentSubscription)
}

func (h *Handler) UpdateSubscription(c echo.Context) error {
	req, err := bind[subscriptionRequest](c)
	if err != nil {
		return err
	}
	if req.CustomerID != "" {
		return invalidField("customer_id", "not_allowed", "cannot be changed")
	}
	sub, err := h.store.UpdateSubscription(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentSubscription(sub))
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
	sub, err := h.store.CancelSubscription(c.Request().Context(), models.MerchantScope(merchantID(c)), apiActor(c), c.Param("id"), models.Cancellation(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentSubscription(sub))
}

// ResumeSubscription undoes a cancellation scheduled for the period's end.
func (h *Handler) ResumeSubscription(c echo.Context) error {
	sub, err := h.store.ResumeSubscription(c.Request().Context(), models.MerchantScope(merchantID(c)), apiActor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentSubscription(sub))
}

type subscriptionJSON struct {
	ID                  string     `json:"id"`
	Object              string     `json:"object"`
	CustomerID          string     `json:"customer_id"`
	PlanName            string     `json:"plan_name"`
	Status              string     `json:"status"`
	Currency            string     `json:"currency"`
	UnitAmount          int64      `json:"unit_amount"`
	Interval            string     `json:"interval"`
	IntervalCount       int        `json:"interval_count"`
	CurrentPeriodStart  time.Time  `json:"current_period_start"`
	CurrentPeriodEnd    time.Time  `json:"current_period_end"`
	CancelAtPeriodEnd   bool       `json:"cancel_at_period_end"`
	CanceledAt          *time.Time `json:"canceled_at"`
	EndedAt             *time.Time `json:"ended_at"`
	CancellationReason  string     `json:"cancellation_reason"`
	CancellationComment string     `json:"cancellation_comment"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

func presentSubscription(s *models.Subscription) subscriptionJSON {
	return subscriptionJSON{
		s.ID, "subscription", s.CustomerID, s.PlanName, string(s.Status), s.Currency, s.UnitAmount, s.Interval,
		s.IntervalCount, s.CurrentPeriodStart, s.CurrentPeriodEnd, s.CancelAtPeriodEnd, s.CanceledAt, s.EndedAt,
		s.CancellationReason, s.CancellationComment, s.CreatedAt, s.UpdatedAt,
	}
}
