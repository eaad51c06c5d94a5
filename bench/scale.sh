#!/usr/bin/env bash
# scale.sh - issue 6 item 4: hikyaku with a huge queue. With N_QUEUE (1,000,000) messages
# queued for a destination that defers them, it measures peak RSS, the time to enqueue
# them, how fast fresh mail to another destination still flows, and the drain rate once
# the destination accepts again; on SQLite (default) or PostgreSQL (STORE=postgres), and
# with TWO_NODES=1 (PostgreSQL) the drain throughput of one hikyaku node against two
# sharing the store. Targets (issue 6): 1,000,000 queued in under 1 GiB of RSS, and fresh
# mail to other sites at no less than half the unloaded rate.
#
# Setup: one hikyaku serve (SES API on 127.0.0.1:HTTP_PORT, no SMTP listeners, no MX),
# two `hikyaku bench sink` processes on two ports, so that the two destinations are two
# shaping sites with limits of their own (a site is its hosts and port, and [default]
# gives each 20 connections and 100 messages per connection):
#   fast sink  127.0.0.1:FAST_PORT  fast.test (and bench.test) - accepts everything
#   slow sink  127.0.0.1:SLOW_PORT  slow.test (and nodes1/nodes2.test) - answers every
#              slow.test recipient DEFER_REPLY (default 450: "450 4.2.1 Mailbox busy,
#              try again later", a temporary refusal of the recipient)
# hikyaku routes each domain to its sink with --route. The sender is the address
# identity a@bench.test (IDENTITY=address: no DKIM key, mail goes out unsigned, so the
# figures are the queue's, not RSA's), or with IDENTITY=domain the domain bench.test
# (every message DKIM-signed, RSA-2048). The default account is bootstrapped by serve's
# first start; identities are made with the admin CLI. Every message is SIZE (1 KB)
# bytes, submitted with `hikyaku bench send --api` (SES v2 SendEmail, Raw, SigV4) by
# CLIENTS (32) concurrent clients.
#
# Phases:
#   unloaded  WARMUP untimed, then N_FRESH messages to fast.test; rate = delivered/s as
#             bench send --sink-stats reports it: messages the fast sink took, over the
#             time from the first submission to the last arrival (submission included)
#   enqueue   N_QUEUE messages to slow.test; rate = accepted/s of bench send (the whole
#             run's wall time). hikyaku tries each at once and is refused, and retries
#             them on its backoff (1 min doubling to 1 h, +-20 %) while the run goes on:
#             the attempts are part of the load, as they would be in an outage
#   loaded    right after, N_FRESH messages to fast.test while those wait and are
#             retried; the same rate as unloaded, and ratio = loaded / unloaded (>= 0.5)
#   drain     the slow sink is restarted accepting slow.test, `hikyaku queue retry
#             --domain slow.test` makes the deferred recipients due now, and the time
#             until the slow sink has taken all of them gives drain msgs/s (the retry
#             command's own run time included; its chunks are claimed as they commit)
#   nodes     (TWO_NODES=1, PostgreSQL only) one node against two on one store: twice,
#             N_NODES messages are queued with delivery off (--delivery=false, nothing
#             else in the queue), then delivery is started, on node 1 alone for
#             nodes1.test, on node 1 and node 2 (a second serve: its own data dir and
#             port, the same --store and master key) for nodes2.test; rate = N_NODES over
#             the time from starting the node(s) until the slow sink took all of them.
#             Both drains are first attempts from a queued backlog with no other work,
#             so they compare like for like. On one machine the nodes share its CPUs with
#             PostgreSQL and the sinks: the ratio says what a second process gains here,
#             not what a second machine would
# Peak RSS is the VmHWM of the hikyaku process (/proc/PID/status) at the end of each
# phase: the peak since it started, so the enqueue and loaded rows hold the peak with the
# queue full. $WORK/log/rss.tsv samples its VmRSS every SAMPLE s for the whole run. Data
# size: the data dir (SQLite) or pg_database_size. CPU: hikyaku's process tree, user+sys.
#
# Usage:   bench/scale.sh                                  SQLite, 1,000,000 queued
#          STORE=postgres TWO_NODES=1 bench/scale.sh       PostgreSQL, and one node vs two
#          N_QUEUE=20000 N_FRESH=5000 bench/scale.sh       a quick check (a minute or two)
# Needs: Go (or HIKYAKU_BIN), curl, jq, ss; STORE=postgres: a PostgreSQL server reachable
# as PG_USER on PG_HOST:PG_PORT without a password (trust), and createdb/dropdb/psql. The
# database PG_DB is dropped and created afresh by every run and left behind afterwards.
# Tunables (environment):
#   WORK=/var/tmp/hikyaku-scale   working dir on a real disk (log/, hk1/, hk2/ recreated)
#   STORE=sqlite        sqlite or postgres
#   N_QUEUE=1000000     messages queued for the deferring destination
#   N_FRESH=20000       messages of each fresh-mail phase (unloaded, loaded)
#   N_NODES=N_QUEUE/2   messages of each drain of the nodes phase (TWO_NODES=1)
#   TWO_NODES=0         1: the nodes phase (needs STORE=postgres)
#   SIZE=1024           message body bytes
#   CLIENTS=32          concurrent API clients of bench send
#   WARMUP=1000         untimed fresh messages before the unloaded phase
#   DEFER_REPLY=450     the slow sink's reply to slow.test while it defers, as a bench
#                       sink reply (CODE[/PHASE][@DELAY]). 450 4.2.1 defers the recipient
#                       and nothing else. 451 ("4.3.0 Temporary local problem, try again
#                       later") is also a throttle signal: the shaper cuts the site to one
#                       message a minute at once (for 15 min, then recovering over many
#                       more), so the drain measures the throttle's recovery, not the
#                       queue, and runs into DRAIN_TIMEOUT; the loaded phase then shows
#                       whether a throttled site's backlog holds up mail to other sites
#   IDENTITY=address    address (a@bench.test, unsigned) or domain (bench.test, DKIM)
#   PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres PG_DB=hikyaku_scale
#   HIKYAKU_BIN=        use this binary instead of building one
#   HK_EXTRA_ARGS=      more flags for every hikyaku serve
#   HTTP_PORT=2680 HTTP_PORT2=2681 FAST_PORT=2700 FAST_HTTP=2701 SLOW_PORT=2710 SLOW_HTTP=2711
#   FRESH_WAIT=600      seconds bench send waits for a fresh phase's deliveries
#   ENQUEUE_TIMEOUT=7200 DRAIN_TIMEOUT=7200   seconds before those phases fail
#   SAMPLE=5            RSS sampling interval, seconds
#   QUIET_WAIT=300 QUIET_PCT=15   before starting, wait up to QUIET_WAIT s for the host
#                       to be less than QUIET_PCT % busy (shared machines); 0: don't wait.
#                       Every run line has machine_busy_pct: other work shows there
#
# Output: "run ..." key=value lines, the table, and key=value summary lines, on stdout
# and in $WORK/results.txt. Logs: $WORK/log/ (hikyaku, sinks, bench send, /metrics at the
# end of every phase, rss.tsv). Failures name the log to read.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-/var/tmp/hikyaku-scale}
STORE=${STORE:-sqlite}
N_QUEUE=${N_QUEUE:-1000000}
N_FRESH=${N_FRESH:-20000}
N_NODES=${N_NODES:-$(( N_QUEUE / 2 ))}
TWO_NODES=${TWO_NODES:-0}
SIZE=${SIZE:-1024}
CLIENTS=${CLIENTS:-32}
WARMUP=${WARMUP:-1000}
DEFER_REPLY=${DEFER_REPLY:-450}
IDENTITY=${IDENTITY:-address}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
PG_DB=${PG_DB:-hikyaku_scale}
HIKYAKU_BIN=${HIKYAKU_BIN:-}
HK_EXTRA_ARGS=${HK_EXTRA_ARGS:-}
HTTP_PORT=${HTTP_PORT:-2680}
HTTP_PORT2=${HTTP_PORT2:-2681}
FAST_PORT=${FAST_PORT:-2700}
FAST_HTTP=${FAST_HTTP:-2701}
SLOW_PORT=${SLOW_PORT:-2710}
SLOW_HTTP=${SLOW_HTTP:-2711}
FRESH_WAIT=${FRESH_WAIT:-600}
ENQUEUE_TIMEOUT=${ENQUEUE_TIMEOUT:-7200}
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-7200}
SAMPLE=${SAMPLE:-5}
QUIET_WAIT=${QUIET_WAIT:-300}
QUIET_PCT=${QUIET_PCT:-15}

