#!/usr/bin/env bash
# Prints the CHANGELOG section of one version: the release workflow's notes for the tag.
#
#   bash .ci/release/changelog-section.sh VERSION [CHANGELOG]    # VERSION with or without a v
#
# The section is the body under the level-2 heading naming the version (`## 0.2.0`,
# `## v0.2.0`, `## [0.2.0]`, each optionally followed by ` - DATE` or ` (DATE)`), up to the
# next level-2 heading, without leading and trailing blank lines. A version with no section,
# or an empty one, is an error: a release without notes is a release nobody prepared.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 VERSION [CHANGELOG]" >&2
    exit 2
fi
version="${1#v}"
file="${2:-$(dirname "${BASH_SOURCE[0]}")/../../CHANGELOG.md}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] \
    || { echo "changelog-section: '$1' is not a version (MAJOR.MINOR.PATCH)" >&2; exit 2; }
[[ -f "$file" ]] || { echo "changelog-section: no $file" >&2; exit 2; }

# awk compares the heading's version as a string, not a pattern: a `.` in the version is a dot.
section="$(awk -v want="$version" '
    function heading_version(line,   v) {
        v = substr(line, 4)
        sub(/^\[/, "", v)
        sub(/^v/, "", v)
        sub(/[] ].*$/, "", v)
        return v
    }
    /^## / {
        if (inside) exit
        if (heading_version($0) == want) { inside = 1; next }
    }
    inside { print }
' "$file")"
# Trim the blank lines around the body (command substitution already dropped trailing ones).
section="$(printf '%s\n' "$section" | sed '/./,$!d')"
if [[ -z "$section" ]]; then
    echo "changelog-section: $file has no section for $version (a heading '## $version' with lines under it)" >&2
    exit 1
fi
printf '%s\n' "$section"
