#!/usr/bin/env bash
# Installs the independent peers the differential tests compare netpolc with,
# pinned, into .venv-peers/ at the repository root. Idempotent and quiet: a
# second run does nothing. Prints the path of the `nca` executable, so that
#
#   export NETPOLC_NCA="$(bash .ci/peers.sh)"
#
# is all a CI job needs before `cargo test`.
set -euo pipefail

NCA_VERSION=2.1.0
KUBERNETES_VALIDATE_VERSION=1.37.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-peers"
stamp="$venv/.peers-installed"
want="network-config-analyzer==$NCA_VERSION kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"

if [[ ! -x "$venv/bin/nca" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "network-config-analyzer==$NCA_VERSION" \
        "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2
    echo "$want" > "$stamp"
fi
echo "$venv/bin/nca"
