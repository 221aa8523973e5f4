#!/usr/bin/env bash
# Builds the release binary as users get it (release archives, the Action, the container) and
# fails when it is 15 MB or more: the release profile strips it (Cargo.toml: strip = true, no
# debug information). A profile that keeps debug information again makes it about 61 MB.
#
#   bash .ci/release/size-check.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
limit=$((15 * 1024 * 1024))
cargo build --release --locked --quiet --bin netpolc
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/netpolc"
size="$(wc -c < "$bin")"
size="${size// /}"
if [[ "$size" -ge "$limit" ]]; then
    echo "release size: $bin is $size bytes, not under 15 MB ($limit bytes): the release profile in Cargo.toml must strip the binary (strip = true, debug = false); profile with --profile profiling instead" >&2
    exit 1
fi
echo "release size: $bin is $size bytes, under 15 MB"
