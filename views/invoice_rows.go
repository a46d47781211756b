package views

import (
	"context"
	"io"
)

// invoiceRows are the rows of the invoice list: each a table row on wide screens, and on a
// phone one compact line of number and amount over date and status (portico.css places the
// cells). They are the one part of a page repeated 25 times, so they are written here in Go
// rather than in templ, where each row was a dozen component calls, each a closure, a buffer
// check and a context lookup (and three more allocations a row than this).
type invoiceRows struct {
	p       *Page
	rows    []InvoiceRow
	actions bool // the list has a column of actions (Pay now)
}

// Render writes the rows, every value HTML-escaped.
func (r invoiceRows) Render(ctx context.Context, w io.Writer) error {
	p, m := r.p, newMarkup(w)
	for i := range r.rows {
		inv := &r.rows[i]
		m.raw(`<tr><th scope="row" class="key"><a href="`)
		m.portalURL(InvoiceRoute, inv.ID)
		m.raw(`">`)
		m.text(inv.Number)
		m.raw(`</a> `)
		if inv.CreditNote {
			m.raw(`<span class="hint">`)
			m.text(p.T.T("invoice.kind.credit_note"))
			m.raw(`</span>`)
		}
		m.raw(`</th><td class="status">`)
		m.badge(string(inv.Status), p.T.Tkey("invoice.status", string(inv.Status)))
		m.raw(`</td><td class="when">`)
		m.text(p.T.pageDate(inv.IssuedOn))
		m.raw(`</td><td class="wide">`)
		m.period(p, inv.Period)
		m.raw(`</td><td class="wide">`)
		if inv.DueOn != nil {
			m.text(p.T.pageDate(*inv.DueOn))
		}
		m.raw(`</td><td class="num amount">`)
		m.text(p.T.Money(inv.Total.Minor, inv.Total.Currency))
		m.raw(`</td><td class="num wide">`)
		m.text(p.T.Money(inv.AmountDue.Minor, inv.AmountDue.Currency))
		m.raw(`</td>`)
		if r.actions {
			m.raw(`<td class="row-actions">`)
			m.flush()
			if m.err == nil {
				m.err = payButton(p, inv.Pay).Render(ctx, w)
			}
			m.raw(`</td>`)
		}
		m.raw(`</tr>`)
	}
	return m.close()
}
