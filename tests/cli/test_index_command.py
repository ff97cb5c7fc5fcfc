"""``inngest-codecs index``: the tag of every committed vector, and its refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ..test_index import VECTORS
from .test_commands import assert_clean_failure, cli

pytestmark = pytest.mark.slow


def _arguments(vector: dict[str, Any]) -> list[str]:
    value = vector["value"]
    args = ["index", "--name", vector["name"]]
    as_text = isinstance(value, str) and "\0" not in value  # argv cannot carry NUL
    args += [value] if as_text else ["--json", json.dumps(value)]
    if "tenant" in vector:
        args += ["--tenant", vector["tenant"]]
    if "normalize" in vector:
        args += ["--normalize", ",".join(vector["normalize"])]
    if "bytes" in vector:
        args += ["--bytes", str(vector["bytes"])]
    return args


def _env(vector: dict[str, Any]) -> dict[str, str]:
    env = {"INNGEST_ENCRYPTION_KEY": vector.get("key", VECTORS["key"])}
    if "tenant" in vector:  # tags name a tenant where keys are per tenant
        env["INNGEST_ENCRYPTION_TENANT_KEYS"] = json.dumps({vector["tenant"]: "its-own-key"})
        env["INNGEST_ENCRYPTION_INDEX_KEY"] = env["INNGEST_ENCRYPTION_KEY"]
    return env


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: f"{v['name']}:{v['value']!r}")
def test_each_committed_vector(vector: dict[str, Any]) -> None:
    result = cli(*_arguments(vector), env=_env(vector))
    if vector["tag"] is None:
        assert result.returncode == 3 and "no tag" in result.stderr, result.stderr
        assert result.stdout == ""
    else:
        assert (result.returncode, result.stdout) == (0, vector["tag"] + "\n"), result.stderr


def test_the_configured_index_supplies_its_normaliser_and_the_next_key() -> None:
    indexes = {
        "customer": {
            "from": "data.encrypted.email",
            "to": "data.customer_idx",
            "normalize": "trim,lower",
            "next_to": "data.customer_idx_v2",
        }
    }
    env = {
        "INNGEST_ENCRYPTION_KEY": "current",
        "INNGEST_ENCRYPTION_INDEX_NEXT_KEY": "next",
        "INNGEST_ENCRYPTION_INDEXES": json.dumps(indexes),
    }
    now = cli("index", "--name", "customer", " Ana@Example.com", env=env)
    then = cli("index", "--name", "customer", "--next", "ana@example.com", env=env)
    assert now.returncode == then.returncode == 0, now.stderr + then.stderr
    plain = cli(
        "index", "--name", "customer", "ana@example.com", env={"INNGEST_ENCRYPTION_KEY": "current"}
    )
    after = cli(
        "index", "--name", "customer", "ana@example.com", env={"INNGEST_ENCRYPTION_KEY": "next"}
    )
    assert now.stdout == plain.stdout and then.stdout == after.stdout != now.stdout


@pytest.mark.parametrize(
    ("args", "env", "status", "says"),
    [
        (["--name", "a b", "x"], {}, 4, "index name"),
        (["--name", "c", "--json", "1.5"], {}, 3, "float"),
        (["--name", "c", "--json", "{"], {}, 3, "must be JSON"),
        (["--name", "c", "--bytes", "8", "x"], {}, 4, "16 to 32"),
        (["--name", "c", "--normalize", "upper", "x"], {}, 4, "unknown normaliser"),
        (["--name", "c", "--tenant", "acme", "x"], {}, 4, "no key of its own"),
        (["--name", "c", "--next", "x"], {}, 4, "index_next_key is not set"),
    ],
)
def test_mistakes_fail_cleanly(
    args: list[str], env: dict[str, str], status: int, says: str
) -> None:
    result = cli("index", *args, env={"INNGEST_ENCRYPTION_KEY": "cli-test-key", **env})
    assert_clean_failure(result, status)
    assert says in result.stderr
