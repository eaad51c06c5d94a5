#!/usr/bin/env bash
# mta-compare.sh - issue 3: hikyaku as an MTA, end to end, side by side with Postfix
# in one run, measured the way ../shared/bench/postfix-baseline.sh measures Postfix.
#
# In one run it
#   1. builds hikyaku (go build -o $WORK/hikyaku ./cmd/hikyaku);
#   2. runs ../shared/bench/postfix-baseline.sh (Postfix, no DKIM, and the raw
#      smtp-source -> smtp-sink limit) for the same size, message count, sessions and
#      warm-up, and takes its per-run results ("run limit"/"run e2e" lines); by default
#      interleaved with hikyaku (INTERLEAVE=1: RUNS rounds of one baseline invocation
#      with RUNS=1 followed by one hikyaku run per case);
#   3. runs hikyaku end to end for DKIM on and DKIM off:
#        smtp-source (SESSIONS sessions, one message per connection, as for Postfix)
#          -> hikyaku SMTP submission 127.0.0.1:2587 (trusted loopback, no AUTH, like
#             Postfix's mynetworks) -> SQLite queue (on disk) -> DKIM signing at intake
#          -> outbound queue -> smtp-sink 127.0.0.1:2600 (--route sink.test=...)
#      accept rate = N / smtp-source wall time (all 250 OKs received)
#      e2e rate    = N / (time from smtp-source start until the sink counted all N)
#      CPU         = user+sys ticks of the hikyaku process tree (/proc/PID/stat,
#                    self + reaped children, + live children), from smtp-source start
#                    until the sink counted all N - the same window as for Postfix
#      peak RSS    = VmHWM of the hikyaku process (/proc/PID/status) at the end of the run
#      DKIM on : domain identity bench.test, created and verified with the admin CLI
#                (a verified domain has a DKIM key and signs);
#      DKIM off: address identity a@bench.test only (no domain, no key: unsigned).
#      Which case ran is proved before each warm-up: a few probe messages go to
#      b@dump.test, routed to a second smtp-sink (127.0.0.1:2601) that dumps them
#      (-d); the dump must contain (DKIM on) or lack (DKIM off) DKIM-Signature.
#      The counting sink on 2600 never dumps, exactly as in the Postfix baseline.
#      bench.test is routed to the dump sink too: the address identity's verification
#      mail (DKIM off) lands there instead of bouncing on a DNS lookup.
#      Every run: fresh data directory, fresh hikyaku, untimed warm-up, timed run.
#   4. prints one table (medians of RUNS runs) and writes everything to $WORK/results.txt.
#
# Usage:   sudo bench/mta-compare.sh          (root: the Postfix baseline needs it)
# Tunables (environment):
#   WORK=/var/tmp/hikyaku-mta-bench  working dir (on a real disk; log/, hk/ and dump/
#                   are recreated on every invocation, the baseline uses WORK/postfix)
#   RUNS=3          timed runs per case (median quoted)
#   SIZE=10240      message payload bytes (smtp-source -l)
#   N=20000         messages per timed run
#   SESSIONS=20     parallel smtp-source sessions
#   WARMUP=500      untimed messages before each timed run
#   PROBES=3        messages to the dump sink that prove DKIM on/off
#   HK_CASES="dkim nodkim"   hikyaku cases to run (subset allowed)
#   POSTFIX=1       run the Postfix baseline (0: hikyaku only, no ratios to Postfix)
#   HIKYAKU=1       run hikyaku (0: Postfix baseline only)
#   PF_EXTRA_CASES=""   more size:count cases for the baseline (e.g. "1024:20000")
#   BASELINE=../shared/bench/postfix-baseline.sh (relative to the repo root)
#   HIKYAKU_BIN=    use this binary instead of building one
#   E2E_TIMEOUT=900 seconds to wait for one timed run to reach the sink
#   HTTP_PORT=2580 SMTP_PORT=2587 SINK_PORT=2600 DUMP_PORT=2601
#   HK_EXTRA_ARGS=""    extra flags for hikyaku serve
#   QUIET_WAIT=600 QUIET_PCT=15   before each round, wait up to QUIET_WAIT s for the
#                   host to be less than QUIET_PCT % busy (shared machines); 0: don't wait
#   PROFILE=0       1: perf-record hikyaku during the first timed run of each case
#                   (flat and cumulative tops in $WORK/log/perf-CASE.*; perf's overhead
#                   taints that run's figures - use it for a separate, diagnostic run)
#   PPROF=0         1: Go CPU profile (PPROF_SECONDS=15 s from the start of the first timed
#                   run of each case, through serve --pprof 127.0.0.1:PPROF_PORT, 2582) and
#                   an allocation profile after it: $WORK/log/{cpu,allocs}-CASE.{pprof,top};
#                   Go's sampling costs little, but quote figures from runs without it
#   INTERLEAVE=1    RUNS rounds of (baseline with RUNS=1, one hikyaku run per case), so
#                   load from other work on a shared host hits all contenders alike;
#                   0: the baseline once with RUNS runs, then all hikyaku runs
#
# Output: "run ..." lines, "median ..." lines, a table, and key=value lines
# (hikyaku_<case>_e2e_msgs_per_s=..., ratio_dkim_vs_postfix=..., ...), on stdout and
# in $WORK/results.txt. Logs: $WORK/log/ (hikyaku logs per run, the baseline's output).

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-/var/tmp/hikyaku-mta-bench}
RUNS=${RUNS:-3}
SIZE=${SIZE:-10240}
N=${N:-20000}
SESSIONS=${SESSIONS:-20}
WARMUP=${WARMUP:-500}
PROBES=${PROBES:-3}
HK_CASES=${HK_CASES:-"dkim nodkim"}
POSTFIX=${POSTFIX:-1}
HIKYAKU=${HIKYAKU:-1}
PF_EXTRA_CASES=${PF_EXTRA_CASES:-}
BASELINE=${BASELINE:-$REPO/../shared/bench/postfix-baseline.sh}
HIKYAKU_BIN=${HIKYAKU_BIN:-}
E2E_TIMEOUT=${E2E_TIMEOUT:-900}
HTTP_PORT=${HTTP_PORT:-2580}
SMTP_PORT=${SMTP_PORT:-2587}
SINK_PORT=${SINK_PORT:-2600}
DUMP_PORT=${DUMP_PORT:-2601}
HK_EXTRA_ARGS=${HK_EXTRA_ARGS:-}
PROFILE=${PROFILE:-0}
PPROF=${PPROF:-0}
PPROF_PORT=${PPROF_PORT:-2582}
PPROF_SECONDS=${PPROF_SECONDS:-15}
PPROF_ARGS=
if (( PPROF )); then PPROF_ARGS="--pprof 127.0.0.1:$PPROF_PORT"; fi
QUIET_WAIT=${QUIET_WAIT:-600}
QUIET_PCT=${QUIET_PCT:-15}
INTERLEAVE=${INTERLEAVE:-1}

