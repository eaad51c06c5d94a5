#!/usr/bin/env bash
# compare.sh - issue 6: hikyaku and Postfix side by side, in one run, on this machine
# (make bench-compare).
#
# For every message size in SIZES it measures, all on 127.0.0.1:
#   limit          smtp-source -> smtp-sink: the ceiling of the test tools and loopback
#                  (from ../shared/bench/postfix-baseline.sh)
#   postfix        smtp-source -> Postfix -> smtp-sink, no DKIM (the same baseline script)
#   postfix-dkim   the same with OpenDKIM (Debian opendkim) signing as a milter: a copy
#                  of the baseline script whose main.cf gains smtpd_milters/
#                  non_smtpd_milters = inet:127.0.0.1:MILTER_PORT and
#                  milter_default_action = tempfail, and whose CPU count includes the
#                  opendkim process; OpenDKIM signs mail from bench.test with an
#                  RSA-2048 key made here, relaxed/relaxed, rsa-sha256, as hikyaku does
#   hk-smtp-dkim   smtp-source -> hikyaku SMTP submission (trusted loopback, no AUTH,
#                  like Postfix's mynetworks) -> SQLite queue -> smtp-sink; domain
#                  identity bench.test, so every message is DKIM-signed
#   hk-smtp-nodkim the same with only the address identity a@bench.test: no signature
#   hk-api-dkim    hikyaku bench send --api (SES v2 SendEmail, Raw, SigV4, CLIENTS
#                  clients) -> hikyaku -> smtp-sink, signed
#   hk-api-nodkim  the same, unsigned
# Every case sees the same counting smtp-sink (smtp-sink -c on SINK_PORT) and the same
# submission parameters (SESSIONS smtp-source sessions, one message per connection).
#
#   accept msgs/s  N / wall time of the submitting client (smtp-source or bench send)
#   e2e msgs/s     N / time from the client's start until the sink counted all N
#   CPU s/1000     user+sys CPU of the server, from /proc, over the e2e window, per
#                  1000 messages: Postfix = master and all its children (+ opendkim);
#                  hikyaku = its process tree; limit = smtp-sink
#   peak MB        hikyaku: its peak RSS (VmHWM of the process, exact). Postfix (and the
#                  limit's smtp-sink): the peak of the summed PSS (/proc/PID/smaps_rollup)
#                  of master and its children (+ opendkim), sampled every SAMPLE s over
#                  the baseline call: PSS shares each shared page among the processes
#                  using it, so Postfix's many processes do not count their libraries
#                  many times over. RSS >= PSS, so this never flatters hikyaku.
#   ratios         hikyaku e2e / Postfix e2e, like for like: DKIM on against
#                  Postfix+OpenDKIM, DKIM off against Postfix; and e2e / limit
# Each hikyaku run: fresh data directory, the default account bootstrapped by serve,
# identities made with the admin CLI, probe messages that prove DKIM on or off (they go
# to a second, dumping smtp-sink through the same path as the case: smtp-source or
# bench send), an untimed warm-up of WARMUP messages, then the timed run. Each Postfix
# run is the baseline script's: fresh queue, restart, warm-up, timed run. OpenDKIM is
# proved to sign bench.test mail with miltertest before the first run, and
# milter_default_action = tempfail makes any message the milter did not handle a
# deferral, which the baseline's maillog check counts.
# Rounds are interleaved (round r = every size, every case once) so that load from other
# work on a shared host hits all contenders alike; medians of RUNS rounds are quoted.
#
# Usage:   sudo make bench-compare          or   sudo bench/compare.sh
#          N=200 SIZES=1024 RUNS=1 WARMUP=50 bench/compare.sh      (a quick check)
# It installs what it needs (Debian: postfix, opendkim, opendkim-tools, miltertest,
# curl, time), idempotently; building hikyaku needs Go (or set HIKYAKU_BIN).
# Tunables (environment):
#   WORK=/var/tmp/hikyaku-compare   working dir on a real disk (recreated parts each run)
#   SIZES="1024 10240 102400"       message body sizes (smtp-source -l, bench send --size)
#   N=5000          messages per timed run
#   RUNS=1          rounds (median quoted); RUNS=3 takes about three times as long
#   SESSIONS=20     parallel smtp-source sessions (Postfix and hikyaku SMTP cases)
#   CLIENTS=32      concurrent API clients (hikyaku API cases)
#   WARMUP=500      untimed messages before each timed run
#   PROBES=3        messages that prove DKIM on/off per hikyaku run
#   CASES="limit postfix postfix-dkim hk-smtp-dkim hk-smtp-nodkim hk-api-dkim hk-api-nodkim"
#                   cases to run (limit and postfix come together from one baseline call)
#   BASELINE=../shared/bench/postfix-baseline.sh (relative to the repo root)
#   HIKYAKU_BIN=    use this binary instead of building one
#   E2E_TIMEOUT=900 seconds to wait for one timed run to reach the sink
#   HTTP_PORT=2580 SMTP_PORT=2587 SINK_PORT=2600 DUMP_PORT=2601 MILTER_PORT=8891
#   SAMPLE=0.5      memory sampling interval, seconds
#   QUIET_WAIT=300 QUIET_PCT=15  before each round wait up to QUIET_WAIT s for the host
#                   to be less than QUIET_PCT % busy; 0: don't wait
#   INSTALL=1       install missing Debian packages (0: only check)
#
# Output: "run ..." lines, "median ..." lines, the table and key=value lines
# (e2e_msgs_per_s_<case>_<size>=..., ratio_<case>_<size>=..., ...) on stdout and in
# $WORK/results.txt; logs in $WORK/log/.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-/var/tmp/hikyaku-compare}
SIZES=${SIZES:-"1024 10240 102400"}
N=${N:-5000}
RUNS=${RUNS:-1}
SESSIONS=${SESSIONS:-20}
CLIENTS=${CLIENTS:-32}
WARMUP=${WARMUP:-500}
PROBES=${PROBES:-3}
CASES=${CASES:-"limit postfix postfix-dkim hk-smtp-dkim hk-smtp-nodkim hk-api-dkim hk-api-nodkim"}
BASELINE=${BASELINE:-$REPO/../shared/bench/postfix-baseline.sh}
HIKYAKU_BIN=${HIKYAKU_BIN:-}
E2E_TIMEOUT=${E2E_TIMEOUT:-900}
HTTP_PORT=${HTTP_PORT:-2580}
SMTP_PORT=${SMTP_PORT:-2587}
SINK_PORT=${SINK_PORT:-2600}
DUMP_PORT=${DUMP_PORT:-2601}
MILTER_PORT=${MILTER_PORT:-8891}
SAMPLE=${SAMPLE:-0.5}
QUIET_WAIT=${QUIET_WAIT:-300}
QUIET_PCT=${QUIET_PCT:-15}
INSTALL=${INSTALL:-1}

