"""``inngest-codecs doctor``: the settings the middleware will run with, checked.

It reads the environment as `EncryptionMiddleware.from_env` does and prints a
short checklist: each setting in effect and where it came from, unknown
variables (warnings here; the middleware refuses them), key strength, a key
made for another codec, plugins the settings name but that are not installed
(with the command that installs them), plugins the trust rules refuse,
Inngest's mode as the SDK will choose it, and a round trip through the
configured codecs, tenants and store. Exit
status 0 when nothing is an error (warnings allowed), 4 otherwise. Keys are
never printed: only their ids.
"""

from __future__ import annotations

import argparse
import os
import warnings
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from .. import registry
from ..config import ENV_KEY, SETTINGS, EncryptionSettings
from ..config_env import SECRET_KINDS, EnvValue, read_environment
from ..errors import CodecError, ConfigError, PluginWarning, UnknownCodecError
from ..keycheck import findings, holds_material, made_for
from ..setting import ENV_PREFIX
from .common import EXIT_CONFIG, EXIT_OK
from .io import printable

AddCommand = Callable[[str, str, Any], argparse.ArgumentParser]

PLUGINS = {
    "aws-kms": "inngest-codecs-aws-kms",
    "legacy-aes": "inngest-codecs-legacy",
    "chacha20-poly1305": "inngest-codecs-example",
    "s3": "inngest-codecs-s3",
}
"""Plugins of this repository, by the codec or store name they provide."""
SAMPLE = {"inngest-codecs doctor": ["round", "trip"], "n": 1}
MARKS = {"ok": "ok   ", "warning": "warn ", "error": "ERROR"}


class Line(NamedTuple):
    level: str  # ok, warning or error
    text: str


def install_hint(name: str) -> str:
    """The command that installs the plugin providing ``name``, from a checkout."""
    distribution = PLUGINS.get(name)
    if distribution is None:
        return "install the distribution that provides it"
    return (
        f"from a checkout: pip install ./plugins/{distribution} (to be published as {distribution})"
    )


def _settings_lines(settings: EncryptionSettings, found: Mapping[str, EnvValue]) -> list[Line]:
    codec = settings.codec
    if "codec" in found:
        codec_from = found["codec"].variable
    elif made_for(settings.key) == codec:
        codec_from = "named by the generated key"
    else:
        codec_from = "default"
    lines = [Line("ok", f"codec {codec} ({codec_from})")]
    for setting in SETTINGS:
        name = setting.name
        if name not in found or name == "codec":
            continue
        value = getattr(settings, name)
        if setting.kind in SECRET_KINDS:
            shown = "set"
        elif isinstance(value, Mapping):  # options may hold credentials: their names only
            shown = "set (" + ", ".join(printable(str(k)) for k in value) + ")"
        else:
            shown = printable(str(value))
        lines.append(Line("ok", f"{name}: {shown} ({found[name].variable})"))
    return lines


def _key_lines(settings: EncryptionSettings) -> list[Line]:
    if not holds_material(settings.codec):
        return [Line("ok", f"keys of {settings.codec} are held by a key service")]
    found = findings(settings.key, settings.fallback_keys, settings.codec)
    for tenant, spec in (settings.tenant_keys or {}).items():
        key = spec.get("key") if isinstance(spec, Mapping) else spec
        found += [
            f._replace(message=f.message.replace("the key", f"the key of tenant {tenant!r}", 1))
            for f in findings(key, (), settings.codec)
        ]
    lines = [Line(f.level, f.message) for f in found]
    ids = registry.load_codec(
        settings.codec,
        settings.key,
        fallback_keys=settings.fallback_keys,
        **settings.codec_options,
    )
    if not lines:
        lines.append(Line("ok", f"every key is strong enough for {settings.codec}"))
    lines.append(Line("ok", f"key ids ({settings.codec}): {', '.join(dict.fromkeys(ids.key_ids))}"))
    return lines


