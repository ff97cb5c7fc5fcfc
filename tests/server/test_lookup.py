"""Runs and events looked up by id through the REST API client, the CLI and the codec server,
against the stand-in serving what a real encrypted run stored, in Inngest Cloud's shapes."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import inngest
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from inngest_codecs import EncryptionMiddleware, Encryptor
from inngest_codecs.errors import InngestAuthError, InngestUnavailableError
from inngest_codecs.for_inngest.rest_api import InngestAPI
from inngest_codecs.testing import StandIn, serve_asgi, serve_flask

from ..cli.test_commands import cli
from .conftest import AUTH, KEY, codec_server

pytestmark = pytest.mark.slow

DIAGNOSIS = "type 2 diabetes"
NAME = "Maria Garcia"


@dataclass(frozen=True)
class Stored:
    stand_in: StandIn
    run_id: str
    event_id: str

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "INNGEST_API_BASE_URL": self.stand_in.url,
            "INNGEST_SIGNING_KEY": self.stand_in.signing_key,
            "INNGEST_ENCRYPTION_KEY": KEY,
            **extra,
        }

    def api(self) -> InngestAPI:
        return InngestAPI(self.stand_in.url, self.stand_in.signing_key)


@pytest.fixture(scope="module")
def stored() -> Iterator[Stored]:
    """One encrypted run, as the stand-in stored it (its servers stay up for the module)."""
    with StandIn() as stand_in:
        client = inngest.Inngest(
            app_id="clinic",
            middleware=[EncryptionMiddleware.factory(KEY, codec="aes-gcm")],
            **stand_in.client_options(),
        )

        @client.create_function(fn_id="visit", trigger=inngest.TriggerEvent(event="clinic/visit"))
        def visit(ctx: inngest.ContextSync) -> dict[str, Any]:
            patient: dict[str, str] = dict(ctx.event.data["encrypted"])  # type: ignore[arg-type]
            plan = ctx.step.run("plan", lambda: {"dx": patient["dx"]})
            return {"patient": patient["name"], "plan": plan}

        with serve_flask(client, [visit]) as app:
            ids = client.send_sync(
                inngest.Event(
                    name="clinic/visit",
                    data={"visit": 7, "encrypted": {"name": NAME, "dx": DIAGNOSIS}},
                )
            )
            run = stand_in.run(app.url, visit.id, stand_in.latest_event("clinic/visit") or {})
            assert run.completed, run.error
            yield Stored(stand_in, run.run_id, ids[0])


def test_the_client_reads_cloud_shapes_with_data_still_encrypted(stored: Stored) -> None:
    with stored.api() as api:
        run = api.run(stored.run_id)
        event = api.event(stored.event_id)
        runs = api.event_runs(stored.event_id)
    assert run["run_id"] == stored.run_id and run["status"] == "Completed"
    assert run["event_id"] == stored.event_id and run["ended_at"] is not None
    assert run["output"]["__ENCRYPTED__"] is True
    assert event["name"] == "clinic/visit" and event["data"]["visit"] == 7
    assert event["data"]["encrypted"]["__ENCRYPTED__"] is True
    assert [r["run_id"] for r in runs] == [stored.run_id]
    assert NAME not in json.dumps([run, event, runs])


def test_cli_run_prints_the_run_decrypted(stored: Stored) -> None:
    result = cli("run", stored.run_id, env=stored.env())
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["status"] == "Completed"
    assert run["output"] == {"patient": NAME, "plan": {"dx": DIAGNOSIS}}
    only_output = cli("run", stored.run_id, "--path", "output.plan", env=stored.env())
    assert json.loads(only_output.stdout) == {"dx": DIAGNOSIS}


def test_cli_event_with_runs(stored: Stored) -> None:
    result = cli("event", stored.event_id, "--runs", env=stored.env())
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["event"]["data"] == {"visit": 7, "encrypted": {"name": NAME, "dx": DIAGNOSIS}}
    assert [run["output"]["patient"] for run in printed["runs"]] == [NAME]
    alone = json.loads(cli("event", stored.event_id, env=stored.env()).stdout)
    assert alone["data"]["encrypted"]["name"] == NAME and "runs" not in alone


def test_cli_tries_the_fallback_signing_key(stored: Stored) -> None:
    env = stored.env(
        INNGEST_SIGNING_KEY="signkey-prod-" + "ab" * 32,
        INNGEST_SIGNING_KEY_FALLBACK=stored.stand_in.signing_key,
    )
    result = cli("run", stored.run_id, env=env)
    assert result.returncode == 0, result.stderr


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "env_change", "status", "message"),
    [
        (["run", "{run}"], {"INNGEST_SIGNING_KEY": "signkey-prod-" + "cd" * 32}, 4, "refused"),
        (["run", "{run}"], {"INNGEST_SIGNING_KEY": ""}, 4, "set INNGEST_SIGNING_KEY"),
        (["run", "01HWAVEB858VPPX47Z65GR6P6R"], {}, 3, "has no run 01HWAVEB858VPPX47Z65GR6P6R"),
        (["event", "nope", "--runs"], {}, 3, "has no event nope"),
        (["run", "../v1/apps"], {}, 3, "is not a run id"),
        (["run", "{run}"], {"INNGEST_API_BASE_URL": "http://127.0.0.1:{port}"}, 5, "cannot reach"),
        (["run", "{run}"], {"INNGEST_ENCRYPTION_KEY": ""}, 4, "no key"),
        # checked before any request: the API named here is not even listening
        (
            ["run", "{run}"],
            {"INNGEST_ENCRYPTION_KEY": "", "INNGEST_API_BASE_URL": "http://127.0.0.1:{port}"},
            4,
            "no key",
        ),
        (
            ["run", "{run}"],
            {"INNGEST_SIGNING_KEY": "", "INNGEST_API_BASE_URL": ""},
            4,
            "lookups need INNGEST_SIGNING_KEY",
        ),
        (["run", "{run}"], {"INNGEST_API_BASE_URL": "http://192.0.2.1"}, 4, "must be https"),
    ],
)
def test_cli_lookup_failures_are_one_clear_line(
    stored: Stored, args: list[str], env_change: dict[str, str], status: int, message: str
) -> None:
    port = str(_closed_port())
    env = {k: v.replace("{port}", port) for k, v in {**stored.env(), **env_change}.items() if v}
    result = cli(*(a.replace("{run}", stored.run_id) for a in args), env=env)
    assert result.returncode == status, result.stderr
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert stored.stand_in.signing_key not in result.stderr and KEY not in result.stderr


def test_the_viewer_server_looks_up_with_the_same_client(stored: Stored) -> None:
    with codec_server(Encryptor(KEY), api=stored.api()) as server:
        run = httpx.get(f"{server.url}/api/runs/{stored.run_id}", headers=AUTH).json()
        event = httpx.get(
            f"{server.url}/api/events/{stored.event_id}?runs=true", headers=AUTH
        ).json()
        missing = httpx.get(f"{server.url}/api/runs/01HWAVEB858VPPX47Z65GR6P6R", headers=AUTH)
        lines = server.audit_lines()
    assert run["stored"]["output"]["__ENCRYPTED__"] is True
    assert run["document"]["output"] == {"patient": NAME, "plan": {"dx": DIAGNOSIS}}
    assert [(o["path"], o["codec"]) for o in run["opened"]] == [("$.output", "aes-gcm")]
    assert event["document"]["event"]["data"]["encrypted"]["dx"] == DIAGNOSIS
    assert event["document"]["runs"][0]["output"]["patient"] == NAME
    assert missing.status_code == 404 and "has no run" in missing.json()["error"]
    assert [line.get("target") for line in lines] == [
        f"run {stored.run_id}",
        f"event {stored.event_id}",
        "run 01HWAVEB858VPPX47Z65GR6P6R",
    ]
    assert [line["outcome"] for line in lines] == ["ok", "ok", "not_found"]


def test_lookups_are_off_without_an_api(stored: Stored) -> None:
    with codec_server(Encryptor(KEY)) as server:
        answer = httpx.get(f"{server.url}/api/runs/{stored.run_id}", headers=AUTH)
        info = httpx.get(f"{server.url}/api/info", headers=AUTH).json()
    assert answer.status_code == 503 and "lookups are off" in answer.json()["error"]
    assert info["lookup"] is False


def test_a_dev_server_answering_bare_shapes_is_read_too() -> None:
    """The Dev Server's v1 routes answer without the {"data": ...} wrapper."""
    sealed = Encryptor(KEY).encrypt({"total": 3})

    async def run(request: Request) -> JSONResponse:
        return JSONResponse({"run_id": request.path_params["run_id"], "output": sealed})

    app = Starlette(routes=[Route("/v1/runs/{run_id}", run)])
    with serve_asgi(app) as url:
        api = InngestAPI.from_env({"INNGEST_DEV": url})
        assert api.run("R1") == {"run_id": "R1", "output": sealed}
        result = cli("run", "R1", env={"INNGEST_DEV": url, "INNGEST_ENCRYPTION_KEY": KEY})
    assert json.loads(result.stdout) == {"run_id": "R1", "output": {"total": 3}}


