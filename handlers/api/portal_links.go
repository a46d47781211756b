package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

type portalLinkRequest struct {
	ExpiresIn      *int64          `json:"expires_in"`
	IdleTimeout    *int64          `json:"idle_timeout"`
	FrameAncestors json.RawMessage `json:"frame_ancestors"`
	ReturnURL      string          `json:"return_url"`
	Locale         string          `json:"locale"`
	Section        string          `json:"section"`
	// SendEmail mails the link to the customer (or to EmailTo: the customer's address or
	// one of its contacts').
	SendEmail          bool   `json:"send_email"`
	EmailTo            string `json:"email_to"`
	InvalidateExisting bool   `json:"invalidate_existing"`
}

// input reads the request's seconds and its allow-list, given as one space-separated string
// or as an array of strings.
func (r portalLinkRequest) input() (models.PortalLinkInput, error) {
	in := models.PortalLinkInput{ReturnURL: r.ReturnURL, Locale: r.Locale, Section: r.Section, InvalidateExisting: r.InvalidateExisting}
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
		return in, &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "parameter_type_invalid", Param: "frame_ancestors",
			Message: "frame_ancestors must be a space-separated string or an array of strings."}
	}
	return in, nil
}

// MintPortalLink answers 201 with the link's URL, which holds the token: the only time it
// is shown, since only its hash is kept. With send_email the link is also queued for mail
// in the same transaction, and the answer says where it goes.
func (h *Handler) MintPortalLink(c echo.Context) error {
	req, err := bind[portalLinkRequest](c)
	if err != nil {
		return err
	}
	in, err := req.input()
	if err != nil {
		return err
	}
	if req.EmailTo != "" && !req.SendEmail {
		return invalidField("email_to", "requires_send_email", "is only taken with send_email: true")
	}
	ctx, sc := c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id"))
	var link *models.PortalLink
	var token string
	var email *models.Email
	if req.SendEmail {
		link, token, email, err = h.store.SendPortalLink(ctx, sc, apiActor(c), in, req.EmailTo)
	} else {
		link, token, err = h.store.MintPortalLink(ctx, sc, apiActor(c), in)
	}
	if err != nil {
		return err
	}
	v := mintedLinkJSON{PortalLinkResource: link.Resource()}
	v.URL = PortalLinkURL(h.baseURL, token)
	if email != nil {
		v.Email = &sentEmailJSON{ID: email.ID, To: email.Recipient, Status: emailStatuses[email.State]}
	}
	return c.JSON(http.StatusCreated, v)
}

// mintedLinkJSON is a link as minting answers it: with where it was mailed, if it was.
type mintedLinkJSON struct {
	models.PortalLinkResource
	Email *sentEmailJSON `json:"email,omitempty"` // only when minted with send_email
}

func (h *Handler) ListPortalLinks(c echo.Context) error {
	page, err := listQuery(c)
	if err != nil {
		return err
	}
	rows, info, err := h.store.ListPortalLinks(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, (*models.PortalLink).Resource)
}

// RevokeCustomerPortalLinks revokes every link of a customer that is not revoked yet, and
// ends their sessions: the answer when a link reached the wrong inbox.
func (h *Handler) RevokeCustomerPortalLinks(c echo.Context) error {
	n, err := h.store.RevokeCustomerPortalLinks(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), apiActor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"object": "portal_link_revocation", "revoked": n})
}

// RevokePortalLink ends a link and every session opened from it, at once.
func (h *Handler) RevokePortalLink(c echo.Context) error {
	if _, err := h.store.RevokePortalLink(c.Request().Context(), models.MerchantScope(merchantID(c)), apiActor(c), param(c, "id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// PortalLinkURL is the address of a portal link: always built from the configured base URL,
// never from the request's Host header.
func PortalLinkURL(base *url.URL, token string) string {
	return base.String() + views.EntryURL(token)
}