FROM=a@bench.test
TO=b@sink.test
PROBE_TO=b@dump.test
RESULTS=$WORK/results.txt
LOGDIR=$WORK/log
HKDATA=${HKDATA:-$WORK/hk}
SINK_OUT=$WORK/sink.out
DUMPDIR=$WORK/dump
PF_WORK=$WORK/postfix            # the baseline's WORK
HZ=$(getconf CLK_TCK)
T_SCRIPT0=$EPOCHREALTIME

SINK_PID=
DUMP_PID=
HK_PID=
HK_START_WARNINGS='msg="SMTP submission from trusted networks needs no AUTH"|msg="smtp: TLS uses a self-signed certificate'

# ---------------------------------------------------------------- helpers (as in the baseline)

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

exec {NAP_FD}<> <(:)

tag() { echo "$(( $1 / 1024 ))k"; }
port_busy() { [[ -n $(ss -Hltn "sport = :$1") ]]; }

sink_count() {
    local s
    s=$(tail -c 200 "$SINK_OUT" 2>/dev/null)
    [[ $s == *mesg=* ]] || { echo 0; return; }
    s=${s##*mesg=}; s=${s%%[!0-9]*}
    echo "${s:-0}"
}


# CPU ticks of a process tree rooted at $1: the root (self + reaped children) plus
# every live child (self + reaped children), as postfix_ticks does for master.

# CPU seconds the whole machine was busy between two machine_ticks samples
machine_busy_s() { awk -v a="$1" -v b="$2" -v hz="$HZ" 'BEGIN { split(a, x, " "); split(b, y, " ")
                       printf "%.2f", (y[1] - x[1]) / hz }'; }

wait_sink() {   # wait_sink TARGET TIMEOUT_S
    local deadline=$(( $(now_us) + $2 * 1000000 ))
    while (( $(sink_count) < $1 )); do
        (( $(now_us) > deadline )) && return 1
        nap 0.05
    done
}

src() {   # src PORT SIZE COUNT [TO] -> smtp-source, "wall user sys" in $WORK/src.time
    /usr/bin/time -f '%e %U %S' -o "$WORK/src.time" \
        smtp-source -s "$SESSIONS" -l "$2" -m "$3" -f "$FROM" -t "${4:-$TO}" "127.0.0.1:$1"
}
src_cpu() { awk '{ print $2 + $3 }' "$WORK/src.time"; }

# ---------------------------------------------------------------- sinks

start_sink() {   # counting sink on SINK_PORT, never dumps (as in the baseline)
    port_busy "$SINK_PORT" && die "port $SINK_PORT already in use (not by this script)"
    smtp-sink -c -m 1000 -u postfix "127.0.0.1:$SINK_PORT" 1000 >"$SINK_OUT" 2>"$LOGDIR/sink.err" &
    SINK_PID=$!
    echo "$SINK_PID" > "$WORK/sink.pid"
    for _ in $(seq 50); do port_busy "$SINK_PORT" && return 0; nap 0.1; done
    die "smtp-sink did not start (see $LOGDIR/sink.err)"
}

start_dump_sink() {   # dumping sink on DUMP_PORT for the DKIM probe messages
    port_busy "$DUMP_PORT" && die "port $DUMP_PORT already in use (not by this script)"
    mkdir -p "$DUMPDIR"; chown postfix "$DUMPDIR"
    (cd "$DUMPDIR" && exec smtp-sink -d "$DUMPDIR/m." -u postfix "127.0.0.1:$DUMP_PORT" 100 \
        >/dev/null 2>"$LOGDIR/dump-sink.err") &
    DUMP_PID=$!
    echo "$DUMP_PID" > "$WORK/dump.pid"
    for _ in $(seq 50); do port_busy "$DUMP_PORT" && return 0; nap 0.1; done
    die "dumping smtp-sink did not start (see $LOGDIR/dump-sink.err)"
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
    # shellcheck disable=SC2086
    "$HK" serve --data "$HKDATA" --http "127.0.0.1:$HTTP_PORT" --smtp "127.0.0.1:$SMTP_PORT" \
        --smtps off --mx off \
        --route "sink.test=127.0.0.1:$SINK_PORT" --route "dump.test=127.0.0.1:$DUMP_PORT" \
        --route "bench.test=127.0.0.1:$DUMP_PORT" \
        --smtp-trusted-networks 127.0.0.0/8 --smtp-trusted-account default \
        --log-level warn $PPROF_ARGS $HK_EXTRA_ARGS >>"$1" 2>&1 &
    HK_PID=$!
    echo "$HK_PID" > "$WORK/hikyaku.pid"
    for _ in $(seq 100); do
        alive "$HK_PID" || { tail -5 "$1" >&2; die "hikyaku exited at start (see $1)"; }
        if port_busy "$SMTP_PORT" && http_get /healthz >/dev/null 2>&1; then return 0; fi
        nap 0.1
    done
    die "hikyaku did not start listening on $SMTP_PORT/$HTTP_PORT (see $1)"
}

stop_hikyaku() {   # graceful (SIGTERM: in-flight work finishes), SIGKILL after 40 s
    stop_pid "$HK_PID" TERM 40
    HK_PID=; rm -f "$WORK/hikyaku.pid"
}

# Fresh data directory with the default account (bootstrapped by serve's first
# start, as an operator gets it) and the identity of CASE.
fresh_hikyaku() {   # fresh_hikyaku CASE LOGFILE
    local hc=$1 lf=$2
    rm -rf "$HKDATA"; mkdir -p "$HKDATA"
    rm -f "$DUMPDIR"/m.*
    start_hikyaku "$lf"; stop_hikyaku                  # bootstrap: account "default"
    case $hc in
        dkim)   hk_admin identity create bench.test; hk_admin identity verify bench.test ;;
        nodkim) hk_admin identity create "$FROM";    hk_admin identity verify "$FROM" ;;
        *) die "unknown case $hc (dkim or nodkim)" ;;
    esac
    start_hikyaku "$lf"
}

