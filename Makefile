# Parse DMARC. `make run` builds and starts the product; `make test` runs every test.
GO        ?= go
BIN       := bin/parse-dmarc
GOFLAGS_B := -trimpath
export CGO_ENABLED := 0

.PHONY: all build run test lint bench fuzz clean ipdb

all: build

build:
	$(GO) build $(GOFLAGS_B) -o $(BIN) ./cmd/parse-dmarc

# Serves on http://127.0.0.1:8080 with the SQLite store in ./data.
# ARGS are passed to serve, e.g. make run ARGS="--addr 127.0.0.1:9000".
run: build
	./$(BIN) serve $(ARGS)

# Unit, integration, golden and end-to-end tests, with the race detector
# (which needs cgo).
test:
	$(GO) vet ./...
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...

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

# Each fuzz target for FUZZTIME (default 10m).
FUZZTIME ?= 10m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecoder$$' -fuzztime $(FUZZTIME) ./internal/aggregate
	for f in FuzzWalk FuzzMail FuzzMbox; do $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./internal/ingest || exit 1; done

# Offline IP data (ASN, organisation, country) for serve, from pinned npm
# packages into $(DATA)/ipdb; skipped when those versions are installed.
DATA ?= data
ipdb:
	sh scripts/ipdb.sh $(DATA)/ipdb

clean:
	rm -rf bin
