package views

import (
	"strconv"
	"strings"
	"unicode"
)

// ArchiveChoice is the invoice list's year picker: the years the customer has documents in,
// newest first.
type ArchiveChoice struct {
	Years []int
}

// ArchiveProblem is why a year's archive cannot be downloaded.
type ArchiveProblem string

// The reasons an archive request gets a page instead of a ZIP file.
const (
	ArchiveBadYear ArchiveProblem = "bad_year" // not a year
	ArchiveEmpty   ArchiveProblem = "empty"    // no documents that year
	ArchiveTooMany ArchiveProblem = "too_many" // more documents than one archive holds
)

// ArchiveNoticeView is the page that answers an archive request with a problem.
type ArchiveNoticeView struct {
	Problem ArchiveProblem
	Year    int
	Max     int           // the most documents one archive holds
	Choice  ArchiveChoice // the years that can be downloaded instead
}

// PDFFileName is the file name a document downloads as: its number, made safe for every
// file system ("2026/0042" becomes "2026_0042.pdf").
func PDFFileName(number string) string {
	return safeFileStem(number) + ".pdf"
}

// safeFileStem keeps letters, digits, '-', '_' and inner dots of name and replaces anything
// else (path separators, quotes, control characters, spaces) with '_'. A name that would be
// empty, or one of the device names Windows reserves, gets a leading '_'.
func safeFileStem(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	stem := strings.Trim(b.String(), ".")
	if stem == "" || windowsDeviceNames[strings.ToUpper(strings.SplitN(stem, ".", 2)[0])] {
		stem = "_" + stem
	}
	return stem
}

// windowsDeviceNames cannot be file names on Windows, with any extension.
var windowsDeviceNames = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// ArchiveNames gives the documents of an archive file names that are safe and unique, also
// on file systems that ignore case: the second "A/1" (or "a_1") becomes "A_1-2.pdf".
type ArchiveNames struct {
	taken map[string]bool
}

// Next is the file name of the next document, by its number.
func (n *ArchiveNames) Next(number string) string {
	if n.taken == nil {
		n.taken = map[string]bool{}
	}
	stem := safeFileStem(number)
	name := stem + ".pdf"
	for i := 2; n.taken[strings.ToLower(name)]; i++ {
		name = stem + "-" + strconv.Itoa(i) + ".pdf"
	}
	n.taken[strings.ToLower(name)] = true
	return name
}
