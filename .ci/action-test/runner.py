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

Expressions: only what action.yml uses, and anything else is an error rather than a guess:
context paths (`inputs.output-dir`, `github.event.repository.default_branch`,
`steps.install.outputs.path`), single-quoted strings, and `a || b`.
"""

from __future__ import annotations

import re
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


def evaluate(expression: str, context: dict):
    """`a || b || ...`: the first truthy operand, else the last one."""
    value = None
    for operand in expression.split("||"):
        value = _operand(operand.strip(), context)
        if value not in (None, "", False, 0):
            return value
    return value


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
        if step.get("shell") != "bash" or "if" in step or "uses" in step:
            raise ValueError(f"step {index}: the harness runs unconditional bash steps only")
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
        context["steps"][step.get("id", f"step{index}")] = {
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
