#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need
# (Debian packages), makes sure PostgreSQL is running, then runs vet, the
# unit and end-to-end tests (both store backends), and brief fuzz runs.
# Idempotent: run it as often as you like. `make test` and .ci/run call it.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		echo "need root to run: $*" >&2; return 1; fi
}

# Debian packages the end-to-end tests drive: the AWS CLI v2 (/usr/bin/aws),
# swaks (with Net::SSLeay for STARTTLS), dkimpy (/usr/bin/python3 -c 'import
# dkim'), Postfix's smtp-sink as a receiving server, and PostgreSQL when no
# server is reachable.
need_pkgs=()
[ -x /usr/bin/aws ] || need_pkgs+=(awscli)
[ -x /usr/bin/swaks ] || need_pkgs+=(swaks)
perl -MNet::SSLeay -e1 2>/dev/null || need_pkgs+=(libnet-ssleay-perl)
/usr/bin/python3 -I -c 'import dkim' 2>/dev/null || need_pkgs+=(python3-dkim)
if [ ! -x /usr/sbin/smtp-sink ]; then
	need_pkgs+=(postfix)
	# No configuration: the package only provides smtp-sink/smtp-source here.
	echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
fi
pg_up() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_up && ! command -v pg_ctlcluster >/dev/null; then need_pkgs+=(postgresql); fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
	log "installing Debian packages: ${need_pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq
	as_root apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if [ -z "${HIKYAKU_TEST_POSTGRES:-}" ]; then
	if ! pg_up; then
		log "starting PostgreSQL"
		for v in $(ls /etc/postgresql 2>/dev/null); do
			as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
		done
		for _ in $(seq 1 30); do pg_up && break; sleep 1; done
	fi
	pg_up || { echo "PostgreSQL is not running on 127.0.0.1:5432 and could not be started" >&2; exit 1; }
	export HIKYAKU_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
fi
log "PostgreSQL: $HIKYAKU_TEST_POSTGRES"

log "go vet"
go vet ./...

log "gofmt"
unformatted=$(gofmt -l cmd internal e2e 2>/dev/null || true)
if [ -n "$unformatted" ]; then echo "gofmt needed on:"; echo "$unformatted"; exit 1; fi

log "go test (unit, integration, end-to-end)"
go test -count=1 -timeout 20m ./...

log "go test -race (concurrent packages)"
go test -count=1 -race -timeout 20m ./internal/store/... ./internal/intake/... ./internal/sesapi/... \
	./internal/smtpd/... ./internal/shaping/... ./internal/delivery/... ./internal/queue/... \
	./internal/publish/... ./internal/osslrsa/... ./internal/configset/... ./internal/topic/... ./internal/mx/...

log "fuzzing briefly"
# An iteration count rather than a duration: a duration makes the fuzzer
# fail with "context deadline exceeded" when the deadline lands while it is
# minimising a new input, which is noise, not a finding.
fuzz() { go test -run '^$' -fuzz "^$2\$" -fuzztime "${FUZZTIME:-100000x}" "$1"; }
fuzz ./internal/sesapi/query FuzzDecode
fuzz ./internal/compose FuzzParseRaw
fuzz ./internal/address FuzzParse
fuzz ./internal/sigv4 FuzzParseAuthorization
fuzz ./internal/verp FuzzDecode
fuzz ./internal/feedback FuzzParse
fuzz ./internal/events FuzzHeadersFrom
fuzz ./internal/template FuzzRender
fuzz ./internal/template FuzzDecodeJSON
fuzz ./internal/delivery FuzzDotWriter

log "all tests passed"
