"""Every command and code block in README.md and docs/*.md works as printed.

Each page is read as its reader would: in a fresh directory, block after block,
with what the page says the reader must have (a key in a variable, a key file,
an Inngest account, AWS) prepared first. Where a page needs a service it cannot
have here, a stand-in takes its place: the stand-in server of
`inngest_codecs.testing` for Inngest Cloud, moto for AWS. How blocks run is in
reader.py; what is checked instead of run (installs, nox) in commands.py.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from inngest_codecs import available_codecs
from inngest_codecs.testing import StandIn, assert_no_plaintext

from .commands import checked_commands, install_problems, nox_problems
from .markdown import PAGES, ROOT, Block, blocks, inline_code, page_name, prose
from .reader import Reader

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

RUN = {"python", "sh"}
SHOWN = {"text", "json", "toml", "ts"}
"""Languages of blocks that show something (ts blocks run in tests/interop)."""
MOST_NOT_RUN = 4


@dataclass(frozen=True)
class Given:
    """What a page tells its reader to have before its commands work."""

    env: tuple[str, ...] = ()
    """Variables the page says to set (a key, unless the name says otherwise)."""
    files: tuple[str, ...] = ()
    """Files the page says exist (a key file, unless the name says otherwise)."""
    inngest: bool = False
    """An Inngest environment's event and signing keys (here the stand-in server's)."""
    aws: bool = False
    """AWS credentials and the bucket `my-bucket` (here moto's server)."""
    secrets: tuple[str, ...] = ()
    """Plaintexts that must never reach Inngest while the page runs."""


GIVEN: dict[str, Given] = {
    "README.md": Given(),
    "docs/index.md": Given(env=("INNGEST_ENCRYPTION_KEY",)),
    "docs/getting-started.md": Given(),  # its own script runs the stand-in and checks for leaks
    "docs/configuration.md": Given(env=("INNGEST_ENCRYPTION_KEY",)),
    "docs/middleware.md": Given(env=("INNGEST_ENCRYPTION_KEY",)),
    "docs/codecs.md": Given(),
    "docs/kms.md": Given(),
    "docs/format.md": Given(),
    "docs/payloads.md": Given(env=("INNGEST_ENCRYPTION_KEY",), aws=True),
    "docs/rotation.md": Given(),
    "docs/tenants.md": Given(aws=True),
    "docs/migrating.md": Given(env=("INNGEST_ENCRYPTION_KEY",)),
    "docs/plugins.md": Given(),
    "docs/cross-language.md": Given(env=("INNGEST_ENCRYPTION_KEY",)),
    "docs/testing.md": Given(),
    "docs/cli.md": Given(files=("prod.key",)),
    "docs/oncall.md": Given(env=("SECRETS",)),
    "docs/observability.md": Given(),
    "docs/flow-control.md": Given(
        env=("INNGEST_ENCRYPTION_KEY", "INDEX_KEY", "NEXT_INDEX_KEY"),
        inngest=True,
        secrets=("ana@example.com", "Ana@Example.com", "ben@example.com"),
    ),
    "plugins/inngest-codecs-aws-kms/README.md": Given(),
    "plugins/inngest-codecs-example/README.md": Given(),
    "plugins/inngest-codecs-legacy/README.md": Given(),
    "plugins/inngest-codecs-s3/README.md": Given(env=("INNGEST_ENCRYPTION_KEY",), aws=True),
}

PLUGIN_USES = {
    "inngest-codecs-aws-kms": ('"aws-kms"', "inngest_codecs_aws_kms"),
    "inngest-codecs-aws-kms[testing]": ("inngest_codecs_aws_kms.testing",),
    "inngest-codecs-legacy": ('"legacy-aes"', "inngest_codecs_legacy"),
    "inngest-codecs-s3": ('"s3://', "inngest_codecs_s3"),
    "inngest-codecs-example": ('"chacha20-poly1305"', "inngest_codecs_example"),
}
"""What in a block that runs needs a plugin (and extra) installed."""

ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]
RUN_PAGES = sorted({b.page for b in ALL_BLOCKS if b.language in RUN and not b.not_run}, key=str)


def test_every_block_says_what_it_is() -> None:
    unknown = [
        f"{b.where}: language {b.language or '(none)'!r}"
        for b in ALL_BLOCKS
        if b.language not in RUN | SHOWN
    ]
    assert not unknown, "give each block one of " + ", ".join(sorted(RUN | SHOWN))


def test_blocks_that_do_not_run_say_why_and_are_few() -> None:
    kept = [b for b in ALL_BLOCKS if b.not_run is not None]
    assert all(b.not_run for b in kept), "<!-- not run: REASON --> needs a reason"
    assert len(kept) <= MOST_NOT_RUN, "rewrite examples so they run: " + ", ".join(
        f"{b.where} ({b.not_run})" for b in kept
    )


def test_output_blocks_follow_a_block_that_runs() -> None:
    for page in PAGES:
        found = blocks(page)
        for before, block in itertools.pairwise(found):
            if block.is_output:
                assert before.language in RUN and not before.not_run, block.where


def test_install_and_nox_commands_name_what_the_checkout_has() -> None:
    problems: list[str] = []
    commands: list[str] = []
    for block in ALL_BLOCKS:
        if block.language == "sh":
            _, found, wrong = checked_commands(block.text)
            commands += found
            problems += [f"{block.where}: {p}" for p in wrong]
    for page in PAGES:
        for code in inline_code(page):
            words = code.split()
            if "install" in words and "pip" in words:
                commands.append(code)
                problems += [f"{page_name(page)}: {p}" for p in install_problems(code)]
            elif "nox" in words:
                commands.append(code)
                problems += [f"{page_name(page)}: {p}" for p in nox_problems(code)]
    assert not problems, "\n".join(problems)
    assert any("pip install" in c and '".[demo]"' in c for c in commands), "README installs"


