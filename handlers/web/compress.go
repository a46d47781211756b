package web

import (
	"bytes"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
)

// minCompressSize is the smallest body worth compressing: below about a packet, gzip saves
// no round trip and costs CPU on both ends.
const minCompressSize = 1024

// maxPooledBuffer keeps an unusually large body's buffer out of the pool, so one big
// answer does not pin its memory for every later small one.
const maxPooledBuffer = 256 << 10

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	buffers.Put(b)
}

// Pages and streamed responses are gzipped by klauspost's level-1 writers: as fast as its
// stateless encoder and as small (2,633 against 2,648 B for the 12.8 KB invoice list), with
// their tables, about 800 KB, in the writer. The stateless encoder keeps a 16 KB table on the
// stack instead, which grows the goroutine's stack to 32 KB: used for every page, that was
// more memory at 256 connections than the writers (see the README's performance notes).

// pageWriters compress finished pages, one writer per CPU, each made when first needed and
// then kept. A page that finds them all taken, by goroutines the scheduler or the collector
// parked mid-compression, is compressed by the stateless encoder: about 1 page in 70 at 256
// connections. Neither waiting nor a pool does better there: a pool made a new writer for
// each such page, ten or more at once, taking the live heap from 11 MB to 30–60 MB; and
// waiting for a writer kept each waiting request's rendered page, up to 13 MB more heap.
var pageWriters = func() chan *gzip.Writer {
	free := make(chan *gzip.Writer, runtime.GOMAXPROCS(0))
	for range cap(free) {
		free <- nil // made when first needed
	}
	return free
}()

// gzipInto compresses body into dst.
func gzipInto(dst *bytes.Buffer, body []byte) {
	var zw *gzip.Writer
	select {
	case zw = <-pageWriters:
		if zw == nil {
			zw = newGzipWriter()
		}
		defer func() { pageWriters <- zw }()
		zw.Reset(dst)
	default:
		zw, _ = gzip.NewWriterLevel(dst, gzip.StatelessCompression) // a valid level cannot fail
	}
	zw.Write(body) // writes to a bytes.Buffer cannot fail
	zw.Close()
	zw.Reset(nil) // let go of dst
}

// gzipWriters compress the responses Compress streams. Such a writer is held while the body
// goes out, however slowly the client reads: these come from a pool.
var gzipWriters = sync.Pool{New: func() any { return newGzipWriter() }}

func newGzipWriter() *gzip.Writer {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // a valid level cannot fail
	return w
}

// putGzip returns a streaming writer to the pool, letting go of what it wrote to.
func putGzip(zw *gzip.Writer) {
	zw.Reset(nil)
	gzipWriters.Put(zw)
}

// AcceptsGzip reports whether the request's Accept-Encoding admits gzip (by name or by *,
// with a q-value above zero).
func AcceptsGzip(r *http.Request) bool {
	for _, value := range r.Header.Values(echo.HeaderAcceptEncoding) {
		for part := range strings.SplitSeq(value, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.TrimSpace(coding)
			if !strings.EqualFold(coding, "gzip") && coding != "*" {
				continue
			}
			q, found := strings.CutPrefix(strings.TrimSpace(params), "q=")
			if !found {
				return true
			}
			if v, err := strconv.ParseFloat(q, 64); err == nil && v > 0 {
				return true
			}
		}
	}
	return false
}

// VaryOnEncoding tells caches that the body depends on Accept-Encoding, once however many
// layers say so.
func VaryOnEncoding(h http.Header) {
	for _, v := range h.Values(echo.HeaderVary) {
		if strings.Contains(strings.ToLower(v), "accept-encoding") {
			return
		}
	}
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
}

// compressible is the content worth gzipping: text and the structured formats; images,
// PDFs and archives are compressed already.
func compressible(contentType string) bool {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	return strings.HasPrefix(mediaType, "text/") || mediaType == echo.MIMEApplicationJSON ||
		strings.HasSuffix(mediaType, "+json") || strings.HasSuffix(mediaType, "+xml") || mediaType == "application/xml"
}

// Compress gzips the responses that are not compressed already (pages and static assets
// are, once, by Render and the asset handler): JSON and other text of at least
// minCompressSize bytes, for clients that accept gzip. Bodies are held until they reach
// that size, so a small answer goes out plain with its Content-Length; a writer is taken
// from a pool only while it compresses.
func Compress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		VaryOnEncoding(res.Header())
		// A HEAD's body is discarded: compressing it would be work for nothing.
		if c.Request().Method == http.MethodHead || !AcceptsGzip(c.Request()) {
			return next(c)
		}
		w := &compressWriter{ResponseWriter: res.Writer}
		res.Writer = w
		defer func() {
			w.finish()
			res.Writer = w.ResponseWriter
		}()
		return next(c)
	}
}

// compressWriter decides at the first bytes of the body whether to compress, and holds
// the status until then.
type compressWriter struct {
	http.ResponseWriter
	status  int           // held until decided
	buf     *bytes.Buffer // the body's first bytes, until decided
	zw      *gzip.Writer  // set once compressing
	decided bool
}

func (w *compressWriter) WriteHeader(status int) {
	if w.decided {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.status = status
	h := w.Header()
	length, err := strconv.Atoi(h.Get(echo.HeaderContentLength))
	if h.Get(echo.HeaderContentEncoding) != "" || !bodyAllowed(status) || !compressible(h.Get(echo.HeaderContentType)) ||
		(err == nil && length < minCompressSize) {
		w.startPlain()
	}
}

func (w *compressWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case w.zw != nil:
		return w.zw.Write(b)
	case w.decided:
		return w.ResponseWriter.Write(b)
	}
	if w.buf == nil {
		w.buf = getBuffer()
	}
	w.buf.Write(b)
	if w.buf.Len() >= minCompressSize {
		if err := w.startGzip(); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// Flush sends what is held, compressed since the rest's length is unknown.
func (w *compressWriter) Flush() {
	if !w.decided && w.status != 0 {
		w.startGzip()
	}
	if w.zw != nil {
		w.zw.Flush()
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *compressWriter) startPlain() {
	w.decided = true
	w.ResponseWriter.WriteHeader(w.status)
}

func (w *compressWriter) startGzip() error {
	w.decided = true
	h := w.Header()
	h.Set(echo.HeaderContentEncoding, "gzip")
	h.Del(echo.HeaderContentLength)
	w.ResponseWriter.WriteHeader(w.status)
	w.zw = gzipWriters.Get().(*gzip.Writer)
	w.zw.Reset(w.ResponseWriter)
	_, err := w.zw.Write(w.buf.Bytes())
	putBuffer(w.buf)
	w.buf = nil
	return err
}

// finish ends the response: a body that stayed under minCompressSize goes out plain with
// its length; a compressed one gets its gzip trailer.
func (w *compressWriter) finish() {
	switch {
	case w.zw != nil:
		w.zw.Close()
		putGzip(w.zw)
	case !w.decided && w.status != 0:
		var body []byte
		if w.buf != nil {
			body = w.buf.Bytes()
		}
		w.Header().Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
		w.startPlain()
		w.ResponseWriter.Write(body)
	}
	if w.buf != nil {
		putBuffer(w.buf)
	}
}

// bodyAllowed is false for the statuses that carry no body (1xx, 204, 304).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
