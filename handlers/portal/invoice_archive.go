package portal

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// maxArchiveDocuments is the most documents one year's archive holds: about 350 MB of PDFs
// and a few minutes of one core. A customer with more in one year is rare enough to be a
// matter for the merchant's back office.
const maxArchiveDocuments = 10_000

// archiveTimeout is how long one archive may take to stream. The archive route sets it
// instead of the request deadline, which would cut a large archive short.
const archiveTimeout = 10 * time.Minute

// LimitArchives allows each portal session perMinute archive requests: a person downloads a
// few years in a row; a script asking again and again gets 429 before it costs a core.
func LimitArchives(perMinute int) echo.MiddlewareFunc {
	return web.RateLimit(perMinute, func(c echo.Context) string { return portalAccess(c).Session.ID }, nil)
}

// DownloadInvoiceArchive answers GET /portal/invoices/archive?year=YYYY with a ZIP file of
// the invoices and credit notes the customer has from that calendar year (UTC; drafts never),
// each a PDF in the page's language named by its number. Something other than a year gets a
// 400 page, a year without documents a 404 page, both offering the years there are.
func (h *Handler) DownloadInvoiceArchive(c echo.Context) error {
	ctx, sc := c.Request().Context(), portalAccess(c).Scope()
	year, err := strconv.Atoi(c.QueryParam("year"))
	if err != nil || year < 1 || year > 9999 {
		return h.showArchiveNotice(c, http.StatusBadRequest, views.ArchiveNoticeView{Problem: views.ArchiveBadYear})
	}
	n, err := h.store.CountInvoicesOfYear(ctx, sc, year)
	switch {
	case err != nil:
		return err
	case n == 0:
		return h.showArchiveNotice(c, http.StatusNotFound, views.ArchiveNoticeView{Problem: views.ArchiveEmpty, Year: year})
	case n > maxArchiveDocuments:
		return h.showArchiveNotice(c, http.StatusUnprocessableEntity, views.ArchiveNoticeView{Problem: views.ArchiveTooMany, Year: year})
	}
	return h.streamArchive(c, year)
}

// showArchiveNotice answers an archive request that cannot be a ZIP file with a page that
// says why.
func (h *Handler) showArchiveNotice(c echo.Context, status int, v views.ArchiveNoticeView) error {
	years, err := h.store.InvoiceYears(c.Request().Context(), portalAccess(c).Scope())
	if err != nil {
		return err
	}
	v.Choice, v.Max = views.ArchiveChoice{Years: years}, maxArchiveDocuments
	return web.Render(c, status, views.ArchiveNoticePage(portalPage(c, views.SectionInvoices, "archive.title"), v))
}

// streamArchive writes the ZIP file one document at a time, so memory holds one PDF (and one
// batch of rows) however large the year is.
func (h *Handler) streamArchive(c echo.Context, year int) error {
	a := portalAccess(c)
	ctx, cancel := context.WithTimeout(c.Request().Context(), archiveTimeout)
	defer cancel()
	docs, err := web.LoadInvoiceDocuments(ctx, h.store, a.Merchant.ID, a.Customer.ID, h.store.Now())
	if err != nil {
		return err
	}
	t := web.PageOf(ctx).T
	res := c.Response()
	// The server's write timeout is for pages; this answer may take longer to send.
	if err := http.NewResponseController(res).SetWriteDeadline(time.Now().Add(archiveTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	name := docs.Merchant.Slug + "-" + t.Tf("archive.filename", map[string]any{"Year": year}) + ".zip"
	res.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	res.Header().Set(echo.HeaderContentType, "application/zip")
	res.WriteHeader(http.StatusOK)

	archive := zip.NewWriter(res)
	var names views.ArchiveNames
	var pdf bytes.Buffer
	err = h.store.ForEachInvoiceOfYear(ctx, a.Scope(), year, func(d *models.ArchivedDocument) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		doc, err := docs.Document(t, &d.Invoice, d.CreditedNumber)
		if err != nil {
			return err
		}
		pdf.Reset()
		if err := views.WriteInvoicePDF(&pdf, t, doc); err != nil {
			return err
		}
		// Stored, not deflated: a PDF's streams are compressed already (deflate saves ~9 %).
		entry, err := archive.CreateHeader(&zip.FileHeader{Name: names.Next(d.Number), Method: zip.Store, Modified: d.IssuedAt})
		if err != nil {
			return err
		}
		_, err = pdf.WriteTo(entry)
		return err
	})
	if err == nil {
		err = archive.Close()
	}
	if err != nil {
		// The answer is under way and cannot become an error page. Abort it, so the browser
		// reports a failed download instead of saving a cut-off archive as if it were whole.
		if !errors.Is(err, context.Canceled) {
			h.log.Error("invoice archive cut off", "err", err, "year", year, "request_id", res.Header().Get(echo.HeaderXRequestID))
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}
