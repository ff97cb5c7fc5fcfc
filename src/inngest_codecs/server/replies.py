"""What the codec server answers with: reports as JSON, and openings limited to the tenants
a credential may open."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .. import strictjson
from ..encryptor import Encryptor
from ..errors import EncodingError
from ..for_inngest.documents import EnvelopeInfo, OpenReport
from ..for_inngest.step_ids import step_names
from ..keyring import Keyring, Opening
from .credentials import Credential


class TenantRefused(Exception):
    """A value of a tenant the request's credential may not open."""

    def __init__(self, tenant: str | None) -> None:
        super().__init__(tenant)
        self.tenant = tenant


class TenantLimited:
    """Opens with ``opener``, refusing values of tenants ``credential`` may not open."""

    def __init__(self, opener: Encryptor | Keyring, credential: Credential) -> None:
        self.opener = opener
        self.credential = credential

    def open(self, value: dict[str, Any]) -> Opening:
        opener = self.opener
        if isinstance(opener, Keyring):
            opening = opener.open(value)
        else:
            opening = Opening(opener.decrypt(value))
        if not self.credential.may_open(opening.tenant):
            raise TenantRefused(opening.tenant)
        return opening


def json_response(payload: Any, status: int = 200) -> Response:
    try:
        body = strictjson.dumps(payload)
    except EncodingError as error:
        body = strictjson.dumps({"error": f"the result cannot be sent as JSON: {error}"})
        status = 422
    return Response(body, status_code=status, media_type="application/json")


def envelope_info(info: EnvelopeInfo) -> dict[str, Any]:
    return {"strategy": info.strategy, "codec": info.codec, "key_id": info.key_id}


def report_json(report: OpenReport) -> dict[str, Any]:
    return {
        "document": report.document,
        "opened": [
            {
                "path": e.path,
                **envelope_info(e.info),
                "tenant": e.tenant,
                "opened_with": e.opened_with,
            }
            for e in report.opened
        ],
        "failures": [
            {"path": f.path, **envelope_info(f.info), "reason": str(f.error)}
            for f in report.failures
        ],
        "step_names": step_names(report.document),
    }
