package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ListSubscriptions shows the customer's subscriptions.
func (h *Handler) ListSubscriptions(c echo.Context) error {
	page, err := requestedPage(c)
	if err != nil {
		return err
	}
	subs, info, err := h.store.ListSubscriptions(c.Request().Context(), portalAccess(c).Scope(), models.SubscriptionFilter{}, page)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionSubscriptions, "portal.nav.subscriptions")
	return web.Render(c, http.StatusOK, views.SubscriptionsPage(p, views.SubscriptionListView{
		Subscriptions: views.NewSubscriptionRows(subs),
		Pager:         views.NewPager(info, len(subs), views.SubscriptionsURL),
	}))
}

// customerSubscription loads a subscription of the session's customer.
func (h *Handler) customerSubscription(c echo.Context) (*models.Subscription, error) {
	return h.store.GetSubscription(c.Request().Context(), portalAccess(c).Scope(), c.Param("id"))
}

// support is whom the merchant names for what the portal does not do.
func support(m *models.Merchant) views.Support {
	return views.Support{Email: m.SupportEmail, URL: m.SupportURL}
}

// ShowSubscription shows one subscription with what the merchant's policy offers for it.
func (h *Handler) ShowSubscription(c echo.Context) error {
	sub, err := h.customerSubscription(c)
	if err != nil {
		return err
	}
	m := &portalAccess(c).Merchant
	p := portalPage(c, views.SectionSubscriptions, "")
	p.Title = sub.PlanName
	return web.Render(c, http.StatusOK, views.SubscriptionPage(p, views.SubscriptionView{
		Subscription: views.NewSubscriptionRow(sub), Option: m.CancelOptionFor(sub, h.store.Now()), Support: support(m),
	}))
}

// ConfirmCancel is the confirmation step: it says what will happen and when, and asks why.
// A subscription there is nothing to cancel on sends the customer back to its page.
func (h *Handler) ConfirmCancel(c echo.Context) error {
	sub, err := h.customerSubscription(c)
	if err != nil {
		return err
	}
	switch portalAccess(c).Merchant.CancelOptionFor(sub, h.store.Now()) {
	case models.CancelOptionCancel, models.CancelOptionContact:
		return h.renderCancel(c, http.StatusOK, sub, views.CancelForm{})
	}
	return c.Redirect(http.StatusSeeOther, views.SubscriptionURL(sub.ID))
}

func (h *Handler) renderCancel(c echo.Context, status int, sub *models.Subscription, form views.CancelForm) error {
	m := &portalAccess(c).Merchant
	p := portalPage(c, views.SectionSubscriptions, "")
	p.Title = p.T.Tf("subscription.cancel_title", map[string]any{"Plan": sub.PlanName})
	return web.Render(c, status, views.CancelPage(p, views.CancelView{
		Subscription: views.NewSubscriptionRow(sub), Option: m.CancelOptionFor(sub, h.store.Now()),
		AtPeriodEnd: m.CancelsAtPeriodEnd(), Support: support(m), Form: form,
	}))
}

// CancelSubscription cancels as the merchant's policy says: at the period's end or at once.
// A second submit (double click, another tab) changes nothing and lands on the same page.
func (h *Handler) CancelSubscription(c echo.Context) error {
	a := portalAccess(c)
	sub, err := h.customerSubscription(c)
	if err != nil {
		return err
	}
	var form views.CancelForm
	if err := bindForm(c, &form); err != nil {
		return err
	}
	cancellation, err := a.Merchant.PortalCancellation(form.Reason, form.Comment)
	if err != nil {
		return echo.NewHTTPError(http.StatusForbidden, err.Error())
	}
	_, err = h.store.CancelSubscription(c.Request().Context(), a.Scope(), portalActor(c), sub.ID, cancellation)
	var stale *models.StateError
	switch {
	case errors.As(err, &stale):
		return h.done(c, views.SubscriptionURL(sub.ID), views.FlashSubscriptionUnchanged)
	case err != nil:
		if form.Errors, err = views.ErrorsOf(err); err != nil {
			return err
		}
		return h.renderCancel(c, http.StatusUnprocessableEntity, sub, form)
	case cancellation.AtPeriodEnd:
		return h.done(c, views.SubscriptionURL(sub.ID), views.FlashSubscriptionCancelScheduled)
	}
	return h.done(c, views.SubscriptionURL(sub.ID), views.FlashSubscriptionCanceled)
}

// ResumeSubscription undoes a scheduled cancellation ("Keep my subscription").
func (h *Handler) ResumeSubscription(c echo.Context) error {
	sub, err := h.customerSubscription(c)
	if err != nil {
		return err
	}
	_, err = h.store.ResumeSubscription(c.Request().Context(), portalAccess(c).Scope(), portalActor(c), sub.ID)
	var stale *models.StateError
	switch {
	case errors.As(err, &stale):
		return h.done(c, views.SubscriptionURL(sub.ID), views.FlashSubscriptionUnchanged)
	case err != nil:
		return err
	}
	return h.done(c, views.SubscriptionURL(sub.ID), views.FlashSubscriptionResumed)
}
