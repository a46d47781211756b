# syntax=docker/dockerfile:1
# Portico's image. SQLite is compiled in (cgo), so the binary is built against Debian's glibc
# and runs on distroless/base (glibc, CA certificates, tzdata, nothing else), as the
# distroless non-root user, with the SQLite data directory as a volume.
#
#   docker build -t portico .
#   docker run -p 8080:8080 -v portico-data:/data portico serve --demo

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/portico ./cmd/portico \
    && mkdir -p /out/data

FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/portico /usr/local/bin/portico
# The data directory belongs to the non-root user (65532), so a new volume does too.
COPY --from=build --chown=65532:65532 /out/data /data
ENV PORTICO_ADDR=:8080 \
    PORTICO_DATABASE=/data/portico.db \
    PORTICO_METRICS_ADDR=:9464 \
    PORTICO_LOG_FORMAT=json
VOLUME /data
# 9464 is the metrics listener: publish it only to the network your Prometheus is on.
EXPOSE 8080 9464
USER 65532:65532
# distroless has no curl: the binary asks its own /readyz (a read and a write to the database).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/usr/local/bin/portico", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/portico"]
CMD ["serve"]
