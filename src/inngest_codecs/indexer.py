"""The ``indexes`` setting, and the rule that writes each index's tag into event data.

An index reads a value inside an encrypted field (``from``, a dotted path such as
``data.encrypted.email``), normalises it, and writes its tag to a plain top-level field
(``to``, such as ``data.customer_idx``); during a change of index key, also the tag
under the next key (``next_to``). How a tag is computed is in `inngest_codecs.index`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import ConfigError, KeyConfigError
from .index import (
    FULL_BYTES,
    Normalizer,
    apply_normalizer,
    check_length,
    check_name,
    derive_key,
    parse_normalizer,
    tag,
)
from .keys import SECRET, KeyInput, KeySet

if TYPE_CHECKING:
    from .encryptor import Encryptor
    from .tenants import TenantRouter


class BlindIndex(NamedTuple):
    """One index: the encrypted value it reads, how, and the plain field(s) it writes."""

    name: str
    source: tuple[str, ...]
    """The path of the value inside event data (its first part an encrypted field)."""
    target: str
    """The plain top-level field of event data the tag is written to."""
    normalizer: Normalizer = ()
    next_target: str | None = None
    """Where the tag under ``index_next_key`` is written, during a key change."""
    length: int = FULL_BYTES

    def value(self, data: Mapping[str, Any], open_value: Callable[[Any], Any]) -> Any:
        """The normalised value in ``data`` (``open_value`` opens envelopes on the way)."""
        found: Any = data
        for part in self.source:
            found = open_value(found)
            if not isinstance(found, Mapping):
                return None
            found = found.get(part)
        found = open_value(found)
        if found is None:
            return None
        return apply_normalizer(found, self.normalizer, f"index {self.name!r}")


_SPEC = frozenset({"from", "to", "normalize", "next_to", "bytes"})
_OPTIONAL = "normalize, next_to, bytes"


def _field(path: object, where: str, *, top_level: bool) -> tuple[str, ...]:
    parts = path.split(".") if isinstance(path, str) else None
    if not parts or parts[0] != "data" or len(parts) < 2 or not all(parts[1:]):
        raise ConfigError(f"{where} must be a dotted path into the event, such as data.x.y")
    if top_level and len(parts) != 2:
        raise ConfigError(f"{where} must be a top-level field of the data, such as data.x_idx")
    return tuple(parts[1:])


def read_indexes(value: Any, where: str, from_text: bool) -> tuple[BlindIndex, ...]:
    """The ``indexes`` setting: a mapping of index name to its spec (text: a JSON object)."""
    if value is None:
        return ()
    if from_text and isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise ConfigError(f"{where} must be a JSON object") from None
    if isinstance(value, (list, tuple)) and all(isinstance(i, BlindIndex) for i in value):
        return tuple(value)
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must map index names to their settings")
    found = []
    for name, spec in value.items():
        label = f"{where}[{name!r}]"
        try:
            check_name(name)
        except ConfigError as error:
            raise ConfigError(f"{label}: {error}") from None
        if not isinstance(spec, Mapping) or not {"from", "to"} <= set(spec) or set(spec) - _SPEC:
            raise ConfigError(f"{label} takes from, to and optionally {_OPTIONAL}")
        length = check_length(spec.get("bytes", FULL_BYTES), f"{label} bytes")
        next_to = spec.get("next_to")
        found.append(
            BlindIndex(
                name=name,
                source=_field(spec["from"], f"{label} from", top_level=False),
                target=_field(spec["to"], f"{label} to", top_level=True)[0],
                normalizer=parse_normalizer(spec.get("normalize", ()), f"{label} normalize"),
                next_target=None
                if next_to is None
                else _field(next_to, f"{label} next_to", top_level=True)[0],
                length=length,
            )
        )
    targets = [t for i in found for t in (i.target, i.next_target) if t is not None]
    if len(set(targets)) != len(targets):
        raise ConfigError(f"{where}: two indexes write the same field")
    return tuple(found)


EventFields = Sequence[str] | Callable[[str], bool]
"""The encrypted event fields: names, or a function choosing a field by its name."""


def check_indexes(indexes: Sequence[BlindIndex], fields: EventFields, next_key: object) -> None:
    """Refuse indexes that read a plain field or write into an encrypted one."""

    def encrypted(name: str | None) -> bool:
        return name is not None and (fields(name) if callable(fields) else name in fields)

    for index in indexes:
        label = f"index {index.name!r}"
        if not encrypted(index.source[0]):
            named = "chosen by a function" if callable(fields) else ", ".join(fields)
            raise ConfigError(
                f"{label} reads data.{index.source[0]}, which is not an encrypted field "
                f"({named}): a plain value needs no index"
            )
        for target in (index.target, index.next_target):
            if encrypted(target):
                raise ConfigError(f"{label} writes data.{target}, an encrypted field")
        if (index.next_target is None) != (next_key is None):
            raise ConfigError(
                f"{label}: index_next_key and each index's next_to go together"
                " (the tag under the next key needs a field of its own)"
            )


class Indexer:
    """Writes the tags of the configured indexes into event data on its way out.

    The key of an index derives from ``index_key`` when it is set, else from the primary
    key of whichever Encryptor seals the data (a tenant's own key, where keys are per
    tenant), which must be secret material: a reference to a key held by a service
    (aws-kms) has none, and index_key is then required. The tenant id joins the
    derivation wherever keys are per tenant.
    """

    def __init__(
        self,
        indexes: Sequence[BlindIndex],
        tenants: TenantRouter,
        *,
        fields: EventFields,
        index_key: KeyInput | None = None,
        next_key: KeyInput | None = None,
    ) -> None:
        check_indexes(indexes, fields, next_key)
        self._indexes = tuple(indexes)
        self._index_key = None if index_key is None else KeySet.build(index_key).primary.material
        self._next_key = None if next_key is None else KeySet.build(next_key).primary.material
        self._tenants = {tenants.for_tenant(t): t for t in tenants.tenants}
        # Index keys by (encryptor, index name, next key): a dict, so threads need no lock.
        self._derived: dict[tuple[Encryptor, str, bool], bytes] = {}
        if self._indexes:  # refuse now, not at the first send, a key with no material
            for tenant in (None, *tenants.tenants):
                self.material(tenants.for_tenant(tenant))

    def material(self, encryptor: Encryptor) -> tuple[bytes, str | None]:
        """The key bytes indexes derive from for data ``encryptor`` seals, and its tenant."""
        tenant = self._tenants.get(encryptor)
        if self._index_key is not None:
            return self._index_key, tenant
        keys = encryptor.keys
        if keys is None or keys.primary.kind != SECRET:
            whose = f"tenant {tenant!r}'s key" if tenant is not None else "the key"
            raise KeyConfigError(
                f"blind indexes derive their keys from key material, and {whose} (codec "
                f"{encryptor.codec.name!r}) is a reference to a key held by a service, or "
                "not given: set index_key (a secret of its own)"
            )
        return keys.primary.material, tenant

    @property
    def indexes(self) -> tuple[BlindIndex, ...]:
        return self._indexes

    def tag(
        self,
        name: str,
        value: Any,
        encryptor: Encryptor,
        *,
        length: int = FULL_BYTES,
        next_key: bool = False,
    ) -> str | None:
        """The tag of a normalised value under the index ``name``, for data ``encryptor``
        seals; ``next_key=True``: under ``index_next_key``."""
        index_key = self._derived.get((encryptor, name, next_key))
        if index_key is None:
            material, tenant = self.material(encryptor)
            if next_key:
                if self._next_key is None:
                    raise KeyConfigError("index_next_key is not set")
                material = self._next_key
            index_key = derive_key(material, name, tenant)
            self._derived[(encryptor, name, next_key)] = index_key
        return tag(index_key, value, length, f"index {name!r}")

    def tags(self, data: Mapping[str, Any], encryptor: Encryptor) -> dict[str, Any]:
        """The fields to add to ``data`` (plain, as sent) when ``encryptor`` seals it."""
        found: dict[str, Any] = {}
        for index in self._indexes:
            value = index.value(data, encryptor.decrypt)
            current = self.tag(index.name, value, encryptor, length=index.length)
            if current is not None:
                found[index.target] = current
                if index.next_target is not None:
                    found[index.next_target] = self.tag(
                        index.name, value, encryptor, length=index.length, next_key=True
                    )
        return found

    def write(
        self, sealed: dict[str, Any], plain: Mapping[str, Any], encryptor: Encryptor
    ) -> dict[str, Any]:
        """``sealed`` (``plain`` encrypted by ``encryptor``) with the tags of ``plain``."""
        found = self.tags(plain, encryptor)
        return {**sealed, **found} if found else sealed
