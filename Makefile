# Portico. `make help` lists the targets.
GO      ?= go
BIN     := bin/portico
PORTICO_TEST_POSTGRES ?=
export PORTICO_TEST_POSTGRES

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: build ## start Portico on ./portico.db with demo data; prints an API key and a portal link
	./$(BIN) serve --demo --allow-private-webhooks

.PHONY: build
build: generate ## build bin/portico
	$(GO) build -o $(BIN) ./cmd/portico

.PHONY: generate
generate: ## generate the templ components' Go code
	$(GO) tool templ generate

.PHONY: test
test: generate ## run every test (also on PostgreSQL when PORTICO_TEST_POSTGRES is set)
	$(GO) test -race -count=1 -timeout 20m ./...

.PHONY: cover
cover: generate ## run every test and print each package's statement coverage by the whole suite
	@rm -rf test-output/cover && mkdir -p test-output/cover
	@$(GO) test -count=1 -timeout 20m -cover -coverpkg=./... ./... -args -test.gocoverdir=$(CURDIR)/test-output/cover > test-output/cover.log \
		|| { cat test-output/cover.log; exit 1; }
	@$(GO) tool covdata percent -i=test-output/cover | sed 's|github.com/portico/portico/||' | sort

FUZZTIME ?= 10s

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME (10s) each; new failures are kept in testdata/fuzz
	@for file in $$(grep -rl --include='*_test.go' --exclude-dir=test-output --exclude-dir=node_modules '^func Fuzz' .); do \
		for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$file); do \
			echo "fuzz $$target ($$(dirname $$file))"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) ./$$(dirname $$file) || exit 1; \
		done; \
	done

.PHONY: lint
lint: ## gofmt, go vet, staticcheck, templ fmt, and fresh generated code
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above are not formatted"; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) tool templ fmt -fail .
	$(GO) tool templ generate
	@git diff --exit-code -- '*_templ.go' || { echo "generated templ code was stale: run make generate and commit"; exit 1; }

.PHONY: bench
bench: build ## Go benchmarks, then load runs of the portal and the API against a bare Echo baseline (also on PostgreSQL when PORTICO_TEST_POSTGRES is set)
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...
	$(GO) run ./cmd/loadrun -binary $(BIN) -duration 10s -connections 32,256 -sessions 200 $(if $(PORTICO_TEST_POSTGRES),-postgres '$(PORTICO_TEST_POSTGRES)')
	$(GO) run ./cmd/loadrun -binary $(BIN) -duration 10s -overload 1000