FROM=a@bench.test
TO=b@sink.test
KEY_ID=AKIABENCHCOMPARE0001                       # bootstrap key of each fresh hikyaku
KEY_SECRET=benchCompareSecretKey000000000000000000
RESULTS=$WORK/results.txt
LOGDIR=$WORK/log
HKDATA=$WORK/hk
DUMPDIR=$WORK/dump
ODDIR=$WORK/opendkim
SINK_OUT=$WORK/sink.out
HZ=$(getconf CLK_TCK)
T_SCRIPT0=$EPOCHREALTIME

SINK_PID='' DUMP_PID='' HK_PID='' OD_PID='' SAMPLER_PID=''

# ---------------------------------------------------------------- helpers

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

exec {NAP_FD}<> <(:)

tag() { echo "$(( $1 / 1024 ))k"; }   # 10240 -> 10k, as the baseline names sizes
port_busy() { [[ -n $(ss -Hltn "sport = :$1") ]]; }
has_case() { [[ " $CASES " == *" $1 "* ]]; }





# ---------------------------------------------------------------- memory sampler
#
# mem_sampler OUT GROUP... runs in the background and keeps, per group, the peak of the
# summed PSS (kB) of the group's processes in OUT ("kB kB ..."). A group is a list of
# comma-separated members: tree:PIDFILE (the process named in PIDFILE and its
# children), pid:PIDFILE, or a plain PID.
mem_sampler() {
    local outf=$1; shift
    local -a groups=("$@") peaks
    local g i m p pids kb changed
    for i in "${!groups[@]}"; do peaks[i]=0; done
    while :; do
        local stat; stat=$(cat /proc/[0-9]*/stat 2>/dev/null || true)
        changed=0
        for i in "${!groups[@]}"; do
            pids=
            IFS=, read -ra g <<< "${groups[i]}"
            for m in "${g[@]}"; do
                case $m in
                    tree:*) p=$(cat "${m#tree:}" 2>/dev/null | tr -d ' \n') || p=
                            [[ -n $p ]] && pids+=" $(awk -v m="$p" '{ pid = $1; sub(/^.*\) /, "")
                                if (pid == m || $2 == m) printf "%s ", pid }' <<< "$stat")" ;;
                    pid:*)  p=$(cat "${m#pid:}" 2>/dev/null | tr -d ' \n') || p=; pids+=" $p" ;;
                    *)      pids+=" $m" ;;
                esac
            done
            kb=0
            if [[ -n ${pids// /} ]]; then
                kb=$(for p in $pids; do cat "/proc/$p/smaps_rollup" 2>/dev/null || true; done |
                     awk '/^Pss:/ { s += $2 } END { print s + 0 }')
            fi
            if (( kb > peaks[i] )); then peaks[i]=$kb; changed=1; fi
        done
        if (( changed )); then echo "${peaks[*]}" > "$outf.tmp" && mv "$outf.tmp" "$outf"; fi
        nap "$SAMPLE"
    done
}
start_sampler() { : > "$1"; mem_sampler "$@" & SAMPLER_PID=$!; }
stop_sampler()  { stop_pid "$SAMPLER_PID"; SAMPLER_PID=; }
peak_mb() {   # peak_mb FILE INDEX (1-based) -> MB
    awk -v i="$2" '{ printf "%.0f", $i / 1024; f = 1 } END { if (!f) print 0 }' "$1"
}

# ---------------------------------------------------------------- packages

install_packages() {
    local need=() b
    if [[ ! -x /usr/sbin/smtp-sink || ! -x /usr/sbin/smtp-source || ! -x /usr/sbin/postfix ]]; then
        need+=(postfix)
        # "No configuration": the package provides postfix, smtp-source and smtp-sink;
        # the baseline runs its own private instance and never touches /etc/postfix.
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    fi
    if has_case postfix-dkim; then
        [[ -x /usr/sbin/opendkim ]] || need+=(opendkim)
        [[ -x /usr/sbin/opendkim-genkey || -x /usr/bin/opendkim-genkey ]] || need+=(opendkim-tools)
        command -v miltertest >/dev/null || need+=(miltertest)
    fi
    command -v curl >/dev/null || need+=(curl)
    [[ -x /usr/bin/time ]] || need+=(time)
    command -v ss >/dev/null || need+=(iproute2)
    command -v ps >/dev/null || need+=(procps)
    (( ${#need[@]} )) || return 0
    (( INSTALL )) || die "missing Debian packages: ${need[*]} (INSTALL=0)"
    log "installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy: the packages' own services (a system opendkim) may start; they are left
    # alone, idle: this script runs private instances on its own ports and files.
    apt-get install -y -qq --no-install-recommends "${need[@]}" >"$LOGDIR/apt.log" 2>&1 ||
        { tail -20 "$LOGDIR/apt.log" >&2; die "apt-get install failed"; }
}

# ---------------------------------------------------------------- OpenDKIM

opendkim_genkey() { if [[ -x /usr/sbin/opendkim-genkey ]]; then /usr/sbin/opendkim-genkey "$@"; else opendkim-genkey "$@"; fi; }

# A private OpenDKIM on 127.0.0.1:MILTER_PORT that signs mail from bench.test with a
# fresh RSA-2048 key, relaxed/relaxed, as hikyaku signs. Runs in the foreground (-f) as
# our child, so OD_PID is the filter itself; it drops to the opendkim user.
start_opendkim() {
    port_busy "$MILTER_PORT" && die "port $MILTER_PORT already in use (not by this script); set MILTER_PORT"
    rm -rf "$ODDIR"; mkdir -p "$ODDIR"
    opendkim_genkey -b 2048 -d bench.test -s bench -D "$ODDIR" || die "opendkim-genkey failed"
    cat > "$ODDIR/opendkim.conf" <<EOF
# Generated by bench/compare.sh - a private signing milter for the benchmark.
Syslog                  no
Mode                    s
Canonicalization        relaxed/relaxed
SignatureAlgorithm      rsa-sha256
KeyTable                file:$ODDIR/key.table
SigningTable            refile:$ODDIR/signing.table
InternalHosts           127.0.0.1
Socket                  inet:$MILTER_PORT@127.0.0.1
PidFile                 $ODDIR/opendkim.pid
UserID                  opendkim
RequireSafeKeys         false
EOF
    echo "bench._domainkey.bench.test bench.test:bench:$ODDIR/bench.private" > "$ODDIR/key.table"
    echo "*@bench.test bench._domainkey.bench.test" > "$ODDIR/signing.table"
    chown -R opendkim "$ODDIR"; chmod 755 "$ODDIR"
    /usr/sbin/opendkim -f -x "$ODDIR/opendkim.conf" >"$LOGDIR/opendkim.log" 2>&1 &
    OD_PID=$!
    echo "$OD_PID" > "$WORK/opendkim.pid"
    for _ in $(seq 50); do port_busy "$MILTER_PORT" && break; nap 0.1; done
    port_busy "$MILTER_PORT" || die "opendkim did not start (see $LOGDIR/opendkim.log)"
    probe_opendkim
}

# Proves that the milter signs mail from a@bench.test from 127.0.0.1, as Postfix will
# hand it over: miltertest plays the MTA and checks for an inserted DKIM-Signature.
probe_opendkim() {
    cat > "$ODDIR/probe.lua" <<EOF
local conn = mt.connect("inet:$MILTER_PORT@127.0.0.1", 20, 0.25)
if conn == nil then error("cannot connect to OpenDKIM") end
local function step(what, want)
  if mt.getreply(conn) ~= want then error(what .. ": unexpected milter reply") end
end
if mt.conninfo(conn, "localhost", "127.0.0.1") ~= nil then error("conninfo") end
step("connect", SMFIR_CONTINUE)
mt.macro(conn, SMFIC_MAIL, "i", "PROBE")
if mt.mailfrom(conn, "$FROM") ~= nil then error("mailfrom") end
step("MAIL", SMFIR_CONTINUE)
if mt.rcptto(conn, "$TO") ~= nil then error("rcptto") end
step("RCPT", SMFIR_CONTINUE)
for _, h in ipairs({{"From", "<$FROM>"}, {"To", "<$TO>"}, {"Date", "$(date -R)"}, {"Message-Id", "<probe@bench.test>"}}) do
  if mt.header(conn, h[1], h[2]) ~= nil then error("header") end
  step("header", SMFIR_CONTINUE)
end
if mt.eoh(conn) ~= nil then error("eoh") end
step("EOH", SMFIR_CONTINUE)
if mt.bodystring(conn, "probe\r\n") ~= nil then error("body") end
step("body", SMFIR_CONTINUE)
if mt.eom(conn) ~= nil then error("eom") end
if not (mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") or mt.eom_check(conn, MT_HDRADD, "DKIM-Signature")) then
  error("OpenDKIM added no DKIM-Signature")
end
print("DKIM-Signature:" .. string.gsub(string.sub(mt.getheader(conn, "DKIM-Signature", 0) or "", 1, 80), "%s+", " "))
mt.disconnect(conn)
EOF
    local sig
    sig=$(miltertest -s "$ODDIR/probe.lua" 2>&1) || { echo "$sig" >&2; die "OpenDKIM does not sign bench.test mail (see above)"; }
    log "opendkim signs: ${sig}..."
    OD_PROBE=$sig
}

stop_opendkim() { stop_pid "$OD_PID"; OD_PID=; rm -f "$WORK/opendkim.pid"; }

# The baseline script with the milter added: same measurement code, one difference in
# main.cf, and opendkim's CPU counted with Postfix's. Fails loudly if the baseline
# changed so that the edits no longer apply.
derive_opendkim_baseline() {
    local dst=$WORK/postfix-baseline-opendkim.sh
    sed -e '/^smtp_destination_concurrency_limit = \$CONCURRENCY$/a\
\
# OpenDKIM signing milter (added by hikyaku bench/compare.sh)\
smtpd_milters = inet:127.0.0.1:'"$MILTER_PORT"'\
non_smtpd_milters = inet:127.0.0.1:'"$MILTER_PORT"'\
milter_default_action = tempfail\
milter_protocol = 6' \
        -e 's/if (pid == m || \$2 == m) t += /if (pid == m || $2 == m || pid == ENVIRON["MILTER_PID"]) t += /' \
        "$BASELINE" > "$dst"
    [[ $(grep -c "^smtpd_milters = inet:127.0.0.1:$MILTER_PORT$" "$dst") == 1 &&
       $(grep -c 'pid == ENVIRON\["MILTER_PID"\]' "$dst") == 1 ]] ||
        die "cannot add the milter to $BASELINE (its main.cf or postfix_ticks changed); update derive_opendkim_baseline"
    OD_BASELINE=$dst
}

# ---------------------------------------------------------------- Postfix (the baseline)

declare -A ACC E2E CPU MEM   # "case|size" -> space-separated values, one per round

keep() { ACC[$1|$2]+=" $3"; E2E[$1|$2]+=" $4"; CPU[$1|$2]+=" $5"; MEM[$1|$2]+=" $6"; }

run_baseline() {   # run_baseline plain|opendkim SIZE ROUND
    local kind=$1 size=$2 r=$3 t script pfwork o line kv lim_us pf_us
    t=$(tag "$size")
    script=$BASELINE; pfwork=$WORK/postfix
    if [[ $kind == opendkim ]]; then script=$OD_BASELINE; pfwork=$WORK/postfix-dkim; fi
    o=$LOGDIR/baseline-$kind-$t-$r
    log "Postfix ($kind) $t round $r: $(basename "$script"), output in $o.{out,err,results.txt}"
    # memory: the sink (group 1, for the limit row) and Postfix (+ opendkim) (group 2)
    local server="tree:$pfwork/spool/pid/master.pid" milter='' fsync=0
    if [[ $kind == opendkim ]]; then server+=",$OD_PID"; milter=$OD_PID; fi
    start_sampler "$WORK/mem.$kind" "pid:$pfwork/sink.pid" "$server"
    if [[ $r == 1 && $size == "${SIZES%% *}" && $kind == plain ]]; then fsync=1; fi
    WORK=$pfwork RUNS=1 SESSIONS=$SESSIONS WARMUP=$WARMUP E2E_TIMEOUT=$E2E_TIMEOUT \
        FSYNC_PROBE=$fsync CASES="$size:$N" MILTER_PID=$milter \
        bash "$script" > "$o.out" 2> >(tee "$o.err" >&2) ||
        { stop_sampler; die "Postfix baseline ($kind) failed (see $o.err)"; }
    stop_sampler
    cp "$pfwork/results.txt" "$o.results.txt"
    sed "s/^/# $kind-baseline $t #$r: /" "$o.results.txt" | grep -v ': #   ' >> "$RESULTS"
    local ml; ml=$(grep '^# maillog:' "$o.results.txt" || true)
    [[ $ml =~ deferred/bounced\ 0\; ]] || die "Postfix ($kind) deferred or bounced mail: $ml (see $pfwork/log/maillog)"
    declare -A f=()
    while read -r line; do
        f=()
        for kv in $line; do [[ $kv == *=* ]] && f[${kv%%=*}]=${kv#*=}; done
        case $line in
            "run limit "*)
                lim_us=$(calc "1e6 * ${f[sink_cpu_s]} / $N" 0)
                if [[ $kind == plain ]] && has_case limit; then
                    keep limit "$size" "${f[msgs_per_s]}" "${f[msgs_per_s]}" "$lim_us" "$(peak_mb "$WORK/mem.$kind" 1)"
                    out "run limit size=$t round=$r msgs_per_s=${f[msgs_per_s]} sink_cpu_us_per_msg=$lim_us" \
                        "sink_peak_pss_mb=$(peak_mb "$WORK/mem.$kind" 1)"
                fi ;;
            "run e2e "*)
                local c=postfix; [[ $kind == opendkim ]] && c=postfix-dkim
                pf_us=${f[postfix_cpu_us_per_msg]}
                keep "$c" "$size" "${f[accept_msgs_per_s]}" "${f[e2e_msgs_per_s]}" "$pf_us" "$(peak_mb "$WORK/mem.$kind" 2)"
                out "run $c size=$t round=$r accept_msgs_per_s=${f[accept_msgs_per_s]} e2e_msgs_per_s=${f[e2e_msgs_per_s]}" \
                    "cpu_us_per_msg=$pf_us peak_pss_mb=$(peak_mb "$WORK/mem.$kind" 2)" \
                    "src_cpu_s=${f[src_cpu_s]} machine_busy_pct,iowait_pct=${f[machine_busy_pct,iowait_pct]}" ;;
        esac
    done < <(grep -E "^run (limit|e2e) size=$t " "$o.results.txt")
    [[ -n ${E2E[postfix|$size]:-}${E2E[postfix-dkim|$size]:-} ]] || die "no e2e result in $o.results.txt"
    if [[ -z ${DISK_RATE:-} ]]; then DISK_RATE=$(sed -n 's/^disk_dsync_10k_appends_per_s=//p' "$o.results.txt"); fi
}

# ---------------------------------------------------------------- sinks

sink_count() {   # messages the counting sink has seen: its last "mesg=N"
    local s
    s=$(tail -c 200 "$SINK_OUT" 2>/dev/null)
    [[ $s == *mesg=* ]] || { echo 0; return; }
    s=${s##*mesg=}; s=${s%%[!0-9]*}
    echo "${s:-0}"
}

wait_sink() {   # wait_sink TARGET TIMEOUT_S
    local deadline=$(( $(now_us) + $2 * 1000000 ))
    while (( $(sink_count) < $1 )); do
        (( $(now_us) > deadline )) && return 1
        nap 0.05
    done
}

start_sinks() {   # the counting sink (never dumps, as in the baseline) and the probe dump
    port_busy "$SINK_PORT" && die "port $SINK_PORT already in use (not by this script)"
    port_busy "$DUMP_PORT" && die "port $DUMP_PORT already in use (not by this script)"
    smtp-sink -c -m 1000 -u postfix "127.0.0.1:$SINK_PORT" 1000 >"$SINK_OUT" 2>"$LOGDIR/sink.err" &
    SINK_PID=$!; echo "$SINK_PID" > "$WORK/sink.pid"
    mkdir -p "$DUMPDIR"; chown postfix "$DUMPDIR"
    (cd "$DUMPDIR" && exec smtp-sink -d "$DUMPDIR/m." -u postfix "127.0.0.1:$DUMP_PORT" 100 \
        >/dev/null 2>"$LOGDIR/dump-sink.err") &
    DUMP_PID=$!; echo "$DUMP_PID" > "$WORK/dump.pid"
    for _ in $(seq 50); do port_busy "$SINK_PORT" && port_busy "$DUMP_PORT" && return 0; nap 0.1; done
    die "smtp-sink did not start (see $LOGDIR/sink.err, dump-sink.err)"
}

stop_sinks() {
    stop_pid "$SINK_PID"; SINK_PID=; rm -f "$WORK/sink.pid"
    stop_pid "$DUMP_PID"; DUMP_PID=; rm -f "$WORK/dump.pid"
}

# ---------------------------------------------------------------- hikyaku

hk_admin() { "$HK" "$@" --data "$HKDATA" --log-level warn >>"$LOGDIR/admin.log" 2>&1 ||
                 die "hikyaku $* failed (see $LOGDIR/admin.log)"; }
http_get() { curl -fsS --max-time 5 "http://127.0.0.1:$HTTP_PORT$1"; }
metric() {   # metric NAME -> value from /metrics (0 if absent)
    http_get /metrics 2>/dev/null | awk -v n="$1" '$1 == n { printf "%.0f", $2; f = 1 } END { if (!f) print 0 }'
}

start_hikyaku() {   # start_hikyaku LOGFILE
    port_busy "$SMTP_PORT" && die "port $SMTP_PORT already in use (not by this script)"
    port_busy "$HTTP_PORT" && die "port $HTTP_PORT already in use (not by this script)"
    HIKYAKU_BOOTSTRAP_ACCESS_KEY_ID=$KEY_ID HIKYAKU_BOOTSTRAP_SECRET_ACCESS_KEY=$KEY_SECRET \
    "$HK" serve --data "$HKDATA" --http "127.0.0.1:$HTTP_PORT" --smtp "127.0.0.1:$SMTP_PORT" \
        --smtps off --mx off \
        --route "sink.test=127.0.0.1:$SINK_PORT" --route "dump.test=127.0.0.1:$DUMP_PORT" \
        --route "bench.test=127.0.0.1:$DUMP_PORT" \
        --smtp-trusted-networks 127.0.0.0/8 --smtp-trusted-account default \
        --log-level warn >>"$1" 2>&1 &
    HK_PID=$!; echo "$HK_PID" > "$WORK/hikyaku.pid"
    for _ in $(seq 100); do
        alive "$HK_PID" || { tail -5 "$1" >&2; die "hikyaku exited at start (see $1)"; }
        if port_busy "$SMTP_PORT" && http_get /healthz >/dev/null 2>&1; then return 0; fi
        nap 0.1
    done
    die "hikyaku did not start listening on $SMTP_PORT/$HTTP_PORT (see $1)"
}

stop_hikyaku() { stop_pid "$HK_PID" TERM 40; HK_PID=; rm -f "$WORK/hikyaku.pid"; }

# Fresh data directory, account "default" bootstrapped by serve's first start (with the
# fixed key the API cases sign with), and the identity of the case: the domain
# bench.test (it gets a DKIM key: signed) or the address a@bench.test (unsigned).
fresh_hikyaku() {   # fresh_hikyaku dkim|nodkim LOGFILE
    rm -rf "$HKDATA" "$DUMPDIR"/m.*; mkdir -p "$HKDATA"
    start_hikyaku "$2"; stop_hikyaku
    if [[ $1 == dkim ]]; then
        hk_admin identity create bench.test; hk_admin identity verify bench.test
    else
        hk_admin identity create "$FROM"; hk_admin identity verify "$FROM"
    fi
    start_hikyaku "$2"
}

# submit VIA SIZE COUNT RCPT_DOMAIN: the client of the case; "wall user sys" of the
# client in $WORK/client.time.
submit() {
    local via=$1 size=$2 count=$3 dom=$4
    if [[ $via == smtp ]]; then
        /usr/bin/time -f '%e %U %S' -o "$WORK/client.time" \
            smtp-source -s "$SESSIONS" -l "$size" -m "$count" -f "$FROM" -t "b@$dom" "127.0.0.1:$SMTP_PORT" \
            >>"$LOGDIR/client.log" 2>&1
    else
        AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$KEY_SECRET \
        /usr/bin/time -f '%e %U %S' -o "$WORK/client.time" \
            "$HK" bench send --api "http://127.0.0.1:$HTTP_PORT" --clients "$CLIENTS" --count "$count" \
            --size "$size" --from "$FROM" --to "$dom" --json --progress=false --strict \
            >"$WORK/send.json" 2>>"$LOGDIR/client.log" ||
            { cat "$WORK/send.json" >> "$LOGDIR/client.log"; return 1; }
    fi
}
client_cpu() { awk '{ print $2 + $3 }' "$WORK/client.time"; }

# PROBES messages to dump.test through the case's path; all must carry DKIM-Signature
# (dkim) or none (nodkim). With an address identity its verification mail (to
# a@bench.test, routed to the dump sink) must have arrived too, so that nothing but the
# timed messages is in flight when the timed run starts.
probe_dkim() {   # probe_dkim VIA dkim|nodkim
    local via=$1 dk=$2 files=() f n sig extra=0
    [[ $dk == nodkim ]] && extra=1
    SESSIONS=1 CLIENTS=1 submit "$via" 1024 "$PROBES" dump.test || die "probe submission failed (see $LOGDIR/client.log)"
    local deadline=$(( $(now_us) + 60 * 1000000 ))
    while :; do
        n=0
        for f in "$DUMPDIR"/m.*; do [[ -e $f ]] && n=$(( n + 1 )); done
        (( n >= PROBES + extra )) && break
        (( $(now_us) > deadline )) && die "probe: $n of $(( PROBES + extra )) messages reached the dump sink"
        nap 0.1
    done
    nap 0.3   # let the sink finish writing the last file
    for f in "$DUMPDIR"/m.*; do grep -qi '^X-Rcpt-Args: <[^>]*@dump\.test>' "$f" && files+=("$f"); done
    n=${#files[@]}
    (( n == PROBES )) || die "probe: $n probe messages in the dump, expected $PROBES"
    sig=$({ grep -il '^DKIM-Signature:' "${files[@]}" || true; } | wc -l)
    case $dk in
        dkim)   (( sig == n )) || die "DKIM on, but only $sig of $n probe messages carry DKIM-Signature" ;;
        nodkim) (( sig == 0 )) || die "DKIM off, but $sig of $n probe messages carry DKIM-Signature" ;;
    esac
    PROBE_RESULT="dkim_signature=$sig/$n"
    PROBE_EXTRA=$extra
}

wait_delivered() {   # wait_delivered TARGET TIMEOUT_S: the queue counted TARGET deliveries
    local deadline=$(( $(now_us) + $2 * 1000000 ))
    while (( $(metric hikyaku_queue_delivered_total) < $1 )); do
        (( $(now_us) > deadline )) && return 1
        nap 0.1
    done
}

hk_run() {   # hk_run CASE SIZE ROUND, CASE = hk-{smtp,api}-{dkim,nodkim}
    local c=$1 size=$2 r=$3 t via dk lf c0 h0 h1 t0 t1 t2 base acc_wall e2e_wall cpu acc e2e us hwm
    t=$(tag "$size"); via=${c#hk-}; dk=${via#*-}; via=${via%%-*}
    lf=$LOGDIR/hikyaku-$c-$t-$r.log; : > "$lf"
    log "hikyaku $c $t round $r: fresh data dir, probe $PROBES, warm-up $WARMUP, then $N timed"
    fresh_hikyaku "$dk" "$lf"
    probe_dkim "$via" "$dk"
    c0=$(sink_count)
    submit "$via" "$size" "$WARMUP" sink.test || die "warm-up submission failed (see $LOGDIR/client.log)"
    wait_sink $(( c0 + WARMUP )) 120 || die "warm-up mail did not reach the sink (see $lf)"
    base=$(( PROBES + PROBE_EXTRA + WARMUP ))
    wait_delivered "$base" 60 || die "queue did not record the warm-up deliveries (see $lf)"

    c0=$(sink_count); h0=$(tree_ticks "$HK_PID")
    t0=$(now)
    submit "$via" "$size" "$N" sink.test || die "timed submission failed (see $LOGDIR/client.log)"
    t1=$(now)
    if ! wait_sink $(( c0 + N )) "$E2E_TIMEOUT"; then
        tail -20 "$lf" >&2
        die "sink counted only $(( $(sink_count) - c0 )) of $N within ${E2E_TIMEOUT}s"
    fi
    t2=$(now); h1=$(tree_ticks "$HK_PID")
    wait_delivered $(( base + N )) 120 || die "queue did not record all deliveries (see $lf)"
    hwm=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$HK_PID/status")
    local def bnc; def=$(metric hikyaku_queue_deferred_total); bnc=$(metric hikyaku_queue_bounced_total)
    stop_hikyaku
    local errs; errs=$(grep -c 'level=ERROR' "$lf" || true)
    (( def + bnc == 0 )) || log "  anomalies: $def deferred, $bnc bounced (see $lf)"

    acc_wall=$(calc "$t1 - $t0" 3); e2e_wall=$(calc "$t2 - $t0" 3)
    cpu=$(calc "($h1 - $h0) / $HZ" 2)
    acc=$(calc "$N / $acc_wall" 1); e2e=$(calc "$N / $e2e_wall" 1); us=$(calc "1e6 * $cpu / $N" 0)
    keep "$c" "$size" "$acc" "$e2e" "$us" "$hwm"
    out "run $c size=$t round=$r n=$N accept_wall_s=$acc_wall accept_msgs_per_s=$acc e2e_wall_s=$e2e_wall" \
        "e2e_msgs_per_s=$e2e cpu_s=$cpu cpu_us_per_msg=$us peak_rss_mb=$hwm" \
        "client_cpu_s=$(client_cpu) probe:$PROBE_RESULT queue:deferred=$def,bounced=$bnc log_errors=$errs"
}

# ---------------------------------------------------------------- cleanup

cleanup() {
    set +e
    stop_sampler
    stop_hikyaku
    stop_sinks
    stop_opendkim
}
trap cleanup EXIT
trap 'exit 130' INT TERM

reap_leftovers() {   # what an interrupted earlier run left behind, by PID file and command line
    local f p marker
    for f in hikyaku.pid:"$HKDATA" sink.pid:"127.0.0.1:$SINK_PORT" dump.pid:"127.0.0.1:$DUMP_PORT" \
             opendkim.pid:"$ODDIR/opendkim.conf"; do
        marker=${f#*:}; f=$WORK/${f%%:*}
        [[ -f $f ]] || continue
        p=$(cat "$f")
        if [[ -n $p && -r /proc/$p/cmdline ]] && tr '\0' ' ' < "/proc/$p/cmdline" | grep -qF -- " $marker"; then
            log "stopping leftover pid $p ($(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-60)...)"
            kill "$p" 2>/dev/null || true
            for _ in $(seq 400); do kill -0 "$p" 2>/dev/null || break; nap 0.1; done
            if kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null || true; fi
        fi
        rm -f "$f"
    done
}

# ---------------------------------------------------------------- main

[[ $(id -u) == 0 ]] || die "run as root (the Postfix baseline starts a private Postfix; smtp-sink -u postfix)"
[[ $WORK == /* && $WORK != / ]] || die "WORK must be an absolute path other than /"
for v in RUNS N SESSIONS CLIENTS WARMUP PROBES; do
    [[ ${!v} =~ ^[0-9]+$ ]] && (( ${!v} > 0 )) || die "$v must be a positive integer (got '${!v}')"
done
for s in $SIZES; do [[ $s =~ ^[0-9]+$ ]] && (( s >= 1024 )) || die "SIZES: $s is not a size in bytes >= 1024"; done
for c in $CASES; do
    [[ " limit postfix postfix-dkim hk-smtp-dkim hk-smtp-nodkim hk-api-dkim hk-api-nodkim " == *" $c "* ]] ||
        die "unknown case $c in CASES"
done

mkdir -p "$WORK"
reap_leftovers
rm -rf "$LOGDIR" "$HKDATA" "$DUMPDIR"; mkdir -p "$LOGDIR"
: > "$RESULTS"; : > "$LOGDIR/admin.log"; : > "$LOGDIR/client.log"

install_packages
for b in smtp-source smtp-sink postfix postconf ss curl awk /usr/bin/time; do
    command -v "$b" >/dev/null || die "missing $b"
done
id postfix >/dev/null 2>&1 || die "no postfix user; install Debian postfix"
if has_case limit || has_case postfix || has_case postfix-dkim; then
    [[ -r $BASELINE ]] || die "Postfix baseline not found: $BASELINE"
fi

HK_CASES=
for c in $CASES; do [[ $c == hk-* ]] && HK_CASES+=" $c"; done
if [[ -n $HK_CASES ]]; then
    build_hikyaku
    "$HK" bench send --help >/dev/null 2>&1 || die "$HK has no 'bench send' command"
fi

host_header bench-compare \
    "postfix=$(postconf -d -h mail_version 2>/dev/null) opendkim=$( (/usr/sbin/opendkim -V 2>/dev/null || true) | awk 'NR == 1 { print $NF }')"
out "# sizes=\"$SIZES\" n=$N runs=$RUNS sessions=$SESSIONS clients=$CLIENTS warmup=$WARMUP cases=\"$CASES\""

if has_case postfix-dkim; then
    start_opendkim
    derive_opendkim_baseline
    out "# opendkim probe (miltertest): $OD_PROBE"
fi

for r in $(seq "$RUNS"); do
    log "=== round $r/$RUNS"
    wait_quiet
    for size in $SIZES; do
        if has_case limit || has_case postfix; then run_baseline plain "$size" "$r"; fi
        if has_case postfix-dkim; then run_baseline opendkim "$size" "$r"; fi
        if [[ -n $HK_CASES ]]; then
            start_sinks
            for c in $HK_CASES; do hk_run "$c" "$size" "$r"; done
            stop_sinks
        fi
    done
done

# ---------------------------------------------------------------- the table

ratio() { [[ -n $1 && -n $2 && $2 != 0.0 ]] && calc "$1 / $2" 2 || echo "-"; }
declare -A LABEL=(
    [limit]="limit: smtp-source → smtp-sink"
    [postfix]="Postfix, no DKIM"
    [postfix-dkim]="Postfix + OpenDKIM"
    [hk-smtp-dkim]="hikyaku SMTP, DKIM on"
    [hk-smtp-nodkim]="hikyaku SMTP, DKIM off"
    [hk-api-dkim]="hikyaku API, DKIM on"
    [hk-api-nodkim]="hikyaku API, DKIM off"
)
# like for like: what each case is compared with
declare -A VERSUS=([postfix]=postfix [postfix-dkim]=postfix-dkim
    [hk-smtp-dkim]=postfix-dkim [hk-api-dkim]=postfix-dkim [hk-smtp-nodkim]=postfix [hk-api-nodkim]=postfix)
declare -A MED_ACC MED_E2E MED_CPU MED_MEM
for size in $SIZES; do
    for c in $CASES; do
        k="$c|$size"
        [[ -n ${E2E[$k]:-} ]] || continue
        # shellcheck disable=SC2086
        { MED_ACC[$k]=$(median ${ACC[$k]}); MED_E2E[$k]=$(median ${E2E[$k]})
          MED_CPU[$k]=$(median ${CPU[$k]}); MED_MEM[$k]=$(median ${MEM[$k]}); }
        out "median $c size=$(tag "$size") accept_msgs_per_s=${MED_ACC[$k]} (runs:${ACC[$k]})" \
            "e2e_msgs_per_s=${MED_E2E[$k]} (runs:${E2E[$k]}) cpu_us_per_msg=${MED_CPU[$k]} (runs:${CPU[$k]})" \
            "peak_mb=${MED_MEM[$k]} (runs:${MEM[$k]})"
    done
done

{
    echo
    echo "End to end on $(nproc) CPUs, $N messages per run, $SESSIONS smtp-source sessions (API: $CLIENTS clients), median of $RUNS round(s):"
    echo
    echo "| Size | Case | Accept msgs/s | E2E msgs/s | E2E vs Postfix (like for like) | E2E vs limit | CPU s per 1000 msgs | Peak memory MB |"
    echo "|---|---|---|---|---|---|---|---|"
    for size in $SIZES; do
        for c in $CASES; do
            k="$c|$size"
            [[ -n ${MED_E2E[$k]:-} ]] || continue
            vs="-"
            if [[ -n ${VERSUS[$c]:-} ]]; then vs=$(ratio "${MED_E2E[$k]}" "${MED_E2E[${VERSUS[$c]}|$size]:-}"); fi
            echo "| $(tag "$size") | ${LABEL[$c]} | ${MED_ACC[$k]} | ${MED_E2E[$k]} | $vs |" \
                 "$(ratio "${MED_E2E[$k]}" "${MED_E2E[limit|$size]:-}") | $(calc "${MED_CPU[$k]} / 1000" 2) | ${MED_MEM[$k]} |"
        done
    done
    echo
    echo "CPU: the server's processes over the e2e window (limit: smtp-sink; Postfix: master and all"
    echo "its children, + opendkim). Memory: hikyaku peak RSS (VmHWM); Postfix and smtp-sink peak summed"
    echo "PSS, sampled. DKIM-on rows are compared with Postfix + OpenDKIM, DKIM-off rows with Postfix."
    echo
} | tee -a "$RESULTS"

for size in $SIZES; do
    t=$(tag "$size")
    for c in $CASES; do
        k="$c|$size"; n=${c//-/_}
        [[ -n ${MED_E2E[$k]:-} ]] || continue
        out "accept_msgs_per_s_${n}_$t=${MED_ACC[$k]}"
        out "e2e_msgs_per_s_${n}_$t=${MED_E2E[$k]}"
        out "cpu_s_per_1000_${n}_$t=$(calc "${MED_CPU[$k]} / 1000" 2)"
        out "peak_mb_${n}_$t=${MED_MEM[$k]}"
        if [[ -n ${VERSUS[$c]:-} && $c == hk-* ]]; then
            out "ratio_vs_postfix_${n}_$t=$(ratio "${MED_E2E[$k]}" "${MED_E2E[${VERSUS[$c]}|$size]:-}")"
        fi
        [[ $c == limit ]] || out "ratio_vs_limit_${n}_$t=$(ratio "${MED_E2E[$k]}" "${MED_E2E[limit|$size]:-}")"
    done
done
if [[ -n ${DISK_RATE:-} ]]; then out "disk_dsync_10k_appends_per_s=$DISK_RATE"; fi
for c in hk-smtp-dkim hk-smtp-nodkim; do
    k="$c|10240"
    [[ -n ${MED_E2E[$k]:-} && -n ${MED_E2E[${VERSUS[$c]}|10240]:-} ]] || continue
    rr=$(ratio "${MED_E2E[$k]}" "${MED_E2E[${VERSUS[$c]}|10240]}")
    out "target_3x_${c//-/_}_10k=$(awk -v r="$rr" 'BEGIN { print (r >= 3 ? "met" : "not met") }') ($rr x)"
done
out "script_wall_s=$(calc "$(now) - $T_SCRIPT0" 0)"
