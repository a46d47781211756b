package portal

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// OpenLink is the portal's door, GET /p/<token>. A usable link starts a new session (each
// opening does: an email scanner's visit never burns the link) and answers 303 to the
// landing section, so the token leaves the address bar and the history. Unknown, expired
// and revoked links get a friendly page instead.
func (h *Handler) OpenLink(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	// The lookup is by the token's SHA-256, so its time does not depend on how much of a
	// guessed token matches.
	link, err := h.store.FindPortalLink(ctx, c.Param("token"))
	if errors.Is(err, models.ErrNotFound) {
		p := h.pages.Page(web.ChooseLanguage(r, ""), "")
		p.Title = p.T.T("notice.link_invalid.title")
		return web.Render(c, http.StatusNotFound, views.NoticePage(p, views.NoticeView{Notice: views.NoticeLinkInvalid}))
	} else if err != nil {
		return err
	}
	merchant, err := h.store.GetMerchant(ctx, link.MerchantID)
	if err != nil {
		return err
	}
	if link.Framable() {
		web.AllowFraming(c, link.FrameAncestors)
	}
	if !link.Usable(h.store.Now()) {
		return h.linkExpired(c, merchant, link)
	}

	// A session this browser already had ends: its cookie is about to be replaced.
	if id, ok := h.cookies.read(r); ok {
		if old, err := h.store.LoadPortalAccess(ctx, id); err == nil {
			if err := h.store.EndPortalSession(ctx, old, old.Actor(c.RealIP(), r.UserAgent())); err != nil {
				return err
			}
		}
	}
	actor := models.Actor{Type: models.ActorPortalLink, ID: link.ID, IP: c.RealIP(), UserAgent: r.UserAgent()}
	session, err := h.store.StartPortalSession(ctx, merchant.ID, link, actor)
	if errors.Is(err, models.ErrNotFound) {
		return h.linkExpired(c, merchant, link) // revoked or expired a moment ago
	} else if err != nil {
		return err
	}
	expires := session.CreatedAt.Add(models.AbsoluteSessionTimeout)
	if link.ExpiresAt.Before(expires) {
		expires = link.ExpiresAt
	}
	if err := h.cookies.write(c.Response(), r, session.ID, link.Framable(), expires); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, landingPath(link.Section))
}

func (h *Handler) linkExpired(c echo.Context, m *models.Merchant, link *models.PortalLink) error {
	p := h.pages.MerchantPage(c.Request(), m, link.ReturnURL, link.Locale)
	p.Title = p.T.T("notice.link_expired.title")
	return web.Render(c, http.StatusGone, views.NoticePage(p, views.NoticeView{Notice: views.NoticeLinkExpired, SupportEmail: m.SupportEmail}))
}

// landingPath is where a link's section lands.
func landingPath(section string) string {
	kind, id, _ := strings.Cut(section, ":")
	switch kind {
	case "invoice":
		return "/portal/invoices/" + id
	case "subscription":
		return "/portal/subscriptions/" + id
	case "invoices", "subscriptions", "payments", "entitlements", "profile":
		return "/portal/" + kind
	}
	return "/portal"
}
