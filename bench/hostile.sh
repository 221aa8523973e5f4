#!/usr/bin/env bash
# Benchmark: the worst cases of issue 15 ("every path bounded, every bound explained"), each
# run once on one core (taskset -c 0) with its exit code, wall time and peak RSS
# (/usr/bin/time). Each must end within its budget, or with exit 2 and a message; none may
# abort (a signal, exit 3) or grow without bound.
#
#   bash bench/hostile.sh
#
#   diff-800x80   `netpolc diff` in a repository whose head is 800 statements selecting pods by
#                 3 of 80 label keys (`=` or `!=`), whose base is `cluster may talk to *`:
#                 listing the change is exponential; the proof's budget stops it (NP0602).
#   reach-3000    `netpolc reach -o json` on 3,000 bare pods in 10 namespaces and no policy: 9
#                 million pairs; the map is drawn between groups that connect alike.
#   check-30k     `netpolc check` of a program with 30,000 excepts against a policy with the
#                 same excepts but one (a difference to find).
#   reach-30k     `netpolc reach` of that policy with one pod.
#   ports-5000    `netpolc compile --stdout` of a statement with 5,000 ports.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v taskset >/dev/null || { echo "bench: taskset is missing (util-linux)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
cargo build --release --locked --quiet --bin netpolc
bin="${CARGO_TARGET_DIR:-$root/target}/release/netpolc"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'EOF'
import json, os, sys
work = sys.argv[1]

# The hostile program: 800 selectors over 80 keys (the same generator as
# compiler/tests/it/kit/hostile.rs).
state = 7
def nxt(n):
    global state
    state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    return (state >> 33) % n
lines = ["namespace x {", "  isolate ingress"]
for _ in range(800):
    keys = []
    while len(keys) < 3:
        k = nxt(80)
        if k not in keys:
            keys.append(k)
    reqs = [f"k{k}=v" if nxt(2) == 0 else f"k{k}!=v" for k in keys]
    lines.append(f"  pods({', '.join(reqs)}) in namespaces() may talk to *")
lines.append("}")
open(os.path.join(work, "hostile.npl"), "w").write("\n".join(lines) + "\n")

pods = [f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: ns{i % 10}, labels: {{app: a{i}}}}}\n"
        f"status: {{podIP: 10.{i // 250}.{i % 250}.1}}\n" for i in range(3000)]
open(os.path.join(work, "pods3000.yaml"), "w").write("---\n".join(pods))
open(os.path.join(work, "pod.yaml"), "w").write(
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nstatus: {podIP: 10.1.1.1}\n")

holes = [f"10.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"
         for v in (0x0a000001 + 2 * (i * 97 % 0x7fffff) for i in range(30000))]
open(os.path.join(work, "x30k.npl"), "w").write(
    "namespace x {\n  isolate egress\n  egress only 10.0.0.0/8 except (" + ", ".join(holes) + ")\n}\n")
policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "h", "namespace": "x"},
          "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                   "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8",
                                                   "except": [h + "/32" for i, h in enumerate(holes) if i != 17]}}]}]}}
open(os.path.join(work, "excepts30k.json"), "w").write(json.dumps(policy))

ports = ", ".join(str(1 + 2 * i) for i in range(5000))
open(os.path.join(work, "ports.npl"), "w").write(
    "namespace shop {\n  isolate namespace\n  use dns\n  web may talk to db on " + ports + "\n}\n")
EOF

repo="$work/repo"
mkdir -p "$repo/policies"
printf 'namespace x {\n  isolate ingress\n  cluster may talk to *\n}\n' > "$repo/policies/x.npl"
git -C "$repo" init -q
git -C "$repo" add .
git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -qm base
cp "$work/hostile.npl" "$repo/policies/x.npl"

# measure NAME DIR COMMAND...: one run, output to /dev/null.
measure() {
    local name="$1" dir="$2" start end code rss
    shift 2
    start="$(date +%s.%N)"
    code=0
    (cd "$dir" && /usr/bin/time -f %M -o "$work/rss" taskset -c 0 "$@" > /dev/null 2> "$work/err") || code=$?
    end="$(date +%s.%N)"
    rss="$(tail -n 1 "$work/rss")"
    printf '| %s | %s | %s s | %d MB | %s |\n' "$name" "$code" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')" \
        "$((rss / 1024))" "$(grep -m1 -E '^(error|note)' "$work/err" | cut -c1-90 || true)"
}

echo "| case | exit | time | peak RSS | first message |"
echo "|---|---:|---:|---:|---|"
measure diff-800x80 "$repo" "$bin" diff
measure reach-3000 "$work" "$bin" reach pods3000.yaml -o json
measure check-30k "$work" "$bin" check x30k.npl --policies excepts30k.json
measure reach-30k "$work" "$bin" reach excepts30k.json pod.yaml
measure ports-5000 "$work" "$bin" compile ports.npl --stdout
