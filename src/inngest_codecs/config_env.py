"""Reading settings from ``INNGEST_ENCRYPTION_*`` variables.

Each setting has its variable (`Setting.env`), and ``<variable>_FILE``: the path
of a file holding the value, the convention of container secrets, meant for the
settings that take a secret (a key, fallback keys, tenant keys); setting both is
a mistake. An unknown variable is a [`ConfigError`][] where silence would be
worse (the middleware), or a warning where nothing is written (commands that
only read); either names the closest known variable when one is close.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol

from .errors import ConfigError, KeyConfigError

FILE_SUFFIX = "_FILE"
SECRET_KINDS = ("key", "keys", "tenant_keys")
"""Settings of these kinds hold secrets: their values are never shown."""


class Declared(Protocol):
    """What reading the environment needs of a setting."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def env(self) -> str: ...


class EnvValue(NamedTuple):
    """A setting's text as the environment gives it, and the variable it came from."""

    text: str
    variable: str


def hint(name: str, known: Sequence[str], prefix: str = "", otherwise: str = "") -> str:
    """A suggestion when one known name is close to ``name`` (compared without the
    ``prefix`` they share), else ``otherwise`` or the known names."""
    import difflib  # only when a name is wrong

    bare = {k.removeprefix(prefix): k for k in known}
    close = difflib.get_close_matches(name.removeprefix(prefix), list(bare), n=1, cutoff=0.75)
    if close:
        return f"; did you mean {bare[close[0]]!r}?"
    return otherwise or f"; known: {', '.join(sorted(known))}"


def variables(settings: Iterable[Declared]) -> dict[str, str]:
    """Every variable read, with the setting it gives."""
    found = {s.env: s.name for s in settings}
    found.update({s.env + FILE_SUFFIX: s.name for s in settings})
    return found


def read_environment(
    environ: Mapping[str, str],
    settings: Sequence[Declared],
    prefix: str,
    on_unknown: Callable[[str], None] | None = None,
) -> dict[str, EnvValue]:
    """Each setting the variables give (blank ones give nothing), by setting name."""
    known = variables(settings)
    plain = {s.env for s in settings}
    found: dict[str, EnvValue] = {}
    for variable, text in sorted(environ.items()):
        if not variable.startswith(prefix):
            continue
        name = known.get(variable)
        if name is None:
            elsewhere = f"; not one of the {prefix}* settings (docs/configuration.md lists them)"
            message = f"unknown variable {variable}{hint(variable, list(known), prefix, elsewhere)}"
            if on_unknown is None:
                raise ConfigError(message)
            on_unknown(message)
            continue
        if variable not in plain:
            text = _from_file(variable, text)
        if not text.strip():
            continue
        if name in found:
            raise ConfigError(f"set {found[name].variable} or {variable}, not both")
        found[name] = EnvValue(text, variable)
    return found


def env_secret(environ: Mapping[str, str], variable: str) -> str | None:
    """The value of ``variable``, or of the file ``<variable>_FILE`` names (blank: None)."""
    text = environ.get(variable, "")
    path = environ.get(variable + FILE_SUFFIX, "")
    if text.strip() and path.strip():
        raise ConfigError(f"set {variable} or {variable}{FILE_SUFFIX}, not both")
    if path.strip():
        return _from_file(variable + FILE_SUFFIX, path)
    return text if text.strip() else None


def _from_file(variable: str, path: str) -> str:
    text, problem = read_secret_file(path.strip())
    if problem:
        raise KeyConfigError(f"{variable}: {problem}")
    return text


def read_secret_file(path: str) -> tuple[str, str | None]:
    """``(the file's text, stripped; None)``, or ``("", why it cannot be used)``:
    unreadable (with the reason), not UTF-8, or empty. Never quotes the content."""
    shown = ascii(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read().strip()
    except OSError as error:
        return "", f"cannot read {shown}: {error.strerror or type(error).__name__}"
    except UnicodeDecodeError:
        return "", f"{shown} is not UTF-8 text"
    return (text, None) if text else ("", f"{shown} is empty")