def test_base_url_resolution_follows_the_sdk_variables() -> None:
    assert InngestAPI.from_env({}).base_url == "https://api.inngest.com"
    assert InngestAPI.from_env({"INNGEST_DEV": "1"}).base_url == "http://127.0.0.1:8288"
    assert InngestAPI.from_env({"INNGEST_DEV": "0"}).base_url == "https://api.inngest.com"
    both = {"INNGEST_DEV": "http://dev:8288", "INNGEST_API_BASE_URL": "http://api:9/"}
    assert InngestAPI.from_env(both, allow_http=True).base_url == "http://api:9"
    key = "signkey-x-" + "ab" * 32
    assert "ab" * 32 not in repr(InngestAPI.from_env({"INNGEST_SIGNING_KEY": key}))


def test_the_bearer_token_is_the_hashed_signing_key(stored: Stored) -> None:
    """The SDKs send the SHA-256 of the key's bytes; the stand-in accepts only that."""
    raw = stored.stand_in.signing_key
    hashed = hashlib.sha256(bytes.fromhex(raw.removeprefix("signkey-test-"))).hexdigest()
    seen: list[str | None] = []

    async def record(request: Request) -> JSONResponse:
        seen.append(request.headers.get("authorization"))
        return JSONResponse({"run_id": "R1"})

    app = Starlette(routes=[Route("/v1/runs/{run_id}", record)])
    with serve_asgi(app) as url, InngestAPI(url, raw) as api:
        api.run("R1")
    assert seen == [f"Bearer {hashed}"]
    with_raw = httpx.get(
        f"{stored.stand_in.url}/v1/runs/{stored.run_id}", headers={"authorization": f"Bearer {raw}"}
    )
    assert with_raw.status_code == 401
    with stored.api() as api:
        assert api.run(stored.run_id)["run_id"] == stored.run_id


def test_plain_http_off_this_machine_needs_an_explicit_choice() -> None:
    with pytest.raises(InngestAuthError, match="must be https"):
        InngestAPI("http://inngest.internal:8288")
    assert InngestAPI("http://inngest.internal:8288", allow_http=True).plain_http
    assert not InngestAPI("http://127.0.0.1:8288").plain_http
    with pytest.raises(InngestAuthError, match="not a signing key"):
        InngestAPI("https://api.inngest.com", "signkey-prod-not-hex")


def test_an_answer_larger_than_the_cap_is_refused() -> None:
    async def huge(request: Request) -> JSONResponse:
        return JSONResponse({"run_id": "R1", "output": "x" * 5000})

    app = Starlette(routes=[Route("/v1/runs/{run_id}", huge)])
    with (
        serve_asgi(app) as url,
        InngestAPI(url, max_answer_bytes=1000) as api,
        pytest.raises(InngestUnavailableError, match="more than 1000 bytes"),
    ):
        api.run("R1")