@pytest.mark.parametrize("page", PAGES, ids=page_name)
def test_examples_that_need_a_plugin_install_it_first(page: Path) -> None:
    """Before the first block that runs with a plugin, the page installs it from the
    checkout (and, for LocalKms, the extra it needs), and names its PyPI name."""
    lines = page.read_text(encoding="utf-8").splitlines()
    missing: list[str] = []
    for block in blocks(page):
        shows_the_checkout = block.title and (ROOT / block.title).is_file()
        if block.language not in RUN or block.not_run is not None or shows_the_checkout:
            continue
        before = "\n".join(lines[: block.line])
        for plugin, uses in PLUGIN_USES.items():
            if not any(use in block.text for use in uses):
                continue
            install = re.compile(rf"pip install(?:[^`\n]|\n(?!\n))*?plugins/{re.escape(plugin)}")
            if not install.search(before) or plugin.split("[")[0] not in before:
                missing.append(f"{block.where} uses {plugin} without installing it first")
    assert not missing, "\n".join(missing)


def test_toml_and_json_blocks_parse() -> None:
    for block in ALL_BLOCKS:
        if block.language == "toml":
            tomllib.loads(block.text)
        elif block.language == "json":
            json.loads(block.text)


@pytest.mark.parametrize(
    "block",
    [b for b in ALL_BLOCKS if b.title and (ROOT / b.title).is_file()],
    ids=lambda b: b.where,
)
def test_blocks_titled_with_a_file_of_the_checkout_show_that_file(block: Block) -> None:
    source = (ROOT / block.title).read_text(encoding="utf-8")  # type: ignore[operator]
    if block.language == "toml":
        assert _contained(tomllib.loads(block.text), tomllib.loads(source)), block.where
    else:
        assert block.text.strip() in source, f"{block.where} differs from {block.title}"


def _contained(part: object, whole: object) -> bool:
    if isinstance(part, dict) and isinstance(whole, dict):
        return all(k in whole and _contained(v, whole[k]) for k, v in part.items())
    return part == whole


def test_files_a_page_writes_are_used_after() -> None:
    for page in PAGES:
        found = blocks(page)
        for index, block in enumerate(found):
            if block.language != "python" or not block.title or (ROOT / block.title).is_file():
                continue
            later = "".join(b.text for b in found[index + 1 :] if b.language in RUN)
            assert Path(block.title).stem in later, f"{block.where}: nothing uses {block.title}"


@pytest.mark.parametrize("page", sorted(GIVEN))
def test_pages_say_what_the_reader_must_have(page: str) -> None:
    given, words = GIVEN[page], prose(ROOT / page)
    named = [*given.env, *(Path(f).name for f in given.files)]
    if given.inngest:
        named += ["INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY"]
    missing = [name for name in named if name not in words]
    assert not missing, f"{page} must tell its reader about {missing}"
    if page in RUN_PAGES:  # and where the package comes from
        assert "checkout" in words or "getting-started.md" in words, page


def test_every_page_that_runs_is_prepared_for() -> None:
    assert set(RUN_PAGES) <= set(GIVEN)


@pytest.mark.slow
@pytest.mark.parametrize("page", RUN_PAGES)
def test_page_runs_as_printed(page: str, tmp_path: Path) -> None:
    given = GIVEN[page]
    with _environment(given, tmp_path) as (env, stand_in):
        reader = Reader(tmp_path, env)
        for block in blocks(ROOT / page):
            shows_the_checkout = block.title and (ROOT / block.title).is_file()
            if block.not_run is None and not shows_the_checkout:
                reader.follow(block)
        reader.finish()
        if stand_in is not None and given.secrets:
            assert stand_in.recorder, "the page was to send to Inngest"
            assert_no_plaintext(stand_in.recorder, *given.secrets)


@contextlib.contextmanager
def _environment(given: Given, folder: Path) -> Iterator[tuple[dict[str, str], StandIn | None]]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("INNGEST_", "AWS_", "PYTEST_", "COV_"))
    }
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for name in given.env:
        env[name] = _made_up(name, folder)
    for file in given.files:
        (folder / file).write_text(_made_up(file, folder) + "\n", encoding="utf-8")
    with contextlib.ExitStack() as stack:
        stand_in = None
        if given.inngest:
            stand_in = stack.enter_context(StandIn())
            env["INNGEST_BASE_URL"] = stand_in.url
            env["INNGEST_EVENT_KEY"] = stand_in.event_key
            env["INNGEST_SIGNING_KEY"] = stand_in.signing_key
        if given.aws:
            env.update(stack.enter_context(_aws()))
        yield env, stand_in


def _made_up(name: str, folder: Path) -> str:
    """A value for a variable or a file a page names, going by its name."""
    if name == "SECRETS":
        secrets_dir = folder / "secrets"
        secrets_dir.mkdir()
        for file in ("inngest-encryption-key", "inngest-encryption-old-keys"):
            (secrets_dir / file).write_text(_made_up(file, folder) + "\n", encoding="utf-8")
        (secrets_dir / "inngest-signing-key").write_text(
            "signkey-prod-" + secrets.token_hex(32) + "\n", encoding="utf-8"
        )
        return str(secrets_dir)
    key = available_codecs()["aes-gcm"].codec_class.generate_key
    return ",".join(key() for _ in range(2)) if "old-keys" in name else key()


@contextlib.contextmanager
def _aws() -> Iterator[dict[str, str]]:
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env = {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket="my-bucket")
        yield env
    finally:
        server.stop()
