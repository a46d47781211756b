package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// cancellationPolicy is the merchant's word on cancelling, as the pages show it.
func cancellationPolicy(m *models.Merchant) views.CancellationPolicy {
	return views.CancellationPolicy{Mode: m.CancellationMode, SupportEmail: m.SupportEmail, SupportURL: m.SupportURL}
}

// ListSubscriptions shows the customer's subscriptions.
func (h *Handler) ListSubscriptions(c echo.Context) error {
	page, err := portalListPage(c)
	if err != nil {
		return err
	}
	subs, info, err := h.store.ListSubscriptions(c.Request().Context(), portalAccess(c).Scope(), models.SubscriptionFilter{}, page)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionSubscriptions, "portal.nav.subscriptions")
	return web.Render(c, http.StatusOK, views.SubscriptionsPage(p, views.SubscriptionListView{Subscriptions: subs, Page: info}))
}

// customerSubscription loads a subscription of the session's customer.
func (h *Handler) customerSubscription(c echo.Context) (*models.Subscription, error) {
	return h.store.GetSubscription(c.Request().Context(), portalAccess(c).Scope(), c.Param("id"))
}

// ShowSubscription shows one subscription with the cancel or undo its state allows.
func (h *Handler) ShowSubscription(c echo.Context) error {
	sub, err := h.customerSubscription(c)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionSubscriptions, "")
	p.Title = sub.PlanName
	v := views.SubscriptionView{Subscription: sub, Policy: cancellationPolicy(&portalAccess(c).Merchant), Now: h.store.Now()}
	return web.Render(c, http.StatusOK, views.SubscriptionPage(p, v))
}

// subscriptionPath is where a subscription's page lives.
func subscriptionPath(sub *models.Subscription) string { return "/portal/subscriptions/" + sub.ID }

// ConfirmCancel is the confirmation step: it says what will happen and when, and asks why.
func (h *Handler) ConfirmCancel(c echo.Context) error {
	sub, err := h.customerSubscription(c)
	if err != nil {
		return err
	}
	if sub.Status == models.SubCanceled || sub.CancelAtPeriodEnd {
		return c.Redirect(http.StatusSeeOther, subscriptionPath(sub))
	}
	return h.renderCancel(c, http.StatusOK, views.CancelView{Subscription: sub})
}

func (h *Handler) renderCancel(c echo.Context, status int, v views.CancelView) error {
	v.Policy = cancellationPolicy(&portalAccess(c).Merchant)
	p := portalPage(c, views.SectionSubscriptions, "")
	p.Title = p.T.Tf("subscription.cancel_title", map[string]any{"Plan": v.Subscription.PlanName})
	return web.Render(c, status, views.CancelPage(p, v))
}

// CancelSubscription cancels as the merchant's policy says: at the period's end or at once.
// A second submit (double click, another tab) changes nothing and lands on the same page.
func (h *Handler) CancelSubscription(c echo.Context) error {
	a := portalAccess(c)
	sub, err := h.customerSubscription(c)
	if err != nil {
		return err
	}
	mode := a.Merchant.CancellationMode
	if mode == models.CancelNotAllowed {
		return echo.NewHTTPError(http.StatusForbidden, "cancellation is not allowed in the portal")
	}
	cancellation := models.Cancellation{
		AtPeriodEnd: mode == models.CancelAtPeriodEnd,
		Reason:      formValue(c, "reason"),
		Comment:     formValue(c, "comment"),
	}
	_, err = h.store.CancelSubscription(c.Request().Context(), a.Scope(), portalActor(c), sub.ID, cancellation)
	var stale *models.StateError
	switch {
	case errors.As(err, &stale):
		return redirectDone(c, subscriptionPath(sub), "subscription_unchanged")
	case err != nil:
		errs, err := formErrors(err)
		if err != nil {
			return err
		}
		return h.renderCancel(c, http.StatusUnprocessableEntity, views.CancelView{
			Subscription: sub, Reason: cancellation.Reason, Comment: cancellation.Comment, Errors: errs,
		})
	case cancellation.AtPeriodEnd:
		return redirectDone(c, subscriptionPath(sub), "subscription_cancel_scheduled")
	}
	return redirectDone(c, subscriptionPath(sub), "subscription_canceled")
}

// ResumeSubscription undoes a scheduled cancellation ("Keep my subscription").
func (h *Handler) ResumeSubscription(c echo.Context) error {
	a := portalAccess(c)
	sub, err := h.customerSubscription(c)
	if err != nil {
		return err
	}
	_, err = h.store.ResumeSubscription(c.Request().Context(), a.Scope(), portalActor(c), sub.ID)
	var stale *models.StateError
	switch {
	case errors.As(err, &stale):
		return redirectDone(c, subscriptionPath(sub), "subscription_unchanged")
	case err != nil:
		return err
	}
	return redirectDone(c, subscriptionPath(sub), "subscription_resumed")
}