# Probe messages to the dumping sink: DKIM-Signature present (dkim) / absent (nodkim).
# In the nodkim case the address identity's verification mail (to a@bench.test, routed
# to the dump sink too rather than bouncing on DNS) must have arrived as well, so that
# nothing but the timed messages is in flight when the timed run starts.
probe_dkim() {   # probe_dkim CASE
    local hc=$1 files=() f n sig extra=0
    [[ $hc == nodkim ]] && extra=1
    SESSIONS=1 src "$SMTP_PORT" 1024 "$PROBES" "$PROBE_TO" >/dev/null || die "smtp-source failed (probe)"
    local deadline=$(( $(now_us) + 60 * 1000000 ))
    while :; do
        files=(); n=0
        for f in "$DUMPDIR"/m.*; do [[ -e $f ]] && n=$(( n + 1 )); done
        (( n >= PROBES + extra )) && break
        (( $(now_us) > deadline )) &&
            die "probe: $n of $(( PROBES + extra )) messages reached the dump sink (see $LOGDIR)"
        nap 0.1
    done
    nap 0.3   # let the sink finish writing the last file
    for f in "$DUMPDIR"/m.*; do
        grep -qi "^X-Rcpt-Args: <$PROBE_TO>" "$f" && files+=("$f")
    done
    n=${#files[@]}
    (( n == PROBES )) || die "probe: $n probe messages in the dump, expected $PROBES"
    sig=$({ grep -il '^DKIM-Signature:' "${files[@]}" || true; } | wc -l)
    PROBE_SIG=$({ grep -ih -m1 -o '^DKIM-Signature:.*' "${files[@]}" || true; } | head -1 | cut -c1-100)
    case $hc in
        dkim)   (( sig == n )) || die "DKIM on, but only $sig of $n probe messages carry DKIM-Signature" ;;
        nodkim) (( sig == 0 )) || die "DKIM off, but $sig of $n probe messages carry DKIM-Signature" ;;
    esac
    PROBE_RESULT="dkim_signature=$sig/$n"
    PROBE_EXTRA=$extra
}

