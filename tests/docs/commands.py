"""Commands the docs print that the test checks instead of running.

`pip install` would change the environment the test runs in, and `nox` would run
the suite inside itself; both are checked against the checkout (the paths and
extras exist, the sessions exist) and replaced by `:` in the script that runs.
"""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .markdown import ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

INSTALL = re.compile(r"(?:python3? -m )?pip install [^&;|#\n]*")
NOX = re.compile(r"(?<![\w.-])(?:python3? -m )?nox(?: [^&;|#\n]*)?(?=$|[&;|#\n])", re.M)
PIP_FLAGS_WITH_VALUE = {"-e", "--editable", "-c", "--constraint", "--index-url", "-i"}


def _pyproject(folder: Path) -> dict[str, object]:
    with (folder / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def checkout_distributions() -> dict[str, Path]:
    """Distribution name -> folder, for the package and its plugins."""
    folders = [ROOT, *sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))]
    return {canonicalize_name(str(_pyproject(f)["project"]["name"])): f for f in folders}  # type: ignore[index]


def nox_sessions() -> set[str]:
    """Every session name, with ``name-3.10`` and so on for sessions run on several Pythons."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    lists = {
        target.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    names: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if "session" not in ast.unparse(decorator):
                continue
            names.add(node.name)
            for keyword in getattr(decorator, "keywords", []):
                if keyword.arg == "python" and isinstance(keyword.value, ast.Name):
                    names.update(f"{node.name}-{v}" for v in lists.get(keyword.value.id, []))
    return names


def install_problems(command: str) -> list[str]:
    """What is wrong with a `pip install` command run from the root of the checkout."""
    words = shlex.split(command)
    words = words[words.index("install") + 1 :]
    problems: list[str] = []
    requirements: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in PIP_FLAGS_WITH_VALUE:
            if word in ("-e", "--editable"):
                requirements.append(words[index + 1])
            index += 2
            continue
        if not word.startswith("-"):
            requirements.append(word)
        index += 1
    if not requirements:
        problems.append(f"{command!r} installs nothing")
    ours = checkout_distributions()
    for requirement in requirements:
        path, _, extras_text = requirement.partition("[")
        extras = {e.strip() for e in extras_text.rstrip("]").split(",") if e.strip()}
        if path == "." or "/" in path:
            folder = (ROOT / path).resolve()
            if not (folder / "pyproject.toml").is_file():
                problems.append(f"{requirement!r}: no project at {path} in the checkout")
                continue
            optional = _pyproject(folder)["project"].get("optional-dependencies", {})  # type: ignore[attr-defined]
            problems += [
                f"{requirement!r}: {path} has no extra {extra!r}"
                for extra in sorted(extras - set(optional))
            ]
            continue
        try:
            name = canonicalize_name(Requirement(requirement).name)
        except InvalidRequirement:
            problems.append(f"{requirement!r} is not a requirement pip reads")
            continue
        if name in ours:
            where = ours[name].relative_to(ROOT).as_posix() or "."
            wanted = f"{where}[{','.join(sorted(extras))}]" if extras else where
            problems.append(
                f"{requirement!r} is not published yet: install it from the checkout "
                f"(pip install {wanted!r})"
            )
    return problems


def nox_problems(command: str) -> list[str]:
    words = shlex.split(command)
    if "--" in words:
        words = words[: words.index("--")]
    known = nox_sessions()
    asked: list[str] = []
    collecting = False
    for word in words:
        if word in ("-s", "--session", "--sessions"):
            collecting = True
        elif word.startswith("-"):
            collecting = False
        elif collecting:
            asked.append(word)
    missing = [name for name in asked if name not in known]
    return [f"{command!r}: noxfile.py has no session {name!r}" for name in missing]


def run_script(
    script: str, cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """``script`` in bash as a page's reader types it, stopping at the first failure."""
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def checked_commands(script: str) -> tuple[str, list[str], list[str]]:
    """The script with install and nox commands replaced by `:`, the commands, their problems."""
    commands: list[str] = []
    problems: list[str] = []

    def replace(match: re.Match[str], check: object) -> str:
        command = match.group(0).strip()
        commands.append(command)
        problems.extend(check(command))  # type: ignore[operator]
        return ": "

    script = INSTALL.sub(lambda m: replace(m, install_problems), script)
    script = NOX.sub(lambda m: replace(m, nox_problems), script)
    return script, commands, problems
