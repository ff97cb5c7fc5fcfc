"""What an on-call engineer pastes or looks up opens: every configured key (tenants, a keys
directory, *_FILE variables), sealed error text as the dashboard shows it, envelopes carried
as JSON text; and nothing from the data reaches the terminal unescaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inngest_codecs import Encryptor
from inngest_codecs.config import EncryptionSettings
from inngest_codecs.for_inngest import sealed_errors
from inngest_codecs.tenants import TenantRouter

from .test_commands import KEY, cli

pytestmark = pytest.mark.slow

TENANT_KEYS = {"acme": "acme-tenant-key", "globex": {"key": ["globex-new", "globex-old"]}}


def tenant_env(**extra: str) -> dict[str, str]:
    return {
        "INNGEST_ENCRYPTION_KEY": KEY,
        "INNGEST_ENCRYPTION_TENANT_KEYS": json.dumps(TENANT_KEYS),
        **extra,
    }


def tenants() -> TenantRouter:
    return EncryptionSettings({"key": KEY, "tenant_keys": TENANT_KEYS}).tenants()


def test_decrypt_opens_every_tenants_values_and_names_the_tenant() -> None:
    encryptor = tenants()
    old_globex = EncryptionSettings({"key": "globex-old", "tenant_keys": {}}).encryptor()
    old_globex_value = old_globex.encrypt({"n": 3})
    document = {
        "acme": encryptor.for_tenant("acme").encrypt({"n": 1}),
        "globex": encryptor.for_tenant("globex").encrypt({"n": 2}),
        "globex_old": old_globex_value,
        "default": encryptor.default.encrypt({"n": 0}),
    }
    result = cli("decrypt", stdin=json.dumps(document), env=tenant_env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "acme": {"n": 1},
        "globex": {"n": 2},
        "globex_old": {"n": 3},
        "default": {"n": 0},
    }
    assert "tenant acme's key" in result.stderr and "tenant globex's key" in result.stderr
    assert result.stderr.count("tenant globex's key") == 2  # new and old keys differ
    assert "acme-tenant-key" not in result.stderr + result.stdout


def test_a_forged_key_hint_does_not_decide_and_a_revoked_key_never_opens() -> None:
    acme = tenants().for_tenant("acme").encrypt("acme's")
    forged = {**acme, "__KEY__": "ffffffff"}
    opened = cli("decrypt", stdin=json.dumps(forged), env=tenant_env())
    assert opened.returncode == 0 and json.loads(opened.stdout) == "acme's"
    acme_id = acme["__KEY__"]
    env = tenant_env(INNGEST_ENCRYPTION_REVOKED_KEY_IDS=acme_id)
    revoked = cli("decrypt", stdin=json.dumps(acme), env=env)
    assert revoked.returncode == 1
    assert f"written under key id '{acme_id}', which is revoked" in revoked.stderr
    unknown = cli("decrypt", stdin=json.dumps(acme), env={"INNGEST_ENCRYPTION_KEY": KEY})
    assert unknown.returncode == 1
    assert f"written under key id '{acme_id}', which is not configured here" in unknown.stderr


def test_keys_directory_and_file_variables(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "tenant.initech.key").write_text("initech-key\n")
    (secrets / "payments").write_text("payments-key")
    (secrets / ".hidden").write_text("not a key")
    (secrets / "big").write_text("x" * 10_000)
    key_file = tmp_path / "main.key"
    key_file.write_text(KEY + "\n")
    document = {
        "initech": Encryptor("initech-key").encrypt(1),
        "payments": Encryptor("payments-key").encrypt(2),
        "main": Encryptor(KEY).encrypt(3),
    }
    env = {"INNGEST_ENCRYPTION_KEY_FILE": str(key_file)}
    result = cli("decrypt", "--keys-dir", str(secrets), stdin=json.dumps(document), env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"initech": 1, "payments": 2, "main": 3}
    assert "tenant initech's key" in result.stderr
    by_env = cli(
        "decrypt", stdin=json.dumps(document), env={**env, "INNGEST_CODECS_KEYS_DIR": str(secrets)}
    )
    assert json.loads(by_env.stdout) == {"initech": 1, "payments": 2, "main": 3}


def test_the_sealed_error_text_as_the_dashboard_shows_it_opens() -> None:
    message, _ = sealed_errors.seal(Encryptor(KEY).encrypt, "card declined", "Traceback:\n  at pay")
    for pasted in (message, json.dumps(message), json.dumps({"error": {"message": message}})):
        result = cli("decrypt", stdin=pasted, env={"INNGEST_ENCRYPTION_KEY": KEY})
        assert result.returncode == 0, (pasted[:40], result.stderr)
        assert "card declined" in result.stdout and "no envelope" not in result.stderr
    plain = cli("decrypt", stdin=message, env={"INNGEST_ENCRYPTION_KEY": KEY})
    assert json.loads(plain.stdout) == {"message": "card declined", "stack": "Traceback:\n  at pay"}


def test_an_envelope_carried_as_json_text_opens_or_says_why_not() -> None:
    sealed = Encryptor(KEY).encrypt({"total": 9})
    as_text = json.dumps(json.dumps(sealed))
    opened = cli("decrypt", stdin=as_text, env={"INNGEST_ENCRYPTION_KEY": KEY})
    assert opened.returncode == 0 and json.loads(opened.stdout) == {"total": 9}
    nested = json.dumps({"output": json.dumps(sealed)})
    inside = cli("decrypt", stdin=nested, env={"INNGEST_ENCRYPTION_KEY": KEY})
    assert json.loads(inside.stdout) == {"output": {"total": 9}}
    theirs = cli("decrypt", stdin=as_text, env={"INNGEST_ENCRYPTION_KEY": "another-key"})
    assert theirs.returncode == 1
    assert "no configured key opens" in theirs.stderr
    assert "nothing is encrypted" not in theirs.stderr


def test_nothing_from_the_data_reaches_the_terminal_raw() -> None:
    hostile = "red\u009b31m \u009d0;title\u0007 \u202etxt.exe \u2066x\u2069 \U000e0041"
    sealed = Encryptor(KEY).encrypt({"note": hostile})
    result = cli("decrypt", stdin=json.dumps(sealed), env={"INNGEST_ENCRYPTION_KEY": KEY})
    assert result.returncode == 0, result.stderr
    for raw in ("\u009b", "\u009d", "\u202e", "\u2066", "\U000e0041", "\u0007"):
        assert raw not in result.stdout
    assert json.loads(result.stdout) == {"note": hostile}  # escaped, still the same JSON
    hinted = {**sealed, "__KEY__": "\u009b2J\u202e"}
    inspected = cli("inspect", stdin=json.dumps(hinted))
    assert "\u009b" not in inspected.stdout and "\u202e" not in inspected.stdout
    assert "\\u009b2J" in inspected.stdout


def test_inspect_with_keys_says_whose_key_opens_each_envelope() -> None:
    encryptor = tenants()
    document = {
        "acme": encryptor.for_tenant("acme").encrypt(1),
        "theirs": Encryptor("someone else's").encrypt(2),
    }
    result = cli("inspect", stdin=json.dumps(document), env=tenant_env())
    assert result.returncode == 0, result.stderr
    rows = {line.split("\t")[0]: line.split("\t") for line in result.stdout.splitlines()}
    assert rows["PATH"][-1] == "OPENS WITH"
    assert rows["$.acme"][-1] == f"tenant acme, key {document['acme']['__KEY__']}"
    assert rows["$.theirs"][-1].startswith("not opened: no configured key opens")
    assert "1" not in rows["$.acme"][-1].split(",")[0]  # no plaintext, only who opens it
    keyless = cli("inspect", stdin=json.dumps(document))
    assert keyless.stdout.splitlines()[0] == "PATH\tSTRATEGY\tCODEC\tKEY ID\tSIZE"