wait_delivered() {   # wait_delivered TARGET TIMEOUT_S: queue counted TARGET deliveries
    local deadline=$(( $(now_us) + $2 * 1000000 ))
    while (( $(metric hikyaku_queue_delivered_total) < $1 )); do
        (( $(now_us) > deadline )) && return 1
        nap 0.1
    done
}

# one run: fresh hikyaku, probe, warm-up, timed run
hk_run() {   # hk_run CASE RUN#
    local hc=$1 i=$2 lf c0 m0 m1 h0 h1 sk0 sk1 t0 t1 t2 t3 acc_wall e2e_wall hk_cpu base
    lf=$LOGDIR/hikyaku-$hc-$i.log; : > "$lf"
    log "hikyaku $hc run $i/$RUNS: fresh data dir, probe $PROBES, warm-up $WARMUP"
    fresh_hikyaku "$hc" "$lf"
    probe_dkim "$hc"
    c0=$(sink_count)
    src "$SMTP_PORT" "$SIZE" "$WARMUP" >/dev/null || die "smtp-source failed (warm-up)"
    wait_sink $(( c0 + WARMUP )) 120 || die "warm-up mail did not reach the sink (see $lf)"
    base=$(( PROBES + PROBE_EXTRA + WARMUP ))
    wait_delivered "$base" 60 || die "queue did not record the warm-up deliveries (see $lf)"

    log "hikyaku $hc run $i/$RUNS: timed, $N x $(tag "$SIZE")"
    c0=$(sink_count); m0=$(machine_ticks); h0=$(tree_ticks "$HK_PID"); sk0=$(proc_ticks "$SINK_PID")
    local perf_pid=
    if (( PROFILE )) && (( i == 1 )); then   # perf profile of hikyaku during the first timed run
        perf record -q -F 499 -g -o "$LOGDIR/perf-$hc.data" -p "$HK_PID" 2>"$LOGDIR/perf-$hc.err" &
        perf_pid=$!
    fi
    local pprof_pid=
    if (( PPROF )) && (( i == 1 )); then     # Go CPU profile of the first timed run (cheap)
        curl -sf -o "$LOGDIR/cpu-$hc.pprof" \
            "http://127.0.0.1:$PPROF_PORT/debug/pprof/profile?seconds=$PPROF_SECONDS" &
        pprof_pid=$!
    fi
    t0=$(now)
    src "$SMTP_PORT" "$SIZE" "$N" || die "smtp-source failed (timed run)"
    t1=$(now)
    if ! wait_sink $(( c0 + N )) "$E2E_TIMEOUT"; then
        tail -20 "$lf" >&2
        die "sink counted only $(( $(sink_count) - c0 )) of $N within ${E2E_TIMEOUT}s"
    fi
    t2=$(now)
    m1=$(machine_ticks); h1=$(tree_ticks "$HK_PID"); sk1=$(proc_ticks "$SINK_PID")
    if [[ -n $perf_pid ]]; then
        kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true
        perf report -i "$LOGDIR/perf-$hc.data" --no-children --sort symbol --stdio 2>/dev/null |
            grep -E '^ +[0-9]' | head -40 > "$LOGDIR/perf-$hc.top" || true
        perf report -i "$LOGDIR/perf-$hc.data" --children --sort symbol --stdio -g none 2>/dev/null |
            grep -E '^ +[0-9]' | head -60 > "$LOGDIR/perf-$hc.children" || true
        log "  perf profile: $LOGDIR/perf-$hc.{top,children} (perf adds overhead: this run's figures are not clean)"
    fi
    if [[ -n $pprof_pid ]]; then
        wait "$pprof_pid" 2>/dev/null || true
        curl -sf -o "$LOGDIR/allocs-$hc.pprof" "http://127.0.0.1:$PPROF_PORT/debug/pprof/allocs" || true
        go tool pprof -top -nodecount=40 "$LOGDIR/cpu-$hc.pprof" > "$LOGDIR/cpu-$hc.top" 2>/dev/null || true
        go tool pprof -top -cum -nodecount=60 "$LOGDIR/cpu-$hc.pprof" > "$LOGDIR/cpu-$hc.cum" 2>/dev/null || true
        go tool pprof -top -sample_index=alloc_space -nodecount=40 "$LOGDIR/allocs-$hc.pprof" \
            > "$LOGDIR/allocs-$hc.top" 2>/dev/null || true
        log "  Go profiles: $LOGDIR/{cpu,allocs}-$hc.{pprof,top} (cpu-$hc.cum: cumulative)"
    fi
    wait_delivered $(( base + N )) 120 || die "queue did not record all deliveries (see $lf)"
    t3=$(now)
    HK_RSS_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$HK_PID/status")
    local def bnc thr lost claimed handed dlv
    dlv=$(metric hikyaku_queue_delivered_total)
    def=$(metric hikyaku_queue_deferred_total); bnc=$(metric hikyaku_queue_bounced_total)
    thr=$(metric hikyaku_queue_throttle_signals_total); lost=$(metric hikyaku_queue_lease_lost_total)
    claimed=$(metric hikyaku_queue_claimed_total); handed=$(metric hikyaku_queue_handed_over_total)
    stop_hikyaku
    local db_kb; db_kb=$(du -sk "$HKDATA" | cut -f1)
    local warns errs
    # WARN/ERROR lines other than the two every start prints (trusted networks, self-signed cert)
    warns=$(grep 'level=WARN' "$lf" | grep -cvE "$HK_START_WARNINGS" || true)
    errs=$(grep -c 'level=ERROR' "$lf" || true)
    acc_wall=$(calc "$t1 - $t0" 3); e2e_wall=$(calc "$t2 - $t0" 3)
    hk_cpu=$(calc "($h1 - $h0) / $HZ" 2)
    ACC_RATE=$(calc "$N / $acc_wall" 1)
    E2E_RATE=$(calc "$N / $e2e_wall" 1)
    HK_US=$(calc "1e6 * $hk_cpu / $N" 0)
    # CPU used by anything but hikyaku, smtp-source and smtp-sink (other work on the host)
    local sk_cpu other
    sk_cpu=$(calc "($sk1 - $sk0) / $HZ" 2)
    other=$(calc "$(machine_busy_s "$m0" "$m1") - $hk_cpu - $(src_cpu) - $sk_cpu" 2)
    out "run hikyaku case=$hc size=$(tag "$SIZE") n=$N i=$i accept_wall_s=$acc_wall accept_msgs_per_s=$ACC_RATE" \
        "e2e_wall_s=$e2e_wall e2e_msgs_per_s=$E2E_RATE queue_recorded_s=$(calc "$t3 - $t0" 2)" \
        "hikyaku_cpu_s=$hk_cpu hikyaku_cpu_us_per_msg=$HK_US peak_rss_mb=$(calc "$HK_RSS_KB / 1024" 0)" \
        "src_cpu_s=$(src_cpu) sink_cpu_s=$sk_cpu other_cpu_s=$other" \
        "machine_busy_pct,iowait_pct=$(machine_pct "$m0" "$m1" | tr ' ' ,)" \
        "probe:$PROBE_RESULT queue:claimed=$claimed,handed_over=$handed,delivered=$dlv,deferred=$def,bounced=$bnc,throttled=$thr,lease_lost=$lost" \
        "log:warn=$warns,error=$errs data_dir_kb=$db_kb"
    if [[ -n ${PROBE_SIG:-} ]]; then log "  probe signature: $PROBE_SIG..."; fi
    if (( def + bnc + thr + lost + errs > 0 )); then log "  anomalies in run $i (see $lf)"; fi
}