def _plugin_lines(settings: EncryptionSettings) -> list[Line]:
    """Plugins the settings need but that are missing, and what the trust rules refused."""
    codecs = {settings.codec}
    for spec in (settings.tenant_keys or {}).values():
        if isinstance(spec, Mapping) and isinstance(spec.get("codec"), str):
            codecs.add(spec["codec"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)  # each is a line below
        installed = registry.available_codecs()
        stores = registry.available_stores()
        refused = registry.refused_plugins()
    lines = [Line("warning", f"plugin refused: {printable(message)}") for message in refused]
    for codec in sorted(codecs - set(installed)):
        lines.append(Line("error", f"codec {codec} is not installed: {install_hint(codec)}"))
    if isinstance(settings.offload_store, str):
        scheme = settings.offload_store.partition(":")[0]
        if scheme not in stores:
            lines.append(Line("error", f"store {scheme} is not installed: {install_hint(scheme)}"))
    return lines


def _inngest_lines(environ: Mapping[str, str]) -> list[Line]:
    dev = environ.get("INNGEST_DEV", "").strip()
    if dev and dev.lower() not in ("false", "0"):
        return [Line("ok", f"Inngest: dev mode (INNGEST_DEV={dev}); requests are not signed")]
    missing = [
        name for name in ("INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY") if not environ.get(name)
    ]
    if "INNGEST_SIGNING_KEY" in missing:
        return [
            Line(
                "error",
                "Inngest: cloud mode without INNGEST_SIGNING_KEY: serving fails "
                "(set INNGEST_DEV=1 to develop locally, or the signing key for Inngest Cloud)",
            )
        ]
    if missing:
        return [
            Line(
                "warning",
                "Inngest: cloud mode, signing key set, no INNGEST_EVENT_KEY "
                "(needed to send events)",
            )
        ]
    return [Line("ok", "Inngest: cloud mode, signing key and event key set")]


def _round_trip(settings: EncryptionSettings, environ: Mapping[str, str]) -> list[Line]:
    """Through the codec, each tenant's codec and the store (every value offloaded)."""
    overrides: dict[str, Any] = {"cache_size": 0}
    if settings.offload_store:
        overrides["offload_over"] = 1
    router = EncryptionSettings.from_env(
        environ, overrides=overrides, on_unknown=lambda _: None
    ).tenants()
    tenants = [None, *router.tenants]
    for tenant in tenants:
        box = router.for_tenant(tenant)
        if box.decrypt(box.encrypt(SAMPLE)) != SAMPLE:
            raise CodecError("the value came back different")
    where = f"; store {settings.offload_store}" if settings.offload_store else ""
    extra = f"; {len(tenants) - 1} tenant(s)" if len(tenants) > 1 else ""
    return [Line("ok", f"round trip: encrypted and opened with {settings.codec}{extra}{where}")]


def diagnose(environ: Mapping[str, str]) -> list[Line]:
    unknown: list[str] = []
    lines: list[Line] = []
    try:
        found = read_environment(environ, SETTINGS, ENV_PREFIX, unknown.append)
    except ConfigError as error:
        return [Line("error", str(error)), *_inngest_lines(environ)]
    lines += [Line("warning", f"{u} (the middleware refuses to start with it)") for u in unknown]
    if "key" not in found:
        lines.append(Line("error", f"no key: set {ENV_KEY}, or {ENV_KEY}_FILE to a file with it"))
        return lines + _inngest_lines(environ)
    try:
        settings = EncryptionSettings.from_env(environ, on_unknown=lambda _: None)
    except ConfigError as error:
        return [*lines, Line("error", str(error)), *_inngest_lines(environ)]
    lines += _settings_lines(settings, found)
    plugins = _plugin_lines(settings)
    lines += plugins
    if not any(line.level == "error" for line in plugins):
        try:
            lines += _key_lines(settings)
            lines += _round_trip(settings, environ)
        except CodecError as error:  # a key or options a codec refuses, a store that fails
            kind = "not installed" if isinstance(error, UnknownCodecError) else "failed"
            lines.append(Line("error", f"round trip {kind}: {error}"))
    return lines + _inngest_lines(environ)


def cmd_doctor(args: argparse.Namespace) -> int:
    lines = diagnose(os.environ)
    for line in lines:
        print(f"{MARKS[line.level]}  {line.text}")
    errors = sum(line.level == "error" for line in lines)
    warnings = sum(line.level == "warning" for line in lines)
    print(f"{errors} error(s), {warnings} warning(s)")
    return EXIT_CONFIG if errors else EXIT_OK


def add_command(add: AddCommand) -> None:
    add(
        "doctor",
        "check the INNGEST_ENCRYPTION_* settings as the middleware will read them",
        cmd_doctor,
    )
