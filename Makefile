# hikyaku: `make` builds, `make test` runs the whole suite (installing what
# it needs), `make serve` runs hikyaku on the embedded store.
GO ?= go
BIN := bin/hikyaku

.PHONY: all build test test-short lint fuzz bench bench-compare serve clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/hikyaku

serve: build
	./$(BIN) serve --data ./hikyaku-data

test:
	./scripts/test.sh

test-short:
	$(GO) test -short ./...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l cmd internal e2e); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@if command -v staticcheck >/dev/null; then staticcheck ./...; else echo "staticcheck not installed (go install honnef.co/go/tools/cmd/staticcheck@latest)"; fi

FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./internal/sesapi/query
	$(GO) test -run '^$$' -fuzz '^FuzzParseRaw$$' -fuzztime $(FUZZTIME) ./internal/compose
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/address
	$(GO) test -run '^$$' -fuzz '^FuzzParseAuthorization$$' -fuzztime $(FUZZTIME) ./internal/sigv4
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./internal/verp
	$(GO) test -run '^$$' -fuzz '^FuzzSign$$' -fuzztime $(FUZZTIME) ./internal/dkim
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/feedback
	$(GO) test -run '^$$' -fuzz '^FuzzHeadersFrom$$' -fuzztime $(FUZZTIME) ./internal/events
	$(GO) test -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME) ./internal/template
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeJSON$$' -fuzztime $(FUZZTIME) ./internal/template

# Durable intake end to end, with the disk's fsync rate as the same-run
# reference; figures go to BENCHMARKS.md.
bench:
	$(GO) test -run '^$$' -bench 'SendEmail|FsyncAppend' -benchtime 20000x -count 3 ./internal/node
	$(GO) test -run '^$$' -bench BenchmarkInsertMessage -benchtime 3s ./internal/store/sqlite ./internal/store/postgres

# hikyaku and Postfix side by side in one run: the raw smtp-source -> smtp-sink limit,
# Postfix with and without OpenDKIM, hikyaku with DKIM on and off through SMTP and the
# API, for 1, 10 and 100 KB; prints the table. As root (it runs a private Postfix and
# installs what it needs). Tunables: SIZES, N, RUNS, ... (see bench/compare.sh), e.g.
# `make bench-compare N=200 SIZES=1024` for a quick check.
bench-compare:
	bash bench/compare.sh

clean:
	rm -rf bin