KEY_ID=AKIABENCHSCALE000001                       # bootstrap key of the fresh account
KEY_SECRET=benchScaleSecretKey00000000000000000000
FROM=a@bench.test
RESULTS=$WORK/results.txt
LOGDIR=$WORK/log
HZ=$(getconf CLK_TCK)
T_SCRIPT0=$EPOCHREALTIME

HK_PID='' HK2_PID='' FAST_PID='' SLOW_PID='' SAMPLER_PID=''

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

exec {NAP_FD}<> <(:)

port_busy() { [[ -n $(ss -Hltn "sport = :$1") ]]; }
hwm_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_s()  { calc "($2 - $1) / $HZ" 1; }


# ---------------------------------------------------------------- the store

if [[ $STORE == postgres ]]; then
    DSN="postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB?sslmode=disable"
    STORE_ARGS=(--store "$DSN")
else
    DSN=
    STORE_ARGS=()
fi

fresh_store() {
    [[ $STORE == postgres ]] || return 0
    local pg=(-h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER")
    pg_isready "${pg[@]}" -q || die "PostgreSQL is not reachable at $PG_HOST:$PG_PORT (pg_isready)"
    dropdb "${pg[@]}" --if-exists "$PG_DB" 2>>"$LOGDIR/admin.log" ||
        die "cannot drop database $PG_DB (in use? see $LOGDIR/admin.log)"
    createdb "${pg[@]}" "$PG_DB" 2>>"$LOGDIR/admin.log" || die "cannot create database $PG_DB (see $LOGDIR/admin.log)"
    # Nodes sharing the store must share the master key that seals the access keys.
    HIKYAKU_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
    export HIKYAKU_MASTER_KEY
}

data_mb() {   # size of the store: the data dir, or the database
    if [[ $STORE == postgres ]]; then
        psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -tAc \
            "SELECT round(pg_database_size(current_database()) / 1048576.0)" 2>/dev/null || echo "?"
    else
        du -sm "$WORK/hk1" | cut -f1
    fi
}

# ---------------------------------------------------------------- sinks

sink_url() { echo "http://127.0.0.1:$1/stats"; }
sink_accepted() {   # sink_accepted HTTP_PORT DOMAIN -> recipients of DOMAIN the sink took
    curl -fsS --max-time 10 "$(sink_url "$1")" 2>/dev/null | jq -r --arg d "$2" '.domains[$d].accepted // 0' 2>/dev/null ||
        echo -1
}

start_sink() {   # start_sink NAME SMTP_PORT HTTP_PORT [--reply RULE]...: sets SINK_STARTED
    local name=$1 port=$2 http=$3; shift 3
    for p in "$port" "$http"; do
        for _ in $(seq 50); do port_busy "$p" || break; nap 0.1; done
        port_busy "$p" && die "port $p already in use (not by this script); set the *_PORT tunables"
    done
    "$HK" bench sink --listen "127.0.0.1:$port" --http "127.0.0.1:$http" --hostname "$name-sink.test" "$@" \
        >>"$LOGDIR/$name-sink.log" 2>&1 &
    SINK_STARTED=$!
    echo "$SINK_STARTED" > "$WORK/$name-sink.pid"
    for _ in $(seq 100); do
        alive "$SINK_STARTED" || die "the $name sink exited at start (see $LOGDIR/$name-sink.log)"
        curl -fsS --max-time 1 "$(sink_url "$http")" >/dev/null 2>&1 && return 0
        nap 0.1
    done
    die "the $name sink did not start (see $LOGDIR/$name-sink.log)"
}
start_fast_sink() { start_sink fast "$FAST_PORT" "$FAST_HTTP"; FAST_PID=$SINK_STARTED; }
start_slow_sink() { start_sink slow "$SLOW_PORT" "$SLOW_HTTP" "$@"; SLOW_PID=$SINK_STARTED; }
stop_fast_sink()  { stop_pid "$FAST_PID"; FAST_PID=; rm -f "$WORK/fast-sink.pid"; }
stop_slow_sink()  { stop_pid "$SLOW_PID"; SLOW_PID=; rm -f "$WORK/slow-sink.pid"; }

# ---------------------------------------------------------------- hikyaku

hk_admin() {   # the admin CLI on node 1's data dir and the store
    "$HK" "$@" --data "$WORK/hk1" "${STORE_ARGS[@]}" --log-level warn 2>>"$LOGDIR/admin.log" ||
        die "hikyaku $* failed (see $LOGDIR/admin.log)"
}
http_get() { curl -fsS --max-time 10 "http://127.0.0.1:$1$2"; }
metric() {   # metric PORT NAME -> value from node's /metrics (0 if absent)
    http_get "$1" /metrics 2>/dev/null | awk -v n="$2" '$1 == n { printf "%.0f", $2; f = 1 } END { if (!f) print 0 }'
}
save_metrics() { http_get "$1" /metrics > "$LOGDIR/metrics-$2.txt" 2>/dev/null || true; }

# start_node NUM HTTP_PORT [serve flags...]: node NUM's data dir is $WORK/hkNUM, its log
# $LOGDIR/hikyaku-NUM.log; sets NODE_STARTED.
start_node() {
    local num=$1 port=$2 lf=$LOGDIR/hikyaku-$1.log; shift 2
    port_busy "$port" && die "port $port already in use (not by this script); set HTTP_PORT/HTTP_PORT2"
    mkdir -p "$WORK/hk$num"
    echo "--- $(date +%T) serve $*" >> "$lf"
    # shellcheck disable=SC2086
    HIKYAKU_BOOTSTRAP_ACCESS_KEY_ID=$KEY_ID HIKYAKU_BOOTSTRAP_SECRET_ACCESS_KEY=$KEY_SECRET \
    "$HK" serve --data "$WORK/hk$num" "${STORE_ARGS[@]}" --http "127.0.0.1:$port" \
        --smtp off --smtps off --mx off \
        --route "fast.test=127.0.0.1:$FAST_PORT" --route "bench.test=127.0.0.1:$FAST_PORT" \
        --route "slow.test=127.0.0.1:$SLOW_PORT" \
        --route "nodes1.test=127.0.0.1:$SLOW_PORT" --route "nodes2.test=127.0.0.1:$SLOW_PORT" \
        --log-level warn "$@" $HK_EXTRA_ARGS >>"$lf" 2>&1 &
    NODE_STARTED=$!
    echo "$NODE_STARTED" > "$WORK/hk$num.pid"
    for _ in $(seq 300); do
        alive "$NODE_STARTED" || { tail -5 "$lf" >&2; die "hikyaku node $num exited at start (see $lf)"; }
        http_get "$port" /healthz >/dev/null 2>&1 && return 0
        nap 0.1
    done
    die "hikyaku node $num did not answer /healthz on $port within 30 s (see $lf)"
}
start_hk()  { start_node 1 "$HTTP_PORT" "$@"; HK_PID=$NODE_STARTED; }
start_hk2() { start_node 2 "$HTTP_PORT2" "$@"; HK2_PID=$NODE_STARTED; }
stop_hk()   { stop_pid "$HK_PID" TERM 60; HK_PID=; rm -f "$WORK/hk1.pid"; }
stop_hk2()  { stop_pid "$HK2_PID" TERM 60; HK2_PID=; rm -f "$WORK/hk2.pid"; }
check_alive() {
    alive "$HK_PID" || die "hikyaku (node 1) died (see $LOGDIR/hikyaku-1.log)"
    [[ -z $HK2_PID ]] || alive "$HK2_PID" || die "hikyaku node 2 died (see $LOGDIR/hikyaku-2.log)"
}

# send NAME COUNT TO [bench send flags...]: bench send through node 1's API; its JSON
# report in $LOGDIR/send-NAME.json, its progress in send-NAME.log.
send() {
    local name=$1 count=$2 to=$3; shift 3
    AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$KEY_SECRET \
    timeout "$ENQUEUE_TIMEOUT" "$HK" bench send --api "http://127.0.0.1:$HTTP_PORT" --clients "$CLIENTS" \
        --count "$count" --size "$SIZE" --from "$FROM" --to "$to" --json "$@" \
        >"$LOGDIR/send-$name.json" 2>"$LOGDIR/send-$name.log" ||
        { check_alive; die "bench send ($name) failed (see $LOGDIR/send-$name.log and .json)"; }
}
sent() { jq -r "$2" "$LOGDIR/send-$1.json"; }   # sent NAME JQ_FILTER

# wait_sink HTTP_PORT DOMAIN TARGET TIMEOUT_S WHAT: until the sink took TARGET recipients
# of DOMAIN, logging progress every 10 s.
wait_sink() {
    local http=$1 dom=$2 target=$3 limit=$4 what=$5 n=0 t0 last=0 tick
    t0=$(now_us); tick=$t0
    while :; do
        n=$(sink_accepted "$http" "$dom")
        (( n >= target )) && return 0
        check_alive
        if (( $(now_us) - t0 > limit * 1000000 )); then
            die "$what: the sink took $n of $target $dom messages in ${limit}s (see $LOGDIR/hikyaku-*.log)"
        fi
        if (( $(now_us) - tick >= 10000000 )); then
            log "  $what: $n of $target delivered ($(calc "($n - $last) / (($(now_us) - $tick) / 1e6)" 0)/s)"
            last=$n; tick=$(now_us)
        fi
        nap 0.5
    done
}

# rss_sampler: VmRSS of node 1 (and node 2) every SAMPLE s into rss.tsv, from the
# PID files (the nodes phase restarts them).
rss_sampler() {
    local t0 p1 p2
    t0=$(now_us)
    echo "# elapsed_s node1_rss_mb node2_rss_mb" > "$LOGDIR/rss.tsv"
    while :; do
        p1=$(cat "$WORK/hk1.pid" 2>/dev/null || true); p2=$(cat "$WORK/hk2.pid" 2>/dev/null || true)
        echo "$(( ($(now_us) - t0) / 1000000 )) $( [[ -n $p1 ]] && rss_mb "$p1" || echo 0) $( [[ -n $p2 ]] && rss_mb "$p2" || echo 0)" \
            >> "$LOGDIR/rss.tsv"
        nap "$SAMPLE"
    done
}

# ---------------------------------------------------------------- cleanup

cleanup() {
    set +e
    stop_pid "$SAMPLER_PID"
    stop_hk2
    stop_hk
    stop_slow_sink
    stop_fast_sink
}
trap cleanup EXIT
trap 'exit 130' INT TERM

reap_leftovers() {   # what an interrupted earlier run left behind, by PID file and command line
    local f p
    for f in "$WORK"/hk1.pid "$WORK"/hk2.pid "$WORK"/fast-sink.pid "$WORK"/slow-sink.pid; do
        [[ -f $f ]] || continue
        p=$(cat "$f")
        if [[ -n $p && -r /proc/$p/cmdline ]] && tr '\0' ' ' < "/proc/$p/cmdline" | grep -qE -- "bench sink|--data $WORK/hk"; then
            log "stopping leftover pid $p ($(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-60)...)"
            stop_pid_foreign "$p"
        fi
        rm -f "$f"
    done
}
stop_pid_foreign() {   # not our child: no wait
    kill "$1" 2>/dev/null || true
    for _ in $(seq 600); do kill -0 "$1" 2>/dev/null || return 0; nap 0.1; done
    kill -KILL "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------- checks and build

[[ $WORK == /* && $WORK != / ]] || die "WORK must be an absolute path other than /"
for v in N_QUEUE N_FRESH N_NODES CLIENTS SIZE FRESH_WAIT ENQUEUE_TIMEOUT DRAIN_TIMEOUT; do
    [[ ${!v} =~ ^[0-9]+$ ]] && (( ${!v} > 0 )) || die "$v must be a positive integer (got '${!v}')"
done
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer (got '$WARMUP')"
[[ $STORE == sqlite || $STORE == postgres ]] || die "STORE must be sqlite or postgres (got '$STORE')"
[[ $IDENTITY == address || $IDENTITY == domain ]] || die "IDENTITY must be address or domain (got '$IDENTITY')"
[[ $TWO_NODES == 0 || $TWO_NODES == 1 ]] || die "TWO_NODES must be 0 or 1"
if (( TWO_NODES )) && [[ $STORE != postgres ]]; then
    die "TWO_NODES=1 needs STORE=postgres (two nodes share one PostgreSQL store; SQLite is one node's)"
fi
for b in curl jq ss awk timeout; do command -v "$b" >/dev/null || die "missing $b (Debian: apt-get install curl jq iproute2)"; done
if [[ $STORE == postgres ]]; then
    for b in psql createdb dropdb pg_isready; do command -v "$b" >/dev/null || die "missing $b (Debian: postgresql-client)"; done
fi

mkdir -p "$WORK"
reap_leftovers
rm -rf "$LOGDIR" "$WORK/hk1" "$WORK/hk2"; mkdir -p "$LOGDIR"
: > "$RESULTS"; : > "$LOGDIR/admin.log"

build_hikyaku
"$HK" queue retry --help >/dev/null 2>&1 || die "$HK has no 'queue retry' command (too old?)"

host_header bench-scale \
    "store=$STORE$( [[ $STORE == postgres ]] && echo " ($(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc 'SHOW server_version' 2>/dev/null))")"
out "# n_queue=$N_QUEUE n_fresh=$N_FRESH size=$SIZE clients=$CLIENTS warmup=$WARMUP defer_reply=$DEFER_REPLY" \
    "identity=$IDENTITY two_nodes=$TWO_NODES$( (( TWO_NODES )) && echo " n_nodes=$N_NODES")"

wait_quiet

# ---------------------------------------------------------------- 1. setup

log "1. setup: fresh $STORE store, sinks, account, identity"
fresh_store
start_fast_sink
start_slow_sink --reply "slow.test=$DEFER_REPLY"
start_hk; stop_hk                  # bootstrap: account "default" with the fixed key
if [[ $IDENTITY == domain ]]; then
    FROM=a@bench.test
    hk_admin identity create bench.test >/dev/null; hk_admin identity verify bench.test >/dev/null
else
    hk_admin identity create "$FROM" >/dev/null; hk_admin identity verify "$FROM" >/dev/null
fi
start_hk
rss_sampler & SAMPLER_PID=$!

declare -A RATE SECS MEM NOTE   # phase -> figures for the table
row() { RATE[$1]=$2; SECS[$1]=$3; MEM[$1]=$4; NOTE[$1]=${5:-}; }

# fresh NAME: N_FRESH to fast.test, delivered/s through the fast sink's stats.
fresh() {
    local name=$1 c0 c1 m0 m1 g0
    c0=$(tree_ticks "$HK_PID"); m0=$(machine_ticks); g0=$(metric "$HTTP_PORT" hikyaku_queue_given_back_total)
    send "$name" "$N_FRESH" fast.test --sink-stats "$(sink_url "$FAST_HTTP")" --wait "${FRESH_WAIT}s" --progress=false
    c1=$(tree_ticks "$HK_PID"); m1=$(machine_ticks)
    local acc del rate el p50 p99 complete
    acc=$(sent "$name" .accepted); del=$(sent "$name" '.sink.delivered // 0')
    rate=$(sent "$name" '.sink.delivered_per_s // 0 | . * 10 | round / 10')
    el=$(sent "$name" '.sink.elapsed_s // 0 | . * 100 | round / 100')
    p50=$(sent "$name" '.sink.latency_us.p50 // 0 | . / 1000 | round')
    p99=$(sent "$name" '.sink.latency_us.p99 // 0 | . / 1000 | round')
    complete=$(sent "$name" '.sink.complete // false')
    if [[ $complete != true ]]; then
        [[ $name != unloaded ]] || die "unloaded: only $del of $acc messages reached the fast sink in ${FRESH_WAIT}s (see $LOGDIR/hikyaku-1.log)"
        log "  WARNING: $name: only $del of $acc accepted messages reached the sink in ${FRESH_WAIT}s"
    fi
    save_metrics "$HTTP_PORT" "$name"
    local hwm; hwm=$(hwm_mb "$HK_PID")
    row "$name" "$rate" "$el" "$hwm"
    out "run $name n=$N_FRESH accepted=$acc delivered=$del complete=$complete delivered_msgs_per_s=$rate elapsed_s=$el" \
        "accepted_msgs_per_s=$(sent "$name" '.accepted_per_s | . * 10 | round / 10')" \
        "latency_ms_p50=$p50 latency_ms_p99=$p99 given_back=$(( $(metric "$HTTP_PORT" hikyaku_queue_given_back_total) - g0 ))" \
        "hk_cpu_s=$(cpu_s "$c0" "$c1") machine_busy_pct,iowait_pct=$(machine_pct "$m0" "$m1" | tr ' ' ,)" \
        "peak_rss_mb=$hwm rss_mb=$(rss_mb "$HK_PID")"
}

# ---------------------------------------------------------------- 2. unloaded

if (( WARMUP > 0 )); then
    log "2. warm-up: $WARMUP to fast.test"
    send warmup "$WARMUP" fast.test --sink-stats "$(sink_url "$FAST_HTTP")" --wait 120s --progress=false
fi
log "2. unloaded: $N_FRESH to fast.test"
fresh unloaded

# ---------------------------------------------------------------- 3. enqueue

log "3. enqueue: $N_QUEUE to slow.test (deferred with $DEFER_REPLY); progress in $LOGDIR/send-enqueue.log"
c0=$(tree_ticks "$HK_PID"); m0=$(machine_ticks); d0=$(metric "$HTTP_PORT" hikyaku_queue_deferred_total)
g0=$(metric "$HTTP_PORT" hikyaku_queue_given_back_total)
send enqueue "$N_QUEUE" slow.test
c1=$(tree_ticks "$HK_PID"); m1=$(machine_ticks)
Q_ACC=$(sent enqueue .accepted); Q_REJ=$(sent enqueue .rejected)
(( Q_REJ == 0 )) || log "  WARNING: $Q_REJ of $N_QUEUE refused by the API (see $LOGDIR/send-enqueue.json)"
(( Q_ACC > 0 )) || die "the API accepted none of the enqueue run (see $LOGDIR/send-enqueue.json)"
Q_RATE=$(sent enqueue '.accepted_per_s | . * 10 | round / 10'); Q_EL=$(sent enqueue '.elapsed_s | . * 10 | round / 10')
counts=$(hk_admin queue status --json)
save_metrics "$HTTP_PORT" enqueue
Q_HWM=$(hwm_mb "$HK_PID")
row enqueue "$Q_RATE" "$Q_EL" "$Q_HWM"
out "run enqueue n=$N_QUEUE accepted=$Q_ACC rejected=$Q_REJ accepted_msgs_per_s=$Q_RATE elapsed_s=$Q_EL" \
    "queue=$(jq -c . <<< "$counts") attempts_deferred=$(( $(metric "$HTTP_PORT" hikyaku_queue_deferred_total) - d0 ))" \
    "throttle_signals=$(metric "$HTTP_PORT" hikyaku_queue_throttle_signals_total)" \
    "given_back=$(( $(metric "$HTTP_PORT" hikyaku_queue_given_back_total) - g0 ))" \
    "hk_cpu_s=$(cpu_s "$c0" "$c1") machine_busy_pct,iowait_pct=$(machine_pct "$m0" "$m1" | tr ' ' ,)" \
    "peak_rss_mb=$Q_HWM rss_mb=$(rss_mb "$HK_PID") data_mb=$(data_mb)"

# ---------------------------------------------------------------- 4. loaded

log "4. loaded: $N_FRESH to fast.test with $Q_ACC waiting for slow.test"
fresh loaded
LOAD_RATIO=$(calc "${RATE[loaded]} / ${RATE[unloaded]}" 2)
NOTE[loaded]=$LOAD_RATIO
out "run loaded_vs_unloaded ratio=$LOAD_RATIO queue_after=$(hk_admin queue status --json | jq -c .) data_mb=$(data_mb)"

# ---------------------------------------------------------------- 5. drain

log "5. drain: the slow sink accepts again; queue retry --domain slow.test; until it took $Q_ACC"
stop_slow_sink
start_slow_sink   # every domain taken
c0=$(tree_ticks "$HK_PID"); m0=$(machine_ticks); g0=$(metric "$HTTP_PORT" hikyaku_queue_given_back_total)
t0=$(now)
retry_out=$(hk_admin queue retry --domain slow.test)
t1=$(now)
log "  $retry_out ($(calc "$t1 - $t0" 1)s)"
wait_sink "$SLOW_HTTP" slow.test "$Q_ACC" "$DRAIN_TIMEOUT" drain
t2=$(now)
c1=$(tree_ticks "$HK_PID"); m1=$(machine_ticks)
D_EL=$(calc "$t2 - $t0" 1); D_RATE=$(calc "$Q_ACC / ($t2 - $t0)" 1)
save_metrics "$HTTP_PORT" drain
D_HWM=$(hwm_mb "$HK_PID")
row drain "$D_RATE" "$D_EL" "$D_HWM"
out "run drain n=$Q_ACC drain_msgs_per_s=$D_RATE elapsed_s=$D_EL retry_cmd_s=$(calc "$t1 - $t0" 1)" \
    "retry=\"$retry_out\" given_back=$(( $(metric "$HTTP_PORT" hikyaku_queue_given_back_total) - g0 )) hk_cpu_s=$(cpu_s "$c0" "$c1") machine_busy_pct,iowait_pct=$(machine_pct "$m0" "$m1" | tr ' ' ,)" \
    "peak_rss_mb=$D_HWM rss_mb=$(rss_mb "$HK_PID") queue_after=$(hk_admin queue status --json | jq -c .)"

# ---------------------------------------------------------------- 6. nodes

# nodes_drain NUM DOMAIN: queue N_NODES for DOMAIN with delivery off, then deliver them
# with NUM nodes.
nodes_drain() {
    local num=$1 dom=$2 name=nodes$1 ta tb el rate hwm d1 d2=0 gb
    stop_hk
    start_hk --delivery=false
    log "6. $name: queue $N_NODES for $dom with delivery off"
    send "$name-queue" "$N_NODES" "$dom" --progress=false
    (( $(sent "$name-queue" .accepted) == N_NODES )) ||
        die "$name: the API refused some of $N_NODES (see $LOGDIR/send-$name-queue.json)"
    stop_hk
    log "6. $name: deliver them with $num node(s)"
    ta=$(now)
    start_hk
    (( num == 2 )) && start_hk2
    wait_sink "$SLOW_HTTP" "$dom" "$N_NODES" "$DRAIN_TIMEOUT" "$name"
    tb=$(now)
    el=$(calc "$tb - $ta" 1); rate=$(calc "$N_NODES / ($tb - $ta)" 1)
    hwm=$(hwm_mb "$HK_PID"); d1=$(metric "$HTTP_PORT" hikyaku_queue_delivered_total)
    gb=$(metric "$HTTP_PORT" hikyaku_queue_given_back_total)
    save_metrics "$HTTP_PORT" "$name-node1"
    if (( num == 2 )); then
        hwm+="+$(hwm_mb "$HK2_PID")"; d2=$(metric "$HTTP_PORT2" hikyaku_queue_delivered_total)
        gb+="+$(metric "$HTTP_PORT2" hikyaku_queue_given_back_total)"
        save_metrics "$HTTP_PORT2" "$name-node2"
        stop_hk2
    fi
    row "$name" "$rate" "$el" "$hwm"
    out "run $name n=$N_NODES nodes=$num drain_msgs_per_s=$rate elapsed_s=$el delivered_node1=$d1 delivered_node2=$d2 given_back=$gb" \
        "queue_accepted_msgs_per_s=$(sent "$name-queue" '.accepted_per_s | . * 10 | round / 10') peak_rss_mb=$hwm"
}

if (( TWO_NODES )); then
    nodes_drain 1 nodes1.test
    nodes_drain 2 nodes2.test
    NODES_RATIO=$(calc "${RATE[nodes2]} / ${RATE[nodes1]}" 2)
    NOTE[nodes2]=$NODES_RATIO
fi

stop_pid "$SAMPLER_PID"; SAMPLER_PID=
PEAK_ALL=$(awk '!/^#/ && $2 > m { m = $2 } END { print m + 0 }' "$LOGDIR/rss.tsv")
stop_hk2; stop_hk
ERRS=$(cat "$LOGDIR"/hikyaku-*.log | grep -c 'level=ERROR' || true)
WARNS=$(cat "$LOGDIR"/hikyaku-*.log | grep -c 'level=WARN' || true)

# ---------------------------------------------------------------- the table

declare -A LABEL=(
    [unloaded]="fresh mail, unloaded (fast.test)"
    [enqueue]="enqueue $N_QUEUE (slow.test, deferred)"
    [loaded]="fresh mail with the queue full (fast.test)"
    [drain]="drain after queue retry (slow.test)"
    [nodes1]="drain, 1 node (queued backlog)"
    [nodes2]="drain, 2 nodes (queued backlog)"
)
{
    echo
    echo "hikyaku at scale on $(nproc) CPUs, $STORE store, $SIZE-byte messages, API with $CLIENTS clients:"
    echo
    echo "| Phase | Messages | msgs/s | Seconds | Peak RSS MB | Ratio |"
    echo "|---|---|---|---|---|---|"
    for p in unloaded enqueue loaded drain nodes1 nodes2; do
        [[ -n ${RATE[$p]:-} ]] || continue
        case $p in
            unloaded|loaded) n=$N_FRESH ;;
            enqueue|drain) n=$Q_ACC ;;
            *) n=$N_NODES ;;
        esac
        echo "| ${LABEL[$p]} | $n | ${RATE[$p]} | ${SECS[$p]} | ${MEM[$p]} | ${NOTE[$p]:-} |"
    done
    echo
    echo "msgs/s: fresh = delivered/s from the first submission to the last arrival at the sink;"
    echo "enqueue = accepted/s by the API; drain = deferred recipients taken by the sink per second"
    echo "from queue retry on. Peak RSS: VmHWM of hikyaku since its start (nodes: node 1 + node 2)."
    echo "Ratio: loaded / unloaded fresh rate (target >= 0.5); 2 nodes / 1 node."
    echo
} | tee -a "$RESULTS"

met() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 >= b + 0 ? "met" : "not met") }'; }
out "sampled_max_rss_mb_node1=$PEAK_ALL (VmRSS every ${SAMPLE}s, $LOGDIR/rss.tsv)"
out "peak_rss_mb_queue_full=${MEM[loaded]}"
out "fresh_ratio=$LOAD_RATIO"
out "target_rss_under_1gib=$(met 1024 "${MEM[loaded]}")$( (( N_QUEUE < 1000000 )) && echo " (with $N_QUEUE queued, not 1,000,000)")"
out "target_fresh_ratio_0.5=$(met "$LOAD_RATIO" 0.5)"
[[ -z ${NODES_RATIO:-} ]] || out "nodes_ratio=$NODES_RATIO"
out "hikyaku_log_errors=$ERRS hikyaku_log_warnings=$WARNS (see $LOGDIR/hikyaku-*.log)"
out "script_wall_s=$(calc "$(now) - $T_SCRIPT0" 0)"
