"""Who may use the codec server: named credentials, each possibly limited to some tenants.

A credentials file holds one credential a line, ``name: token``, optionally
followed by the tenants it may open (``tenants=acme,globex``); ``#`` starts a
comment. Without one, the server makes a single credential and prints a login
URL. The name is what the audit log records; the token is only ever kept as its
SHA-256 and compared in constant time. Signing in through ``/login`` gives the
browser a session cookie naming the credential, never the token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ConfigError

MIN_TOKEN_LENGTH = 16
SESSION_SECONDS = 12 * 3600
GENERATED_NAME = "local"
_LINE = re.compile(r"([A-Za-z0-9._@+-]{1,64})\s*:\s*(\S+)(?:\s+tenants=(\S+))?")


def _digest(token: str | bytes) -> bytes:
    data = token.encode("utf-8", "surrogatepass") if isinstance(token, str) else token
    return hashlib.sha256(data).digest()


@dataclass(frozen=True)
class Credential:
    """One named credential; ``tenants`` is ``None`` when it may open every tenant's values."""

    name: str
    token_digest: bytes
    tenants: frozenset[str] | None = None

    def may_open(self, tenant: str | None) -> bool:
        """Whether values of ``tenant`` (``None``: of no tenant) are this credential's to see."""
        return self.tenants is None or tenant in self.tenants

    def __repr__(self) -> str:
        return f"Credential({self.name!r}, tenants={sorted(self.tenants or ()) or 'all'})"


class Credentials:
    """The credentials a server accepts, and the browser sessions signed in with them."""

    def __init__(self, credentials: Iterable[Credential]) -> None:
        self._all = tuple(credentials)
        if not self._all:
            raise ConfigError("the codec server needs at least one credential")
        names = [c.name for c in self._all]
        if len(set(names)) != len(names):
            raise ConfigError("each credential needs a name of its own")
        if len({c.token_digest for c in self._all}) != len(self._all):
            raise ConfigError("each credential needs a token of its own")
        self._sessions: dict[str, tuple[Credential, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def single(cls, token: str, name: str = "token") -> Credentials:
        """One credential, every tenant (``--token``)."""
        _check_token(token, name)
        return cls([Credential(name, _digest(token))])

    @classmethod
    def generate(cls) -> tuple[Credentials, str]:
        """A new random credential named ``local``, and its token (for the login URL)."""
        token = secrets.token_urlsafe(32)
        return cls([Credential(GENERATED_NAME, _digest(token))]), token

    @classmethod
    def parse(cls, text: str, where: str = "the credentials file") -> Credentials:
        """Credentials from ``name: token [tenants=a,b]`` lines (see the module docstring)."""
        found: list[Credential] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            match = _LINE.fullmatch(line)
            if match is None:
                raise ConfigError(
                    f"{where}, line {number}: expected 'name: token' or "
                    "'name: token tenants=a,b' (names: letters, digits, . _ @ + -)"
                )
            name, token, tenants = match.groups()
            _check_token(token, f"{where}, line {number}")
            allowed = frozenset(t for t in tenants.split(",") if t) if tenants else None
            found.append(Credential(name, _digest(token), allowed))
        return cls(found)

    @classmethod
    def from_file(cls, path: str) -> Credentials:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            raise ConfigError(f"cannot read the credentials file {path!a}") from None
        return cls.parse(text, f"the credentials file {path!a}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self._all)

    def find(self, token: bytes) -> Credential | None:
        """The credential whose token is ``token``; every one is compared, in constant time."""
        digest = _digest(token)
        found = None
        for credential in self._all:
            if hmac.compare_digest(digest, credential.token_digest):
                found = credential
        return found

    def start_session(self, credential: Credential) -> str:
        """A new session id for a browser signed in as ``credential``."""
        session = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._sessions = {
                k: v for k, v in self._sessions.items() if now - v[1] < SESSION_SECONDS
            }
            self._sessions[session] = (credential, now)
        return session

    def session(self, session: str) -> Credential | None:
        with self._lock:
            found = self._sessions.get(session)
        if found is None or time.monotonic() - found[1] >= SESSION_SECONDS:
            return None
        return found[0]


def _check_token(token: str, where: str) -> None:
    if len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            f"{where}: a token must be at least {MIN_TOKEN_LENGTH} characters "
            "(inngest-codecs keygen makes one)"
        )
