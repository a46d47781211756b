package web

import (
	"bytes"
	stdgzip "compress/gzip"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// gunzip is what a browser makes of a compressed page.
func gunzip(compressed *bytes.Buffer) ([]byte, error) {
	zr, err := stdgzip.NewReader(compressed)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// tableRows is a page body of n invoice rows.
func tableRows(i, n int) []byte {
	return bytes.Repeat(fmt.Appendf(nil, "<tr><td>INV-%04d</td><td>1.234,56 €</td></tr>", i), n)
}

// Pages compressed from many goroutines at once come out whole, by at most one kept writer
// per CPU, every one of them free again afterwards.
func TestPageWriters(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			page := tableRows(i, 300)
			var out bytes.Buffer
			gzipInto(&out, page)
			if got, err := gunzip(&out); err != nil || !bytes.Equal(got, page) {
				errs <- fmt.Errorf("page %d: %d bytes back of %d (%v)", i, len(got), len(page), err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	if len(pageWriters) != runtime.GOMAXPROCS(0) {
		t.Fatalf("%d page writers free after the work, want all %d", len(pageWriters), runtime.GOMAXPROCS(0))
	}
	made := 0
	for range cap(pageWriters) {
		zw := <-pageWriters
		if zw != nil {
			made++
		}
		defer func() { pageWriters <- zw }()
	}
	if made == 0 {
		t.Error("no page writer was made for 64 pages")
	}
}

// With every page writer taken, a page is compressed all the same, at once, whole.
func TestPageWithoutAFreeWriter(t *testing.T) {
	var held []*gzip.Writer
	for range cap(pageWriters) {
		held = append(held, <-pageWriters)
	}
	defer func() {
		for _, zw := range held {
			pageWriters <- zw
		}
	}()
	page := tableRows(7, 300)
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		gzipInto(&out, page)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the page waited for a writer")
	}
	if got, err := gunzip(&out); err != nil || !bytes.Equal(got, page) {
		t.Fatalf("%d bytes back of %d (%v)", len(got), len(page), err)
	}
	if len(pageWriters) != 0 {
		t.Errorf("%d page writers appeared while all were taken", len(pageWriters))
	}
}
