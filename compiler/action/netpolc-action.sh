#!/usr/bin/env bash
# The logic of netpolc's GitHub Action (`action.yml` at the repository root). Each step of the
# action is one call of this script with the step's inputs in the environment, so the offline
# harness (`.ci/action-test.py`) runs exactly what a runner runs. Where this file lives and why:
# docs/decisions/0009-action-scripts.md.
#
#   netpolc-action.sh install   puts netpolc on the runner (output `path`), or, when only a build
#                               from source can, outputs where and under which cache key to build
#                               (`build-root`, `build-key`) and leaves it to `build`
#   netpolc-action.sh build     the binary restored by actions/cache into `build-root`, else
#                               `cargo install` there (actions/cache then saves it); output `path`
#   netpolc-action.sh run       mode check | compile | pr; outputs `changed`, `pr-number`, `pr-url`
#
# Environment (set by action.yml from the inputs; the GITHUB_* and RUNNER_* variables come
# from the runner):
#   install: NETPOLC_VERSION (empty: the version of the action's own source)
#            NETPOLC_BIN (a prebuilt netpolc to use as it is: tests and air-gapped runners)
#            NETPOLC_RELEASE_URL (where releases are; default: the action repository's releases)
#   build:   NETPOLC_BUILD_ROOT, NETPOLC_BUILD_VERSION (install's outputs), NETPOLC_CACHE_HIT
#            (actions/cache/restore's `cache-hit`)
#   run:     NETPOLC (the binary), NETPOLC_MODE, NETPOLC_PATHS, NETPOLC_OUTPUT_DIR, NETPOLC_BASE,
#            NETPOLC_FAIL_ON, NETPOLC_CONFIG, NETPOLC_NO_IPBLOCK_PODS, NETPOLC_BRANCH,
#            NETPOLC_TITLE, NETPOLC_LABELS, NETPOLC_BODY_TEMPLATE, GH_TOKEN
#
# pr mode's commits end with the trailer `Generated-by: netpolc`. That is how it recognises its
# own branch: a branch whose tip lacks the trailer is someone's work, and is neither force-pushed
# nor deleted.
set -euo pipefail
# Failures inside $(...) stop the script as they do outside (a gh call that fails while looking
# for the pull request must not read as "there is none").
shopt -s inherit_errexit
# The step's own stdout, where the runner reads workflow commands. Saved as fd 3 so that an
# annotation (and `die`'s message) reaches the log even from inside $(...), whose stdout is
# captured into a variable.
exec 3>&1

# --- workflow commands and files ------------------------------------------------------------

# Escapes a workflow command's message (`%`, CR, LF), as the runner decodes it.
escape_data() {
    local s="$1"
    s="${s//'%'/%25}"
    s="${s//$'\r'/%0D}"
    s="${s//$'\n'/%0A}"
    printf '%s' "$s"
}

# annotate LEVEL MESSAGE: an annotation (`error`, `warning` or `notice`) titled netpolc, on
# the step's stdout (fd 3) whatever this call's stdout is.
annotate() {
    printf '::%s title=netpolc::%s\n' "$1" "$(escape_data "$2")" >&3
}

die() {
    annotate error "$1"
    exit 1
}

# output NAME VALUE: a step output (one line; every value this script sets is one).
output() {
    printf '%s=%s\n' "$1" "$2" >> "${GITHUB_OUTPUT:-/dev/stderr}"
}

# summary: appends standard input to the job summary.
summary() {
    cat >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
}

# md_code TEXT: TEXT as a markdown code span that nothing inside can close or break, for the
# job summary and pull request comments: the fence is longer than any run of backticks in TEXT,
# spaced off when TEXT touches it, and control characters, which could end the paragraph and
# with it the span (a blank line, then a forged heading), are shown as \n, \r, \t or ?.
md_code() {
    local s="$1" fence='`' pad=''
    s="${s//$'\n'/\\n}"
    s="${s//$'\r'/\\r}"
    s="${s//$'\t'/\\t}"
    s="${s//[[:cntrl:]]/?}"
    while [[ "$s" == *"$fence"* ]]; do fence+='`'; done
    if [[ "$s" == '`'* || "$s" == *'`' || "$s" == ' '*' ' || -z "$s" ]]; then pad=' '; fi
    printf '%s%s%s%s%s' "$fence" "$pad" "$s" "$pad" "$fence"
}

# --- install --------------------------------------------------------------------------------

