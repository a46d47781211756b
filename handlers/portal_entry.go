package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// openLink is the portal's door, GET /p/<token>. A usable link starts a new session (each
// opening does: an email scanner's visit never burns the link) and answers 303 to the
// landing section, so the token leaves the address bar and the history. Unknown, expired
// and revoked links get a friendly page instead.
func (h *PortalHandler) openLink(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	// The lookup is by the token's SHA-256, so its time does not depend on how much of a
	// guessed token matches.
	link, err := h.store.FindPortalLink(ctx, c.Param("token"))
	if errors.Is(err, models.ErrNotFound) {
		p := h.pages.page(chooseLanguage(r, ""), "")
		p.Title = p.T.T("notice.link_invalid.title")
		return render(c, http.StatusNotFound, views.NoticePage(p, views.NoticeView{Notice: views.NoticeLinkInvalid}))
	} else if err != nil {
		return err
	}
	merchant, err := h.store.GetMerchant(ctx, link.MerchantID)
	if err != nil {
		return err
	}
	if link.Framable() {
		allowFraming(c, link.FrameAncestors)
	}
	if !link.Usable(h.now().UTC()) {
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

func (h *PortalHandler) linkExpired(c echo.Context, m *models.Merchant, link *models.PortalLink) error {
	p := h.pages.merchantPage(c.Request(), m, link, "")
	p.Title = p.T.T("notice.link_expired.title")
	return render(c, http.StatusGone, views.NoticePage(p, views.NoticeView{Notice: views.NoticeLinkExpired, SupportEmail: m.SupportEmail}))
}
