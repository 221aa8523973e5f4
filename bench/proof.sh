#!/usr/bin/env bash
# Benchmark: the proof that NetworkPolicies mean what a program says (`verify::proof`),
# alone and inside `netpolc compile` (its self-check) and `netpolc check`, on the
# generated programs of `compiler/examples/gen_program.rs` (N namespaces, ten statements
# each), N = 100, 1000 (default); then NCA's `--equiv` beside `netpolc check` at small N.
#
#   bash bench/proof.sh
#   SIZES="1000" RUNS=3 NCA_SIZES="5" bash bench/proof.sh
#   NCA_SIZES="" bash bench/proof.sh          # netpolc only
#   SIZES="" bash bench/proof.sh              # NCA beside netpolc check only
#
# Table 1, median of RUNS runs (default 5), peak RSS by /usr/bin/time, on one core
# (taskset -c 0) and on two (no pinning: the loader and the proof use
# `available_parallelism` threads):
#   proof:   `verify::proof::prove` alone, in process (examples/bench_proof.rs);
#   compile: `netpolc compile PROGRAM --stdout` (includes the self-check);
#   check:   `netpolc check PROGRAM --policies DIR` on the compiled DIR (compile with its
#            self-check, then read DIR and prove it).
# Table 2, one core, in process (bench_proof): reading the emitted YAML back
# (`model::load`), lifting both sides and deciding under one ipBlock behaviour, and the
# proof (both behaviours, lifting included) with the box comparisons it used.
# Table 3: NCA (`nca --equiv NEW -b BASE -r PODS`), which decides only for the pods it is
# shown, on a sampled cluster of the program (examples/sample_cluster.rs), beside
# `netpolc check`, which decides for every cluster; NEW is the compiled policies with
# every policy renamed (same meaning) or with one port changed. NCA runs once per case;
# it is skipped at a size when a run took more than NCA_BUDGET seconds (default 180) at
# the previous size and is killed after NCA_TIMEOUT seconds (default 1800). NCA comes
# from NETPOLC_NCA, else from .ci/peers.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
SIZES="${SIZES-100 1000}"
RUNS="${RUNS:-5}"
NCA_SIZES="${NCA_SIZES-5 20 50}"
NCA_BUDGET="${NCA_BUDGET:-180}"
NCA_TIMEOUT="${NCA_TIMEOUT:-1800}"
command -v taskset >/dev/null || { echo "bench: taskset is missing (util-linux)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

cargo build --release --quiet --bin netpolc \
    --example gen_program --example bench_proof --example sample_cluster
netpolc="$root/target/release/netpolc"
examples="$root/target/release/examples"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# run CORES CMD...: runs CMD on core 0 (CORES=1) or unpinned (CORES=2), stdout to
# $work/out; sets SECS (wall), KB (peak RSS) and RC.
run() {
    local cores="$1"; shift
    local pin=()
    [[ "$cores" == 1 ]] && pin=(taskset -c 0)
    local t0=$EPOCHREALTIME
    set +e
    /usr/bin/time -f %M -o "$work/rss" "${pin[@]}" "$@" >"$work/out" 2>"$work/err"
    RC=$?
    set -e
    SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    KB=$(tail -n 1 "$work/rss")
}

# measure CORES EXPECTED_RC CMD...: "median s, largest RSS MB" of RUNS runs.
measure() {
    local cores="$1" want="$2"; shift 2
    local times=() kb=0
    for _ in $(seq "$RUNS"); do
        run "$cores" "$@"
        if [[ $RC -ne $want ]]; then
            echo "bench: exit $RC (expected $want): $*" >&2
            cat "$work/err" >&2
            exit 1
        fi
        times+=("$SECS")
        (( KB > kb )) && kb=$KB
    done
    printf '%.2f s, %d MB' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" "$(( kb / 1024 ))"
}

# bench_proof's value for KEY in $work/out.
field() { tr ' ' '\n' <"$work/out" | sed -n "s/^$1=//p"; }

if [[ -n "$SIZES" ]]; then
    table2=()
    echo "| namespaces | statements | policies | proof alone, 1 core | proof alone, 2 cores | compile --stdout, 1 core | compile --stdout, 2 cores | check, 1 core | check, 2 cores |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for n in $SIZES; do
        program="$work/program-$n.npl"
        "$examples/gen_program" "$n" "$program"
        statements=$(grep -c '^  ' "$program")
        rm -rf "$work/out-$n"
        "$netpolc" compile "$program" -o "$work/out-$n" >/dev/null 2>&1
        policies=$(find "$work/out-$n" -name '*.yaml' ! -name kustomization.yaml | wc -l)

        proof=()
        for cores in 1 2; do
            run "$cores" "$examples/bench_proof" "$program" "$RUNS"
            [[ $RC -eq 0 ]] || { cat "$work/err" >&2; exit 1; }
            proof+=("$(printf '%.3f s' "$(field prove_s)")")
            if [[ $cores == 1 ]]; then
                table2+=("| $n | $(field policies) | $(field load_s) s | $(field lift_s) s | $(field decide_s) s | $(field prove_s) s | $(field comparisons) |")
            fi
        done
        compile1=$(measure 1 0 "$netpolc" compile "$program" --stdout)
        compile2=$(measure 2 0 "$netpolc" compile "$program" --stdout)
        check1=$(measure 1 0 "$netpolc" check "$program" --policies "$work/out-$n")
        check2=$(measure 2 0 "$netpolc" check "$program" --policies "$work/out-$n")
        echo "| $n | $statements | $policies | ${proof[0]} | ${proof[1]} | $compile1 | $compile2 | $check1 | $check2 |"
        echo "bench: N=$n done" >&2
    done

    echo
    echo "In process, one core (median of $RUNS):"
    echo
    echo "| namespaces | policies | load (YAML → policies) | lift, one behaviour | decide, one behaviour | proof, both behaviours | box comparisons (of the budget) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${table2[@]}"
fi

[[ -n "$NCA_SIZES" ]] || exit 0
nca="${NETPOLC_NCA:-}"
[[ -n "$nca" ]] || nca="$(bash .ci/peers.sh)"

# nca_case NEW: one NCA run on one core, NEW against $base with the pods of $pods; sets
# NCA_RESULT ("SECS s, MB MB (verdict)") and raises nca_max to its time.
nca_case() {
    if awk -v t="$nca_last" -v b="$NCA_BUDGET" 'BEGIN { exit !(t > b) }'; then
        NCA_RESULT="skipped (>${NCA_BUDGET} s at the previous size)"
        return
    fi
    run 1 timeout "$NCA_TIMEOUT" "$nca" --equiv "$1" -b "$base" -r "$pods"
    local verdict
    case $RC in
        0) verdict=equal ;;
        1) verdict=differ ;;
        124) NCA_RESULT="timeout (>${NCA_TIMEOUT} s)"; nca_max=999999; return ;;
        *) NCA_RESULT="failed (exit $RC)"; cat "$work/out" "$work/err" >&2; return ;;
    esac
    # NCA exits 1 when it found a difference; check that it says so.
    if [[ $verdict == differ ]] && ! grep -q 'not contained in' "$work/out"; then
        echo "bench: NCA exit 1 without a difference:" >&2
        cat "$work/out" "$work/err" >&2
        exit 1
    fi
    NCA_RESULT=$(printf '%.2f s, %d MB (%s)' "$SECS" "$(( KB / 1024 ))" "$verdict")
    awk -v t="$SECS" -v m="$nca_max" 'BEGIN { exit !(t > m) }' && nca_max=$SECS
    return 0
}

