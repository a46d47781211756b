package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/portico/portico/internal/testdb"
)

// TestPortalInvoiceShowsWhatWasCredited: the invoice a credit note credits shows the
// credited amount, and its amount due net of it.
func TestPortalInvoiceShowsWhatWasCredited(t *testing.T) {
	f := newBilling(t, testdb.SQLite(t), nil)
	v := f.signIn(t, "en")
	credited := f.invoices[24] // paid, then credited 10.00 by CN-0001
	doc := v.page(t, "/portal/invoices/"+credited.ID, http.StatusOK)
	totals := text(doc.Find("table.lines tfoot"))
	if !strings.Contains(totals, "Amount credited €10.00") {
		t.Errorf("totals %q: want the amount credited, €10.00", totals)
	}
	// An invoice nothing credits does not mention credits at all.
	plain := v.page(t, "/portal/invoices/"+f.invoices[23].ID, http.StatusOK)
	if strings.Contains(text(plain.Find("main")), "credited") {
		t.Error("an uncredited invoice shows an amount credited")
	}
}

// TestCreditNoteNeverRevealsADraft: a credit note written before drafts could no longer be
// credited still names its draft invoice in the database; the customer sees the note, and
// nothing of the draft.
func TestCreditNoteNeverRevealsADraft(t *testing.T) {
	f := newBilling(t, testdb.SQLite(t), nil)
	credited := f.invoices[24]
	if err := f.db.Writer().Exec("UPDATE invoices SET status = 'draft' WHERE id = ?", credited.ID).Error; err != nil {
		t.Fatal(err)
	}
	v := f.signIn(t, "en")
	doc := v.page(t, "/portal/invoices/"+f.creditNote.ID, http.StatusOK)
	if html, _ := doc.Html(); strings.Contains(html, credited.ID) || strings.Contains(html, credited.Number) {
		t.Errorf("the credit note page names the draft %s", credited.Number)
	}
	if res := v.get(t, "/portal/invoices/"+f.creditNote.ID+"/pdf"); res.StatusCode != http.StatusOK {
		t.Errorf("the credit note's PDF: %d", res.StatusCode)
	}
}
