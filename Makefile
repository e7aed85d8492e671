# Parse DMARC. `make run` builds and starts the product; `make test` runs every test.
GO        ?= go
BIN       := bin/parse-dmarc
GOFLAGS_B := -trimpath
DATA      ?= data
export CGO_ENABLED := 0

.PHONY: all build ui run test test-go test-web lint bench fuzz clean ipdb

all: build

# The dashboard (web/, Svelte + Vite) is built first: the binary embeds
# web/dist/app. A plain `go build` without it still works and serves a
# page that says how to build the dashboard.
build: ui
	$(GO) build $(GOFLAGS_B) -o $(BIN) ./cmd/parse-dmarc

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

ui: web/node_modules/.package-lock.json
	cd web && npm run build

# Serves on http://127.0.0.1:8080 with the SQLite store in ./data. The IP
# data is fetched once from the npm registry; without it the dashboard
# shows bare IPs and says why. ARGS are passed to serve, e.g.
# make run ARGS="--addr 127.0.0.1:9000".
run: build
	$(MAKE) ipdb || echo "make: no IP data (the dashboard shows bare IPs); run make ipdb later" >&2
	./$(BIN) serve $(ARGS)

# Every test: Go (unit, integration, golden, end to end, with the race
# detector, which needs cgo), the dashboard's Vitest tests and type check,
# then the browser tests (Chromium, see web/e2e) against the built binary.
test: test-go test-web

test-go: ipdb
	$(GO) vet ./...
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...

test-web: build ipdb
	cd web && npx svelte-check --tsconfig ./tsconfig.json --threshold error
	cd web && npx vitest run
	cd web && PD_BIN=../$(BIN) PD_IPDB=../$(DATA)/ipdb npm run e2e

lint:
	$(GO) vet ./...
	test -z "$$(gofmt -l .)" || (gofmt -l . && false)
	$(GO) tool staticcheck ./...

# Go benchmarks, then the commands that print the ratios the README quotes.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./cmd/parsebench
	$(GO) run ./cmd/storebench
	$(GO) run ./cmd/apibench
	$(GO) run ./cmd/anomalyeval

# Every fuzz target of the module for FUZZTIME (default 10m) each.
FUZZTIME ?= 10m
fuzz:
	sh scripts/fuzz.sh $(FUZZTIME)

# Offline IP data (ASN, organisation, country) for serve, from pinned npm
# packages into $(DATA)/ipdb; skipped when those versions are installed.
ipdb:
	sh scripts/ipdb.sh $(DATA)/ipdb

clean:
	rm -rf bin web/dist/app
