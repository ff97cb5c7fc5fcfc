"""A store in a local directory: for tests, and for services on one machine (or a shared volume)."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import urllib.parse
from pathlib import Path

from ..errors import ConfigError, StoredObjectAlteredError, StoredObjectMissingError, StoreError
from .store import Store

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NOT_A_FILE = {errno.ELOOP, errno.ENXIO, errno.ENOTDIR, errno.EISDIR}
"""What opening a name answers when a link, socket or directory stands where an object was."""


class LocalDirectoryStore(Store):
    """Objects as files under ``root``, fanned out by the first two hex digits of their name.

    URL: ``file:///absolute/path`` (or ``file:relative/path``). The directory
    must exist and is never created: a volume that is not mounted, or a
    directory moved away, is a [`StoreError`][inngest_codecs.errors.StoreError]
    rather than a new private directory no other worker reads. Files are
    written whole and renamed into place, so a reader never sees half an
    object. Below ``root`` nothing is followed: a symbolic link, a FIFO or a
    device where an object should be is refused as altered, and a read stops
    one byte past the size the reference records (on POSIX systems, which have
    ``O_NOFOLLOW`` and directory descriptors).
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

    def _fan_out(self, name: str, *, create: bool) -> int:
        """A descriptor of the directory holding ``name`` (made first when ``create``)."""
        try:
            root = os.open(self.root, _DIRECTORY)
        except FileNotFoundError:
            raise StoreError(
                f"the file store's directory {self.root} does not exist (moved, deleted or "
                "not mounted); it is not created again: restore it or change offload_store"
            ) from None
        except OSError as error:
            raise StoreError(
                f"cannot open the file store's directory {self.root}: {error.strerror}"
            ) from None
        try:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name[:2], dir_fd=root)
            return os.open(name[:2], _DIRECTORY | os.O_NOFOLLOW, dir_fd=root)
        finally:
            os.close(root)

    def put(self, name: str, data: bytes) -> None:
        try:
            directory = self._fan_out(name, create=True)
            try:
                temporary = f".incoming-{secrets.token_hex(8)}"
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
                descriptor = os.open(temporary, flags, 0o600, dir_fd=directory)
                try:
                    with os.fdopen(descriptor, "wb") as handle:
                        handle.write(data)
                        handle.flush()
                        os.fsync(handle.fileno())
                    os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(temporary, dir_fd=directory)
                    raise
            finally:
                os.close(directory)
        except OSError as error:
            raise StoreError(
                f"cannot write object {name} under {self.root}: {error.strerror}"
            ) from None

    def get(self, name: str, size: int) -> bytes:
        try:
            directory = self._fan_out(name, create=False)
            try:
                flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
                descriptor = os.open(name, flags, dir_fd=directory)
            finally:
                os.close(directory)
            with os.fdopen(descriptor, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    raise self._not_a_file(name)
                return handle.read(size + 1)
        except FileNotFoundError:
            raise StoredObjectMissingError(
                f"object {name} is not in the file store at {self.root}"
            ) from None
        except OSError as error:
            if error.errno in _NOT_A_FILE:
                raise self._not_a_file(name) from None
            raise StoreError(
                f"cannot read object {name} under {self.root}: {error.strerror}"
            ) from None

    def _not_a_file(self, name: str) -> StoredObjectAlteredError:
        return StoredObjectAlteredError(
            f"object {name} in the file store at {self.root} is not a regular file",
            permanent=True,
        )

    def __repr__(self) -> str:
        return f"<LocalDirectoryStore root={str(self.root)!r}>"