# The version in the action's own Cargo.toml ([workspace.package]).
source_version() {
    sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' \
        "$GITHUB_ACTION_PATH/Cargo.toml"
}

# The Rust target of the runner's platform for which releases carry a binary.
release_target() {
    case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    *) return 1 ;;
    esac
}

# Where the releases of the action's repository are. The runner does not promise
# GITHUB_ACTION_REPOSITORY to composite actions, so the repository is also read from where the
# runner put the action: .../_actions/OWNER/REPO/REF.
release_base() {
    if [[ -n "${NETPOLC_RELEASE_URL:-}" ]]; then
        echo "${NETPOLC_RELEASE_URL%/}"
        return 0
    fi
    local repo="${GITHUB_ACTION_REPOSITORY:-}"
    if [[ -z "$repo" && "$GITHUB_ACTION_PATH" =~ /_actions/([^/]+)/([^/]+)/[^/]+/?$ ]]; then
        repo="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
    fi
    [[ -n "$repo" ]] || return 1
    echo "${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download"
}

sha256_of() {
    if command -v sha256sum > /dev/null; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# download_release VERSION TARGET DIR: DIR/netpolc from the release's archive, checked against
# its .sha256. Returns 1 when the release has no such archive; a wrong checksum is fatal.
download_release() {
    local version="$1" target="$2" dir="$3" base asset tmp expected actual
    if ! base="$(release_base)"; then
        echo "netpolc: the action's repository is unknown (a local action), so no release to download"
        return 1
    fi
    asset="netpolc-v$version-$target.tar.gz"
    tmp="$(mktemp -d)"
    if ! curl -fsSL --retry 3 -o "$tmp/$asset" "$base/v$version/$asset"; then
        echo "netpolc: no release binary at $base/v$version/$asset"
        return 1
    fi
    curl -fsSL --retry 3 -o "$tmp/$asset.sha256" "$base/v$version/$asset.sha256" \
        || die "the release archive $asset has no $asset.sha256 beside it"
    expected="$(cut -d' ' -f1 < "$tmp/$asset.sha256")"
    actual="$(sha256_of "$tmp/$asset")"
    [[ "$expected" == "$actual" ]] \
        || die "checksum mismatch for $base/v$version/$asset: expected $expected, got $actual"
    mkdir -p "$dir"
    tar -xzf "$tmp/$asset" -C "$dir" netpolc
    chmod +x "$dir/netpolc"
    rm -rf "$tmp"
    echo "netpolc: installed the release binary $asset"
}

# A digest of what `cargo install --path compiler` builds from: a build cached for one commit of
# the action is not reused for another with the same version number (`uses: owner/netpolc@main`).
source_digest() {
    local file input
    local -a inputs=()
    (
        cd "$GITHUB_ACTION_PATH"
        for input in Cargo.toml Cargo.lock compiler grammar stdlib; do
            if [[ -e "$input" ]]; then inputs+=("$input"); fi
        done
        find "${inputs[@]}" -type f ! -path 'compiler/action/*' -print0 \
            | LC_ALL=C sort -z \
            | while IFS= read -r -d '' file; do printf '%s %s\n' "$(sha256_of "$file")" "$file"; done
    ) > "${RUNNER_TEMP:-/tmp}/netpolc-source.sha256"
    sha256_of "${RUNNER_TEMP:-/tmp}/netpolc-source.sha256" | cut -c1-16
}

# installed BIN: the outputs and PATH entry of an installed binary.
installed() {
    "$1" --version
    output path "$1"
    dirname "$1" >> "${GITHUB_PATH:-/dev/null}"
}

cmd_install() {
    local root="${RUNNER_TEMP:-$(mktemp -d)}/netpolc" version source target
    if [[ -n "${NETPOLC_BIN:-}" ]]; then
        [[ -f "$NETPOLC_BIN" && -x "$NETPOLC_BIN" ]] \
            || die "NETPOLC_BIN=$NETPOLC_BIN is not an executable file"
        echo "netpolc: using NETPOLC_BIN=$NETPOLC_BIN"
        installed "$NETPOLC_BIN"
        return 0
    fi
    source="$(source_version)"
    version="${NETPOLC_VERSION:-$source}"
    version="${version#v}"
    if target="$(release_target)" && download_release "$version" "$target" "$root/bin"; then
        installed "$root/bin/netpolc"
    elif [[ "$version" == "$source" ]]; then
        # Built by the `build` step, between actions/cache's restore and save: keyed by the
        # version, the runner's platform and the source, so a later run restores it in seconds.
        echo "netpolc: $version will be built from the action's source, or restored from the cache"
        output build-root "${RUNNER_TEMP:-$(mktemp -d)}/netpolc-build"
        output build-key "netpolc-v$version-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-$(source_digest)"
        output build-version "$version"
    else
        die "netpolc $version has no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}, and the action's source is $source: use the action at that version's tag, or leave the version input empty"
    fi
}

cmd_build() {
    local root="${NETPOLC_BUILD_ROOT:?set by the install step}" version="${NETPOLC_BUILD_VERSION:?set by the install step}"
    local bin="$root/bin/netpolc" reported
    if [[ "${NETPOLC_CACHE_HIT:-}" == true && -x "$bin" ]]; then
        # A cache entry is only as good as what it holds: a binary that does not run as this
        # version is rebuilt rather than trusted.
        if reported="$("$bin" --version 2> /dev/null)" && [[ "$reported" == "netpolc $version" ]]; then
            echo "netpolc: restored the build of $version from the cache"
            installed "$bin"
            return 0
        fi
        echo "netpolc: the cached binary says '${reported:-nothing}', not netpolc $version; building again"
    fi
    echo "netpolc: building $version from the action's source (cached for later runs)"
    cargo install --locked --quiet --force --root "$root" --path "$GITHUB_ACTION_PATH/compiler"
    installed "$bin"
}

# --- run ------------------------------------------------------------------------------------

# Set by cmd_run for the modes.
netpolc=""
out_dir=""
paths=()
config=()
compile_flags=()
diff_flags=()

# The base branch: the input (which defaults to the pull request's base or the repository's
# default branch), or the pull request's base when the input is empty.
base_branch() {
    local base="${NETPOLC_BASE:-${GITHUB_BASE_REF:-}}"
    base="${base#refs/heads/}"
    # The input's default is empty where the event's payload has no repository (`schedule`).
    [[ -n "$base" ]] \
        || die "no base branch: set the action's base input (this ${GITHUB_EVENT_NAME:-?} event gives no pull request base and no default branch)"
    printf '%s' "$base"
}

# fetch_branch BRANCH: refs/remotes/origin/BRANCH from origin, as deep as the checkout is (a
# shallow clone stays shallow).
fetch_branch() {
    local depth=()
    if [[ "$(git rev-parse --is-shallow-repository)" == true ]]; then depth=(--depth=1); fi
    git fetch --quiet --no-tags "${depth[@]}" origin "+refs/heads/$1:refs/remotes/origin/$1"
}

# fetch_base BRANCH: prints `origin/BRANCH` once fetched, or nothing when there is none. A
# checkout without credentials (the check job's `persist-credentials: false`) cannot fetch from
# a private repository; its own origin/BRANCH (`fetch-depth: 0`) serves then.
fetch_base() {
    if ! fetch_branch "$1"; then
        echo "netpolc: cannot fetch $1 from origin; using the checkout's origin/$1, if it has one" >&2
    fi
    if git rev-parse --verify --quiet "refs/remotes/origin/$1^{commit}" > /dev/null; then
        printf 'origin/%s' "$1"
    fi
}

# markdown_diff BASE_REV [netpolc diff flags...]: the change from what BASE_REV has committed
# under the output directory to what the program in the work tree compiles to, in markdown.
# Prints nothing and returns 1 when netpolc diff fails (its errors are on stderr).
markdown_diff() {
    local rev="$1" status=0
    shift
    "$netpolc" diff --base "$rev" --output-dir "$out_dir" -o markdown "${config[@]}" \
        "${diff_flags[@]}" "$@" -- "${paths[@]}" || status=$?
    [[ "$status" -le 1 ]]
}

# summary_diff BASE_REV: the markdown diff into the job summary, or a line saying why not.
summary_diff() {
    local md
    if md="$(markdown_diff "$1")"; then
        printf '%s\n' "$md" | summary
    else
        printf '%s\n' "netpolc could not compute the change in meaning; see the job's log and annotations." | summary
    fi
}

run_check() {
    local base rev status stale=false warned=false
    base="$(base_branch)"
    rev="$(fetch_base "$base")"
    if [[ -z "$rev" ]]; then
        annotate warning "cannot fetch the base branch $base from origin; the summary compares with HEAD"
        rev=HEAD
    fi
    status=0
    "$netpolc" compile "${paths[@]}" -o "$out_dir" --check "${compile_flags[@]}" || status=$?
    if [[ "$status" -eq 1 && " ${compile_flags[*]} " == *" --deny-warnings "* ]]; then
        # Exit 1 with --deny-warnings is the warnings' (netpolc stops before comparing); ask
        # again without it, its diagnostics already annotated, whether the directory is stale.
        warned=true
        status=0
        "$netpolc" compile "${paths[@]}" -o "$out_dir" --check "${config[@]}" \
            --message-format short 2> /dev/null || status=$?
    fi
    [[ "$status" -eq 1 ]] && stale=true
    output changed "$stale"
    {
        echo "## netpolc check"
        echo
        if [[ "$status" -ge 2 ]]; then
            echo ":x: The program does not compile: see the annotations."
        elif [[ "$stale" == true ]]; then
            echo ":x: $(md_code "$out_dir") is not what the program compiles to: run $(md_code "netpolc compile -o $(printf '%q' "$out_dir")") and commit the result."
        else
            echo ":white_check_mark: $(md_code "$out_dir") is up to date."
        fi
        if [[ "$warned" == true ]]; then
            echo
            echo ":x: The program has warnings, and the action fails on warnings."
        fi
        echo
    } | summary
    [[ "$status" -ge 2 ]] || summary_diff "$rev"
    if [[ "$stale" == true ]]; then
        annotate error "$out_dir is not up to date with the program: run netpolc compile -o $out_dir and commit the result"
    fi
    [[ "$status" -eq 0 && "$warned" == false ]] || exit 1
}

# Whether the output directory differs from HEAD (tracked changes or new files).
dir_changed() {
    [[ -n "$(git status --porcelain --untracked-files=all -- "$out_dir")" ]]
}

run_compile() {
    local status=0 changed=false
    "$netpolc" compile "${paths[@]}" -o "$out_dir" "${compile_flags[@]}" || status=$?
    if [[ "$status" -ne 0 ]]; then
        printf '## netpolc compile\n\n:x: Nothing was written: see the annotations.\n' | summary
        exit 1
    fi
    if dir_changed; then changed=true; fi
    output changed "$changed"
    printf '## netpolc compile\n\n' | summary
    if [[ "$changed" == true ]]; then
        echo "$(md_code "$out_dir") now differs from HEAD." | summary
    else
        echo "$(md_code "$out_dir") is what HEAD has." | summary
    fi
    echo | summary
    summary_diff HEAD
}

# The tree of HEAD with the output directory as the work tree has it, written through a
# scratch index so the checkout's own index is left alone.
regenerated_tree() {
    local index
    index="$(mktemp)"
    rm -f "$index"
    GIT_INDEX_FILE="$index" git read-tree HEAD
    GIT_INDEX_FILE="$index" git add -A -- "$out_dir"
    GIT_INDEX_FILE="$index" git write-tree
    rm -f "$index"
}

# The commit that the remote branch points at, or nothing when it does not exist.
remote_branch() {
    git ls-remote --heads origin "refs/heads/$1" | awk -v ref="refs/heads/$1" '$2 == ref { print $1 }'
}

# The open pull request from this repository's BRANCH into BASE, as "NUMBER URL", or nothing.
# `gh pr list --head` matches the branch's name in any repository: a fork's pull request from a
# branch of the same name is listed too. It is someone else's, so it is never edited, commented
# on or closed: only a head in this repository (GH_REPO's owner) counts.
find_pr() {
    local owner="${GH_REPO%/*}" listed number cross login url
    local -a ours=()
    owner="${owner##*/}"
    listed="$(gh pr list --head "$1" --base "$2" --state open \
        --json number,url,isCrossRepository,headRepositoryOwner \
        --jq '.[] | "\(.number) \(.isCrossRepository) \(.headRepositoryOwner.login) \(.url)"')"
    while read -r number cross login url; do
        [[ -n "$number" ]] || continue
        if [[ "$cross" == false && "${login,,}" == "${owner,,}" ]]; then
            ours+=("$number $url")
        else
            # To the log, not to the caller's $(...).
            echo "netpolc: pull request #$number is from $login's branch $1, not this repository's; left alone" >&2
        fi
    done <<< "$listed"
    if [[ "${#ours[@]}" -gt 1 ]]; then
        annotate warning "more than one open pull request from $1 into $2; netpolc updates #${ours[0]%% *}"
    fi
    if [[ "${#ours[@]}" -gt 0 ]]; then printf '%s' "${ours[0]}"; fi
}

# Whether pr mode wrote COMMIT: its message carries the trailer `Generated-by: netpolc`.
netpolc_wrote() {
    local values
    values="$(git log -1 --format='%(trailers:key=Generated-by,valueonly)' "$1")"
    [[ $'\n'"$values"$'\n' == *$'\n'netpolc$'\n'* ]]
}

# label_flags FLAG: FLAG LABEL for each label of the comma-separated input, trimmed.
label_flags() {
    local label
    local -a labels
    IFS=',' read -r -a labels <<< "${NETPOLC_LABELS:-}"
    for label in "${labels[@]}"; do
        label="${label#"${label%%[![:space:]]*}"}"
        label="${label%"${label##*[![:space:]]}"}"
        [[ -n "$label" ]] && printf '%s\0%s\0' "$1" "$label"
    done
    return 0
}

# render_body FILE BASE_REV: the pull request's body, rendered by netpolc diff from BASE_REV
# (the commit the branch is built on) with the user's template when one is given; netpolc keeps
# it under GitHub's limit, whatever the template.
render_body() {
    local template=()
    if [[ -n "${NETPOLC_BODY_TEMPLATE:-}" ]]; then template=(--template "$NETPOLC_BODY_TEMPLATE"); fi
    markdown_diff "$2" "${template[@]}" > "$1" \
        || die "netpolc diff could not render the pull request's body"
}

run_pr() {
    local base_name branch title head tree head_tree remote remote_tree pr number url body commit base_rev
    local pushed=false author email status=0
    base_name="$(base_branch)"
    branch="${NETPOLC_BRANCH:-netpolc/regenerate-$base_name}"
    branch="${branch#refs/heads/}"
    title="${NETPOLC_TITLE:-netpolc: regenerate NetworkPolicies for $base_name}"
    export GH_REPO="${GH_REPO:-${GITHUB_REPOSITORY:?}}"
    git check-ref-format "refs/heads/$branch" || die "branch is \`$branch\`, not a valid branch name"
    # The branch is force-pushed: never onto the base itself, which a checkout behind the base
    # would rewind.
    [[ "$branch" != "$base_name" ]] \
        || die "branch is the base branch, $base_name: netpolc force-pushes its branch, so it needs one of its own (leave the branch input empty for netpolc/regenerate-$base_name)"

    "$netpolc" compile "${paths[@]}" -o "$out_dir" "${compile_flags[@]}" || status=$?
    if [[ "$status" -ne 0 ]]; then
        printf '## netpolc\n\n:x: Nothing was regenerated: see the annotations.\n' | summary
        exit 1
    fi
    head="$(git rev-parse HEAD)"
    # The body names the base by its branch when the checkout is the branch's tip.
    base_rev="$(fetch_base "$base_name")"
    if [[ -n "$base_rev" && "$(git rev-parse "$base_rev")" != "$head" ]]; then
        annotate warning "the checkout ($head) is not the tip of $base_name ($(git rev-parse "$base_rev")): the branch $branch is built on the checkout"
        base_rev=""
    fi
    if [[ -z "$base_rev" ]]; then base_rev="$(git rev-parse --short HEAD)"; fi
    tree="$(regenerated_tree)"
    head_tree="$(git rev-parse "HEAD^{tree}")"
    pr="$(find_pr "$branch" "$base_name")"
    number="${pr%% *}"
    url="${pr#* }"
    remote="$(remote_branch "$branch")"
    remote_tree=""
    if [[ -n "$remote" ]]; then
        # The force-push below (and the deletion) replace whatever the branch holds; the lease
        # only guards against a push in the last moment. So the branch must be netpolc's own.
        fetch_branch "$branch"
        remote="$(git rev-parse "refs/remotes/origin/$branch^{commit}")"
        netpolc_wrote "$remote" \
            || die "the branch $branch on origin ends in a commit netpolc did not write ($remote has no Generated-by: netpolc trailer), so netpolc neither replaces nor deletes it: delete the branch, or set the action's branch input to another name"
        remote_tree="$(git rev-parse "$remote^{tree}")"
    fi

    if [[ "$tree" == "$head_tree" ]]; then
        # The manifests on the base are what the program compiles to: nothing to propose.
        if [[ -n "$pr" ]]; then
            gh pr close "$number" \
                --comment "netpolc: the NetworkPolicies committed on $(md_code "$base_name") are what the program compiles to; nothing is left to merge."
            echo "netpolc: closed pull request #$number"
        fi
        if [[ -n "$remote" ]]; then
            git push --quiet origin --delete "refs/heads/$branch"
            echo "netpolc: deleted $branch"
        fi
        output changed false
        output pr-number ""
        output pr-url ""
        {
            echo "## netpolc"
            echo
            echo ":white_check_mark: $(md_code "$out_dir") on $(md_code "$base_name") is what the program compiles to."
            if [[ -n "$pr" ]]; then echo "Closed #$number."; fi
        } | summary
        return 0
    fi

    body="${RUNNER_TEMP:-$(mktemp -d)}/netpolc-pr-body.md"
    render_body "$body" "$base_rev"
    if [[ "$remote_tree" != "$tree" ]]; then
        author="$(git config user.name || echo 'github-actions[bot]')"
        email="$(git config user.email || echo '41898282+github-actions[bot]@users.noreply.github.com')"
        # The trailer marks the commit as netpolc's (netpolc_wrote).
        commit="$(printf '%s\n\nRegenerated by netpolc from %s at %s.\n\nGenerated-by: netpolc\n' \
            "$title" "${paths[*]:-policies}" "$head" \
            | GIT_AUTHOR_NAME="$author" GIT_AUTHOR_EMAIL="$email" \
                GIT_COMMITTER_NAME="$author" GIT_COMMITTER_EMAIL="$email" \
                git commit-tree "$tree" -p "$head")"
        # The branch is netpolc's: replace whatever it holds, but only if it still holds what
        # was read above (a concurrent run's push is not overwritten blindly).
        git push --quiet --force-with-lease="refs/heads/$branch:$remote" origin "$commit:refs/heads/$branch"
        pushed=true
        echo "netpolc: pushed $commit to $branch"
    else
        echo "netpolc: $branch already holds the regenerated manifests; nothing pushed"
    fi

    local labels=()
    if [[ -z "$pr" ]]; then
        mapfile -d '' labels < <(label_flags --label)
        url="$(gh pr create --base "$base_name" --head "$branch" --title "$title" \
            --body-file "$body" "${labels[@]}" | tail -n 1)"
        number="${url##*/}"
        [[ "$number" =~ ^[0-9]+$ ]] || die "gh pr create printed no pull request's address: $url"
        echo "netpolc: opened pull request #$number: $url"
    elif [[ "$pushed" == true ]]; then
        mapfile -d '' labels < <(label_flags --add-label)
        gh pr edit "$number" --title "$title" --body-file "$body" "${labels[@]}" > /dev/null
        echo "netpolc: updated pull request #$number: $url"
    else
        echo "netpolc: pull request #$number is up to date: $url"
    fi
    output changed true
    output pr-number "$number"
    output pr-url "$url"
    {
        echo "## netpolc"
        echo
        echo "Pull request: $url"
        echo
        cat "$body"
    } | summary
}

cmd_run() {
    netpolc="${NETPOLC:-netpolc}"
    out_dir="${NETPOLC_OUTPUT_DIR:-deploy/netpol}"
    out_dir="${out_dir%/}"
    # The paths input is a whitespace-separated list; no glob is expanded.
    read -r -d '' -a paths <<< "${NETPOLC_PATHS:-}" || true
    if [[ -n "${NETPOLC_CONFIG:-}" ]]; then config=(--config "$NETPOLC_CONFIG"); fi
    compile_flags=(--message-format github "${config[@]}")
    case "${NETPOLC_NO_IPBLOCK_PODS:-false}" in
    true) diff_flags=(--no-ipblock-pods) ;;
    false | "") ;;
    *) die "no-ipblock-pods is \`${NETPOLC_NO_IPBLOCK_PODS}\`; expected true or false" ;;
    esac
    case "${NETPOLC_FAIL_ON:-error}" in
    error) ;;
    warning) compile_flags+=(--deny-warnings) ;;
    *) die "fail-on is \`${NETPOLC_FAIL_ON}\`; expected error or warning" ;;
    esac
    git rev-parse --is-inside-work-tree > /dev/null 2>&1 \
        || die "$PWD is not a git work tree: check out the repository first (actions/checkout)"
    case "${NETPOLC_MODE:-check}" in
    check) run_check ;;
    compile) run_compile ;;
    pr) run_pr ;;
    *) die "mode is \`${NETPOLC_MODE}\`; expected check, compile or pr" ;;
    esac
}

case "${1:-}" in
install) cmd_install ;;
build) cmd_build ;;
run) cmd_run ;;
*)
    echo "usage: $0 install|build|run" >&2
    exit 2
    ;;
esac
