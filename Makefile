# hikyaku: `make` builds, `make test` runs the whole suite (installing what
# it needs), `make serve` runs hikyaku on the embedded store.
GO ?= go
BIN := bin/hikyaku

.PHONY: all build test test-short lint fuzz bench serve clean

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

# Durable intake end to end, with the disk's fsync rate as the same-run
# reference; figures go to BENCHMARKS.md.
bench:
	$(GO) test -run '^$$' -bench 'SendEmail|FsyncAppend' -benchtime 20000x -count 3 ./internal/node
	$(GO) test -run '^$$' -bench BenchmarkInsertMessage -benchtime 3s ./internal/store/sqlite ./internal/store/postgres

clean:
	rm -rf bin