# ---------------------------------------------------------------- cleanup

cleanup() {
    set +e
    stop_hikyaku
    stop_sinks
}
trap cleanup EXIT
trap 'exit 130' INT TERM

reap_leftovers() {   # processes an interrupted earlier run left behind, by PID file
    local f p marker
    for f in hikyaku.pid:"$HKDATA" sink.pid:"127.0.0.1:$SINK_PORT" dump.pid:"127.0.0.1:$DUMP_PORT"; do
        marker=${f#*:}; f=$WORK/${f%%:*}
        [[ -f $f ]] || continue
        p=$(cat "$f")
        # only if that PID still runs the command we started (its command line names
        # our data dir or our sink address), never a recycled PID
        if [[ -n $p && -r /proc/$p/cmdline ]] && tr '\0' ' ' < "/proc/$p/cmdline" | grep -qF -- " $marker "; then
            log "stopping leftover pid $p ($(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-60)...)"
            kill "$p" 2>/dev/null || true
            for _ in $(seq 400); do kill -0 "$p" 2>/dev/null || break; nap 0.1; done
            if kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null || true; fi
        fi
        rm -f "$f"
    done
}

# ---------------------------------------------------------------- main

[[ $(id -u) == 0 ]] || die "run as root (the Postfix baseline starts Postfix; smtp-sink -u postfix)"
[[ $WORK == /* && $WORK != / ]] || die "WORK must be an absolute path other than /"
for v in RUNS SIZE N SESSIONS WARMUP PROBES; do
    [[ ${!v} =~ ^[0-9]+$ ]] && (( ${!v} > 0 )) || die "$v must be a positive integer (got '${!v}')"
done

if [[ ! -x /usr/sbin/smtp-sink || ! -x /usr/sbin/smtp-source ]]; then
    log "installing Debian postfix (No configuration) for smtp-source/smtp-sink"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix >/dev/null
fi
for b in smtp-source smtp-sink postfix ss curl awk /usr/bin/time; do
    command -v "$b" >/dev/null || die "missing $b"
done
if (( PROFILE )); then command -v perf >/dev/null || die "PROFILE=1 needs perf (linux-perf)"; fi
id postfix >/dev/null 2>&1 || die "no postfix user (smtp-sink -u postfix); install Debian postfix"
(( POSTFIX )) && { [[ -r $BASELINE ]] || die "Postfix baseline not found: $BASELINE"; }

mkdir -p "$WORK"
reap_leftovers
rm -rf "$LOGDIR" "$HKDATA" "$DUMPDIR"; mkdir -p "$LOGDIR"
: > "$RESULTS"
: > "$LOGDIR/admin.log"

if (( HIKYAKU )); then
    build_hikyaku
    help=$("$HK" serve --help 2>&1)
    for f in --smtp-trusted-networks --smtp-trusted-account --route --smtp --mx; do
        grep -q -- "$f " <<< "$help" ||
            die "this hikyaku has no 'serve $f' flag (trusted-network submission is needed so" \
                "smtp-source can submit without AUTH); run with HIKYAKU=0 for Postfix only"
    done
fi

host_header mta-compare "postfix=$(postconf -d -h mail_version 2>/dev/null)"
out "# runs=$RUNS size=$SIZE n=$N sessions=$SESSIONS warmup=$WARMUP hk_cases=\"$HK_CASES\"" \
    "postfix=$POSTFIX hikyaku=$HIKYAKU interleave=$INTERLEAVE quiet_wait=$QUIET_WAIT quiet_pct=$QUIET_PCT"

# ---- 1+2. Postfix baseline (also measures the raw source -> sink limit) and hikyaku
#
# INTERLEAVE=1 (default): RUNS rounds, each = the baseline with RUNS=1 (limit run +
# one Postfix e2e run), then one hikyaku run per case. Load from other work on the
# host then hits every contender alike. INTERLEAVE=0: the baseline once with RUNS
# runs, then RUNS hikyaku runs per case. Either way medians of the per-run values.
declare -a LIMS PFACCS PFE2ES PFUSS
declare -A HACCS HE2ES HUSS HRSSS
PF_ROUND=0

run_baseline() {   # run_baseline RUNS: one invocation; collects its per-run values
    local runs=$1 t; t=$(tag "$SIZE")
    PF_ROUND=$(( PF_ROUND + 1 ))
    local o=$LOGDIR/postfix-baseline-$PF_ROUND
    log "Postfix baseline #$PF_ROUND (RUNS=$runs): $BASELINE, output in $o.{out,err,results.txt}"
    WORK=$PF_WORK RUNS=$runs SESSIONS=$SESSIONS WARMUP=$WARMUP E2E_TIMEOUT=$E2E_TIMEOUT \
        FSYNC_PROBE=$(( PF_ROUND == 1 )) CASES="$SIZE:$N${PF_EXTRA_CASES:+ $PF_EXTRA_CASES}" \
        bash "$BASELINE" > "$o.out" 2> >(tee "$o.err" >&2) ||
        die "Postfix baseline failed (see $o.err)"
    cp "$PF_WORK/results.txt" "$o.results.txt"
    sed "s/^/# postfix-baseline#$PF_ROUND: /" "$o.results.txt" | grep -v ': #   ' >> "$RESULTS"
    grep -E "^(run|median) (limit|e2e) size=$t " "$o.results.txt" || true
    # the "other work on the host" estimate for the Postfix e2e runs, from their run lines
    awk -v cpus="$(nproc)" -v t="$t" '$1 == "run" && $2 == "e2e" && $3 == "size=" t {
            for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            split(v["machine_busy_pct,iowait_pct"], b, ",")
            printf "postfix e2e run: other_cpu_s=%.2f (busy %s%% of %d cpus x %ss - postfix %s - src %s - sink %s)\n",
                b[1] / 100 * cpus * v["e2e_wall_s"] - v["postfix_cpu_s"] - v["src_cpu_s"] - v["sink_cpu_s"],
                b[1], cpus, v["e2e_wall_s"], v["postfix_cpu_s"], v["src_cpu_s"], v["sink_cpu_s"] }' \
        "$o.results.txt" | sed 's/^/# /' | tee -a "$RESULTS"
    # per-run values of the headline size: "run limit size=10k ... msgs_per_s=X",
    # "run e2e size=10k ... accept_msgs_per_s=A e2e_msgs_per_s=E ... postfix_cpu_us_per_msg=U"
    local line kv
    while read -r line; do
        declare -A f=()
        for kv in $line; do [[ $kv == *=* ]] && f[${kv%%=*}]=${kv#*=}; done
        case $line in
            "run limit "*) LIMS+=("${f[msgs_per_s]}") ;;
            "run e2e "*)   PFACCS+=("${f[accept_msgs_per_s]}"); PFE2ES+=("${f[e2e_msgs_per_s]}")
                           PFUSS+=("${f[postfix_cpu_us_per_msg]}") ;;
        esac
        unset f
    done < <(grep -E "^run (limit|e2e) size=$t " "$o.results.txt")
    (( ${#LIMS[@]} > 0 && ${#PFE2ES[@]} > 0 )) || die "could not read the baseline's results ($o.results.txt)"
    local ml; ml=$(grep '^# maillog:' "$o.results.txt" || true)
    if [[ -n $ml ]]; then log "postfix ${ml#\# }"; fi
    if [[ -z ${DISK_RATE:-} ]]; then
        DISK_RATE=$(sed -n 's/^disk_dsync_10k_appends_per_s=//p' "$o.results.txt")
    fi
}


hk_round() {   # hk_round RUN#: one hikyaku run per case
    local hc
    start_sink
    start_dump_sink
    for hc in $HK_CASES; do
        hk_run "$hc" "$1"
        HACCS[$hc]+=" $ACC_RATE"; HE2ES[$hc]+=" $E2E_RATE"; HUSS[$hc]+=" $HK_US"
        HRSSS[$hc]+=" $(calc "$HK_RSS_KB / 1024" 0)"
    done
    stop_sinks
}

if (( INTERLEAVE )); then
    for r in $(seq "$RUNS"); do
        log "=== round $r/$RUNS"
        wait_quiet "see other_cpu_s in the run lines"
        if (( POSTFIX )); then run_baseline 1; fi
        if (( HIKYAKU )); then hk_round "$r"; fi
    done
else
    wait_quiet "see other_cpu_s in the run lines"
    if (( POSTFIX )); then run_baseline "$RUNS"; fi
    wait_quiet "see other_cpu_s in the run lines"
    if (( HIKYAKU )); then for r in $(seq "$RUNS"); do hk_round "$r"; done; fi
fi

if (( POSTFIX )); then
    LIMIT=$(median "${LIMS[@]}"); PF_ACC=$(median "${PFACCS[@]}")
    PF_E2E=$(median "${PFE2ES[@]}"); PF_US=$(median "${PFUSS[@]}")
    out "median limit size=$(tag "$SIZE") msgs_per_s=$LIMIT (runs: ${LIMS[*]})"
    out "median postfix size=$(tag "$SIZE") accept_msgs_per_s=$PF_ACC (runs: ${PFACCS[*]})" \
        "e2e_msgs_per_s=$PF_E2E (runs: ${PFE2ES[*]}) cpu_us_per_msg=$PF_US (runs: ${PFUSS[*]})"
fi
declare -A HACC HE2E HUS HRSS
for hc in $HK_CASES; do
    [[ -n ${HE2ES[$hc]:-} ]] || continue
    # shellcheck disable=SC2086
    { HACC[$hc]=$(median ${HACCS[$hc]}); HE2E[$hc]=$(median ${HE2ES[$hc]})
      HUS[$hc]=$(median ${HUSS[$hc]}); HRSS[$hc]=$(median ${HRSSS[$hc]}); }
    out "median hikyaku case=$hc accept_msgs_per_s=${HACC[$hc]} (runs:${HACCS[$hc]})" \
        "e2e_msgs_per_s=${HE2E[$hc]} (runs:${HE2ES[$hc]}) cpu_us_per_msg=${HUS[$hc]} (runs:${HUSS[$hc]})" \
        "peak_rss_mb=${HRSS[$hc]} (runs:${HRSSS[$hc]})"
done

# ---- 3. the table
ratio() { [[ -n $1 && -n $2 ]] && calc "$1 / $2" 2 || echo "n/a"; }
ms()    { [[ -n $1 ]] && calc "$1 / 1000" 2 || echo "n/a"; }
t=$(tag "$SIZE")
{
    echo
    echo "End to end, $t messages, $SESSIONS smtp-source sessions, $N messages per run, median of $RUNS runs:"
    echo
    echo "| Case | Accept msgs/s | E2E msgs/s | CPU ms/msg (server tree) | Peak RSS MB | E2E vs Postfix | E2E vs limit |"
    echo "|---|---|---|---|---|---|---|"
    if (( POSTFIX )); then
        echo "| limit: smtp-source → smtp-sink | ${LIMIT} | ${LIMIT} | - | - | - | 1.00 |"
        echo "| Postfix $(postconf -d -h mail_version 2>/dev/null), no DKIM | $PF_ACC | $PF_E2E | $(ms "$PF_US") | - | 1.00 | $(ratio "$PF_E2E" "$LIMIT") |"
    fi
    for hc in $HK_CASES; do
        [[ -n ${HE2E[$hc]:-} ]] || continue
        label="hikyaku, DKIM on"; [[ $hc == nodkim ]] && label="hikyaku, DKIM off"
        echo "| $label | ${HACC[$hc]} | ${HE2E[$hc]} | $(ms "${HUS[$hc]}") | ${HRSS[$hc]} |" \
             "$(ratio "${HE2E[$hc]}" "${PF_E2E:-}") | $(ratio "${HE2E[$hc]}" "${LIMIT:-}") |"
    done
    echo
} | tee -a "$RESULTS"

# ---- 4. key=value lines
if (( POSTFIX )); then
    out "limit_msgs_per_s=$LIMIT"
    out "postfix_accept_msgs_per_s=$PF_ACC"
    out "postfix_e2e_msgs_per_s=$PF_E2E"
    out "postfix_cpu_us_per_msg=$PF_US"
    if [[ -n ${DISK_RATE:-} ]]; then out "disk_dsync_10k_appends_per_s=$DISK_RATE"; fi
fi
for hc in $HK_CASES; do
    [[ -n ${HE2E[$hc]:-} ]] || continue
    out "hikyaku_${hc}_accept_msgs_per_s=${HACC[$hc]}"
    out "hikyaku_${hc}_e2e_msgs_per_s=${HE2E[$hc]}"
    out "hikyaku_${hc}_cpu_us_per_msg=${HUS[$hc]}"
    out "hikyaku_${hc}_peak_rss_mb=${HRSS[$hc]}"
    if (( POSTFIX )); then
        out "ratio_${hc}_vs_postfix=$(ratio "${HE2E[$hc]}" "$PF_E2E")"
        out "ratio_${hc}_vs_limit=$(ratio "${HE2E[$hc]}" "$LIMIT")"
    fi
done
if (( POSTFIX )) && [[ -n ${HE2E[dkim]:-} ]]; then
    r=$(ratio "${HE2E[dkim]}" "$PF_E2E")
    verdict=$(awk -v r="$r" 'BEGIN { print (r >= 3 ? "met" : "not met") }')
    out "target_3x_postfix_with_dkim=$verdict ($r x)"
fi
out "script_wall_s=$(calc "$(now) - $T_SCRIPT0" 0)"
