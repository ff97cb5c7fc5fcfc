"""The Inngest middleware: the adapter and the rules it applies (see `adapter`)."""

from .adapter import EncryptionMiddleware
from .binding import Factory

__all__ = ["EncryptionMiddleware", "Factory"]
