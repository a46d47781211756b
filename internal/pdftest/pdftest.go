// Package pdftest reads PDFs back the way people and machines do, for tests: the text
// (poppler's pdftotext), the document information (pdfinfo), and where each word sits on
// its page. Without poppler the calling test skips loudly, and fails under CI=true.
package pdftest

import (
	"bytes"
	"html"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// run runs one of poppler's tools on a PDF given on standard input.
func run(t testing.TB, tool string, pdf []byte, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath(tool)
	if err != nil {
		msg := "PDF TESTS SKIPPED: no " + tool + " (Debian: apt-get install -y poppler-utils)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(pdf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v: %s", tool, err, stderr.String())
	}
	return string(out)
}

// Text is a PDF's text in the order it was written (a label, then its value), whitespace,
// no-break spaces included, folded to single spaces.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	return FoldSpaces(run(t, "pdftotext", pdf, "-raw", "-enc", "UTF-8", "-", "-"))
}

// FoldSpaces folds runs of whitespace, CLDR's no-break spaces included, to single spaces.
func FoldSpaces(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)), " ")
}

// Info is the document information pdfinfo reports ("Title", "Pages", …).
func Info(t testing.TB, pdf []byte) map[string]string {
	t.Helper()
	info := map[string]string{}
	for line := range strings.Lines(run(t, "pdfinfo", pdf, "-enc", "UTF-8", "-")) {
		if key, value, ok := strings.Cut(line, ":"); ok {
			info[key] = strings.TrimSpace(value)
		}
	}
	return info
}

// Word is a word where pdftotext found it, in points from its page's top left corner.
type Word struct {
	Page                   int
	Text                   string
	XMin, YMin, XMax, YMax float64
}

var (
	bboxPage = regexp.MustCompile(`<page width=`)
	bboxWord = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

// Words lists every word of a PDF with its box (pdftotext -bbox).
func Words(t testing.TB, pdf []byte) []Word {
	t.Helper()
	var words []Word
	page := 0
	for line := range strings.Lines(run(t, "pdftotext", pdf, "-bbox", "-enc", "UTF-8", "-", "-")) {
		if bboxPage.MatchString(line) {
			page++
			continue
		}
		if m := bboxWord.FindStringSubmatch(line); m != nil {
			w := Word{Page: page, Text: html.UnescapeString(m[5])}
			for i, f := range []*float64{&w.XMin, &w.YMin, &w.XMax, &w.YMax} {
				*f, _ = strconv.ParseFloat(m[i+1], 64)
			}
			words = append(words, w)
		}
	}
	return words
}
