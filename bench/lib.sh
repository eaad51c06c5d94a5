#!/usr/bin/env bash
# lib.sh - helpers shared by bench/mta-compare.sh and bench/compare.sh: logging,
# arithmetic, timing without forks, CPU accounting from /proc, process control.
# Sourced, not run. The caller sets RESULTS (out appends there), NAP_FD (an fd
# that never becomes readable, for nap) and HZ (getconf CLK_TCK).

log()  { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
out()  { printf '%s\n' "$*" | tee -a "$RESULTS"; }
die()  { log "FATAL: $*"; exit 1; }
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
now()    { echo "$EPOCHREALTIME"; }
now_us() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000000 + 10#${t#*.} )); }
nap()    { read -r -t "$1" -u "$NAP_FD" _ || true; }
alive() {   # alive PID: running and not a zombie waiting to be reaped (no fork)
    local st
    [[ -n $1 ]] && read -r st 2>/dev/null < "/proc/$1/stat" || return 1
    st=${st##*) }; [[ ${st%% *} != Z ]]
}
proc_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
tree_ticks() {
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v m="$1" '
        { pid = $1; sub(/^.*\) /, "")
          if (pid == m || $2 == m) t += $12 + $13 + $14 + $15 }
        END { print t + 0 }'
}
machine_ticks() {
    awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9
                   print busy, $6, busy + $5 + $6; exit }' /proc/stat
}
machine_pct() {
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[3] - x[3]
        if (t <= 0) t = 1
        printf "%.0f %.0f", 100 * (y[1] - x[1]) / t, 100 * (y[2] - x[2]) / t }'
}
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) printf "%.1f", v[(NR + 1) / 2]
              else        printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
stop_pid() {   # stop_pid PID [SIGNAL] [TIMEOUT_S]: signal, wait, then SIGKILL
    local p=$1 sig=${2:-TERM} t=${3:-10}
    alive "$p" || { [[ -n $p ]] && wait "$p" 2>/dev/null; return 0; }
    kill "-$sig" "$p" 2>/dev/null || true
    for _ in $(seq $(( t * 10 ))); do alive "$p" || break; nap 0.1; done
    if alive "$p"; then
        log "pid $p did not exit within ${t}s of SIG$sig; killing it"
        kill -KILL "$p" 2>/dev/null || true
    fi
    wait "$p" 2>/dev/null || true
}

# wait_quiet [NOTE]: wait up to QUIET_WAIT s until other work on the host uses less than
# QUIET_PCT % of the machine over 3 s, so a run does not start in the middle of someone's
# build; if it never does, go on and say so in the results (NOTE is added to the log line).
wait_quiet() {
    (( QUIET_WAIT > 0 )) || return 0
    local deadline=$(( $(now_us) + QUIET_WAIT * 1000000 )) a b pct
    while :; do
        a=$(machine_ticks); nap 3; b=$(machine_ticks)
        pct=$(machine_pct "$a" "$b"); pct=${pct%% *}
        (( pct < QUIET_PCT )) && { log "host quiet (${pct}% busy)"; return 0; }
        if (( $(now_us) > deadline )); then
            log "host still ${pct}% busy after ${QUIET_WAIT}s; going on${1:+ ($1)}"
            out "# started on a busy host: ${pct}% busy before it"
            return 0
        fi
        log "host ${pct}% busy (other work); waiting for < ${QUIET_PCT}%"
        nap 10
    done
}

# build_hikyaku: HK = HIKYAKU_BIN, or a binary built from REPO into WORK (log in LOGDIR).
build_hikyaku() {
    if [[ -n ${HIKYAKU_BIN:-} ]]; then
        HK=$HIKYAKU_BIN
    else
        command -v go >/dev/null || die "go not found: install Go $(sed -n 's/^go //p' "$REPO/go.mod") or set HIKYAKU_BIN"
        log "building hikyaku"
        (cd "$REPO" && go build -o "$WORK/hikyaku" ./cmd/hikyaku) 2>"$LOGDIR/build.log" ||
            { cat "$LOGDIR/build.log" >&2; die "go build failed (tree mid-edit? set HIKYAKU_BIN=/path/to/hikyaku to use a built binary)"; }
        HK=$WORK/hikyaku
    fi
    [[ -x $HK ]] || die "no hikyaku binary at $HK"
}

# host_header NAME EXTRA...: the two header lines of a results file: the machine, then
# hikyaku's commit and Go's version followed by EXTRA.
host_header() {
    local name=$1 rev dirty; shift
    rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    dirty=$(git -C "$REPO" status --porcelain -- cmd internal go.mod 2>/dev/null | wc -l)
    out "# $name $(date -u +%FT%TZ) host=$(hostname) kernel=$(uname -r) cpus=$(nproc)" \
        "cpu=\"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)\"" \
        "mem=$(awk '/MemTotal/ { printf "%.0fGiB", $2 / 1048576 }' /proc/meminfo)" \
        "fs=$(df --output=source,fstype "$WORK" | tail -1 | tr -s ' ' :)"
    out "# hikyaku=$rev (uncommitted changes in cmd/internal: $dirty files) $(go version 2>/dev/null | cut -d' ' -f3)" "$@"
}
