"""A stand-in for the GitHub Actions runner, as far as netpolc's composite action needs one.

It reads `action.yml`, fills the inputs (a `with:` mapping, else each input's default, whose
`${{ }}` expressions are evaluated against the `github` context), and runs the composite steps
in order as the runner does: each `run:` block, its `${{ }}` expressions substituted, as a file
given to `bash --noprofile --norc -eo pipefail`, in the workspace, with the step's `env:`
(expressions substituted), `GITHUB_ACTION_PATH`, and fresh `GITHUB_OUTPUT`, `GITHUB_ENV`,
`GITHUB_PATH` and `GITHUB_STEP_SUMMARY` files, which are read back after the step: outputs into
`steps.<id>.outputs`, env and path into the following steps' environment, summaries into the
job summary. A failing step stops the action, as a composite action without `if:` does. The
action's outputs are its `outputs.*.value` expressions, evaluated at the end. Annotations are
the `::error`/`::warning`/`::notice` workflow commands on the steps' stdout or stderr (the runner
reads both).

Steps with `if:` run when the expression is truthy (a skipped step has outcome `skipped` and no
outputs). The only `uses:` steps are actions/cache's `restore` and `save`, pinned by commit,
simulated by a directory (`cache`): an entry per key, a copy of the saved path, restored only on
an exact key match (`cache-hit: true`; unset on a miss, as actions/cache leaves it), and never
overwritten by a second save under the same key (GitHub's cache entries are immutable).

Expressions: only what action.yml uses, and anything else is an error rather than a guess:
context paths (`inputs.output-dir`, `github.event.repository.default_branch`,
`steps.install.outputs.path`), single-quoted strings, `a == b`, `a != b` (strings compared
case-insensitively, as GitHub does), `a && b` and `a || b` (`&&` binds tighter).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
CONTEXT_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*")
STRING = re.compile(r"'(?:[^']|'')*'")
ANNOTATION = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def _operand(text: str, context: dict):
    if STRING.fullmatch(text):
        return text[1:-1].replace("''", "'")
    if CONTEXT_PATH.fullmatch(text):
        value = context
        for part in text.split("."):
            if not isinstance(value, dict):
                return None
            # Context names and keys are case-insensitive.
            value = {k.lower(): v for k, v in value.items()}.get(part.lower())
        return value
    raise ValueError(f"an expression the harness does not evaluate: {text!r}")


def _truthy(value) -> bool:
    return value not in (None, "", False, 0)


def _comparison(text: str, context: dict):
    for op in ("==", "!="):
        if op in text:
            left, right = (_text(_operand(t.strip(), context)).lower() for t in text.split(op, 1))
            return (left == right) == (op == "==")
    return _operand(text.strip(), context)


def _conjunction(text: str, context: dict):
    value = None
    for part in text.split("&&"):
        value = _comparison(part, context)
        if not _truthy(value):
            return value
    return value


def evaluate(expression: str, context: dict):
    """`a || b || ...`: the first truthy operand, else the last one; each operand may be an
    `&&` of comparisons."""
    value = None
    for operand in expression.split("||"):
        value = _conjunction(operand.strip(), context)
        if _truthy(value):
            return value
    return value


CACHE_ACTION = re.compile(r"actions/cache/(restore|save)@[0-9a-f]{40}")


def _cache_step(step: dict, context: dict, cache: Path | None) -> dict[str, str]:
    """actions/cache/restore or /save, against the directory CACHE; returns the outputs."""
    m = CACHE_ACTION.fullmatch(step["uses"])
    if not m:
        raise ValueError(f"an action the harness does not simulate (or not pinned by commit): {step['uses']}")
    if cache is None:
        raise ValueError("the action uses actions/cache: pass run_action a cache directory")
    with_ = {k: substitute(_text(v), context) for k, v in (step.get("with") or {}).items()}
    if set(with_) - {"path", "key"}:
        raise ValueError(f"cache inputs the harness does not simulate: {sorted(with_)}")
    path, key = Path(with_["path"]), with_["key"]
    if not path.is_absolute() or not key:
        raise ValueError(f"the harness expects an absolute cache path and a key: {with_}")
    entry = cache / key
    if m.group(1) == "restore":
        if not entry.is_dir():
            return {}
        shutil.copytree(entry, path, dirs_exist_ok=True, symlinks=True)
        return {"cache-hit": "true", "cache-primary-key": key, "cache-matched-key": key}
    if not entry.exists() and path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        shutil.copytree(path, entry, symlinks=True)
    return {}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def substitute(text: str, context: dict) -> str:
    return EXPRESSION.sub(lambda m: _text(evaluate(m.group(1), context)), text)


def parse_file_commands(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as GITHUB_OUTPUT and GITHUB_ENV hold."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            while lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            i += 1
            values[name] = "\n".join(body)
        else:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@dataclass
class Annotation:
    level: str
    properties: dict[str, str]
    message: str


@dataclass
class Result:
    ok: bool
    outputs: dict[str, str]
    steps: dict[str, dict]
    log: str
    summary: str
    added_path: list[str] = field(default_factory=list)

    @property
    def annotations(self) -> list[Annotation]:
        found = []
        for line in self.log.splitlines():
            m = ANNOTATION.match(line)
            if m:
                props = {}
                for prop in filter(None, (m.group(2) or "").split(",")):
                    key, _, value = prop.partition("=")
                    props[key] = value
                message = m.group(3).replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
                found.append(Annotation(m.group(1), props, message))
        return found

    def annotated(self, level: str) -> list[Annotation]:
        return [a for a in self.annotations if a.level == level]


def run_action(
    action_path: Path,
    workspace: Path,
    scratch: Path,
    inputs: dict[str, str],
    github: dict,
    env: dict[str, str],
    only_steps: set[str] | None = None,
    cache: Path | None = None,
) -> Result:
    action = yaml.safe_load((action_path / "action.yml").read_text())
    declared = action["inputs"]
    unknown = set(inputs) - set(declared)
    if unknown:
        raise ValueError(f"inputs that action.yml does not declare: {sorted(unknown)}")
    context: dict = {"github": github, "inputs": {}, "steps": {}, "env": {}}
    for name, spec in declared.items():
        if name in inputs:
            context["inputs"][name] = inputs[name]
        else:
            context["inputs"][name] = substitute(_text(spec.get("default", "")), context)
    if action["runs"]["using"] != "composite":
        raise ValueError("the harness runs composite actions only")

    scratch.mkdir(parents=True, exist_ok=True)
    job_env = dict(env)
    added_path: list[str] = []
    log: list[str] = []
    summaries: list[str] = []
    ok = True
    for index, step in enumerate(action["runs"]["steps"]):
        if only_steps is not None and step.get("id") not in only_steps:
            continue
        step_id = step.get("id", f"step{index}")
        if "if" in step and not _truthy(evaluate(step["if"], context)):
            context["steps"][step_id] = {"outputs": {}, "outcome": "skipped"}
            continue
        if "uses" in step:
            context["steps"][step_id] = {"outputs": _cache_step(step, context, cache), "outcome": "success"}
            continue
        if step.get("shell") != "bash":
            raise ValueError(f"step {index}: the harness runs bash steps only")
        files = {}
        for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):
            files[name] = scratch / f"step{index}-{name.lower()}"
            files[name].write_text("")
        step_env = dict(job_env)
        for key, value in (step.get("env") or {}).items():
            step_env[key] = substitute(_text(value), context)
        step_env.update({k: str(v) for k, v in files.items()})
        step_env["GITHUB_ACTION_PATH"] = str(action_path)
        step_env["PATH"] = ":".join(added_path + [job_env["PATH"]])
        script = scratch / f"step{index}.sh"
        script.write_text(substitute(step["run"], context))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        log.append(proc.stdout)
        outputs = parse_file_commands(files["GITHUB_OUTPUT"].read_text())
        context["steps"][step_id] = {
            "outputs": outputs,
            "outcome": "success" if proc.returncode == 0 else "failure",
        }
        job_env.update(parse_file_commands(files["GITHUB_ENV"].read_text()))
        added_path = [p for p in files["GITHUB_PATH"].read_text().splitlines() if p] + added_path
        summaries.append(files["GITHUB_STEP_SUMMARY"].read_text())
        if proc.returncode != 0:
            ok = False
            break
    outputs = {
        name: substitute(_text(spec["value"]), context)
        for name, spec in (action.get("outputs") or {}).items()
    }
    return Result(
        ok=ok,
        outputs=outputs,
        steps=context["steps"],
        log="".join(log),
        summary="".join(summaries),
        added_path=added_path,
    )
