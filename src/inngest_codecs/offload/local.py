"""A store in a local directory: for tests, and for services on one machine (or a shared volume)."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

from ..errors import ConfigError, StoredObjectMissingError, StoreError
from .store import Store


class LocalDirectoryStore(Store):
    """Objects as files under ``root``, fanned out by the first two hex digits of their name.

    URL: ``file:///absolute/path`` (or ``file:relative/path``). The directory is
    created on the first write. Files are written whole and renamed into place,
    so a reader never sees half an object.
    """

    name = "file"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        if not str(root):
            raise ConfigError("the local store needs a directory")
        self.root = Path(root)

    @classmethod
    def from_url(cls, url: str) -> LocalDirectoryStore:
        parts = urllib.parse.urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.query:
            raise ConfigError("a file store URL is file:///path/to/directory")
        return cls(urllib.parse.unquote(parts.path))

    def _path(self, name: str) -> Path:
        return self.root / name[:2] / name

    def put(self, name: str, data: bytes) -> None:
        import tempfile  # only stores that write need it; keeps importing the package light

        path = self._path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
            try:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise StoreError(
                f"cannot write object {name} under {self.root}: {error.strerror}"
            ) from None

    def get(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            raise StoredObjectMissingError(
                f"object {name} is not in the file store at {self.root}"
            ) from None
        except OSError as error:
            raise StoreError(
                f"cannot read object {name} under {self.root}: {error.strerror}"
            ) from None

    def __repr__(self) -> str:
        return f"<LocalDirectoryStore root={str(self.root)!r}>"