echo
echo "NCA beside netpolc check (one core; netpolc median of $RUNS, NCA once):"
echo
echo "| namespaces | sampled namespaces | sampled pods | policies | netpolc check, renamed | NCA --equiv, renamed | netpolc check, one port changed | NCA --equiv, one port changed |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
nca_last=0
for n in $NCA_SIZES; do
    dir="$work/nca-$n"
    mkdir -p "$dir"
    program="$dir/program.npl"
    "$examples/gen_program" "$n" "$program"
    pods="$dir/pods.yaml"
    summary=$("$examples/sample_cluster" "$program" 1 "$pods" 2>&1)
    read -r nns npods < <(echo "$summary" | sed -E 's/.*: ([0-9]+) namespaces, ([0-9]+) pods.*/\1 \2/')
    base="$dir/base.yaml"
    "$netpolc" compile "$program" --stdout >"$base" 2>/dev/null
    policies=$(grep -c '^kind: NetworkPolicy' "$base")
    # Same meaning, no policy text in common with the base (NCA answers identical policy
    # sets without analysing them).
    sed -E 's/^  name: (.*)/  name: renamed-\1/' "$base" >"$dir/renamed.yaml"
    # team-0's api may no longer reach its db on 5432 (the first port: 5432 is that rule).
    sed '0,/port: 5432$/s//port: 5433/' "$base" >"$dir/port.yaml"
    cmp -s "$base" "$dir/port.yaml" && { echo "bench: the port corruption changed nothing" >&2; exit 1; }

    ours_same=$(measure 1 0 "$netpolc" check "$program" --policies "$dir/renamed.yaml")
    ours_port=$(measure 1 1 "$netpolc" check "$program" --policies "$dir/port.yaml")
    nca_max=0
    nca_case "$dir/renamed.yaml"
    nca_same=$NCA_RESULT
    nca_case "$dir/port.yaml"
    nca_port=$NCA_RESULT
    nca_last=$nca_max
    echo "| $n | $nns | $npods | $policies | $ours_same | $nca_same | $ours_port | $nca_port |"
    echo "bench: NCA N=$n done" >&2
done
