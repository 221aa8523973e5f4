#!/usr/bin/env bash
# Builds one release archive and its checksum, as the release workflow publishes them and as the
# Action and `cargo binstall` download them (decision 0009's naming), then verifies both.
#
#   bash .ci/release/package.sh VERSION TARGET BINARY OUTDIR
#
# writes OUTDIR/netpolc-vVERSION-TARGET.tar.gz and OUTDIR/netpolc-vVERSION-TARGET.tar.gz.sha256
# (`<hex digest>  <archive name>`, as `sha256sum -c` reads it). The archive holds, at its root
# (the Action extracts the member `netpolc`; binstall's bin-dir is `{ bin }{ binary-ext }`):
#
#   netpolc (netpolc.exe for Windows targets)   README.md   CHANGELOG.md   LICENSE, if any
#   completions/netpolc.bash _netpolc netpolc.fish _netpolc.ps1 netpolc.elv
#   man/netpolc.1 and man/netpolc-COMMAND.1 for each command
#
# Completions and man pages come from BINARY itself (`netpolc completions`, `netpolc man`), so the
# release jobs run on native runners. BINARY's `--version` must be VERSION: a tag that disagrees
# with Cargo.toml fails here, before anything is published.
set -euo pipefail

if [[ $# -ne 4 ]]; then
    echo "usage: $0 VERSION TARGET BINARY OUTDIR" >&2
    exit 2
fi
version="${1#v}"
target="$2"
binary="$3"
out="$4"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

fail() {
    echo "package: $*" >&2
    exit 1
}

[[ "$target" =~ ^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(-[a-z0-9_]+)?$ ]] || fail "'$target' is not a Rust target triple"
[[ -f "$binary" && -x "$binary" ]] || fail "$binary is not an executable file"
reported="$("$binary" --version)"
[[ "$reported" == "netpolc $version" ]] || fail "$binary says '$reported', not 'netpolc $version'"

sha256_of() {
    if command -v sha256sum > /dev/null; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

exe=netpolc
[[ "$target" == *-windows-* ]] && exe=netpolc.exe
asset="netpolc-v$version-$target.tar.gz"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

cp "$binary" "$stage/$exe"
cp "$root/README.md" "$root/CHANGELOG.md" "$stage/"
members=("$exe" README.md CHANGELOG.md)
if [[ -f "$root/LICENSE" ]]; then
    cp "$root/LICENSE" "$stage/"
    members+=(LICENSE)
fi

mkdir "$stage/completions" "$stage/man"
# Each shell's conventional file name for a command's completions.
declare -A completion_file=([bash]=netpolc.bash [zsh]=_netpolc [fish]=netpolc.fish
    [powershell]=_netpolc.ps1 [elvish]=netpolc.elv)
for shell in bash zsh fish powershell elvish; do
    "$binary" completions "$shell" > "$stage/completions/${completion_file[$shell]}"
    [[ -s "$stage/completions/${completion_file[$shell]}" ]] || fail "no $shell completions"
done
"$binary" man > "$stage/man/netpolc.1"
# The commands, as netpolc(1) lists them (clap_mangen: `.TP` then `netpolc-NAME(1)`).
# clap's `help` command has no page of its own worth shipping.
mapfile -t commands < <(sed -n 's/^netpolc\\-\([a-z\\-]*\)(1)$/\1/p' "$stage/man/netpolc.1" | sed 's/\\-/-/g' | grep -vx help)
[[ "${#commands[@]}" -gt 0 ]] || fail "netpolc(1) lists no command"
for command in "${commands[@]}"; do
    "$binary" man "$command" > "$stage/man/netpolc-$command.1"
done
members+=(completions man)

mkdir -p "$out"
# Members named one by one, not `.`, so that the Action's `tar -xzf ARCHIVE netpolc` finds the
# binary (with `.` it would be `./netpolc`).
tar -czf "$out/$asset" -C "$stage" "${members[@]}"
printf '%s  %s\n' "$(sha256_of "$out/$asset")" "$asset" > "$out/$asset.sha256"

# --- verify what was written, as a downloader would ------------------------------------------
# As the Action checks it: the first field of the .sha256 against the archive's digest.
[[ "$(cut -d' ' -f1 < "$out/$asset.sha256")" == "$(sha256_of "$out/$asset")" ]] \
    || fail "$asset does not match $asset.sha256"
listed="$(tar -tzf "$out/$asset" | sed 's|/$||' | sort)"
expected="$(cd "$stage" && find "${members[@]}" | sort)"
[[ "$listed" == "$expected" ]] || fail "$asset holds $(echo "$listed" | tr '\n' ' '), expected $(echo "$expected" | tr '\n' ' ')"
check="$(mktemp -d)"
tar -xzf "$out/$asset" -C "$check" "$exe"
cmp -s "$check/$exe" "$binary" || fail "the $exe in $asset is not $binary"
rm -rf "$check"
echo "package: $out/$asset ($(wc -c < "$out/$asset" | tr -d ' ') bytes), sha256 $(cut -d' ' -f1 < "$out/$asset.sha256")"
