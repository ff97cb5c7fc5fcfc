"""Realistic JSON made here, the same on every run."""

from __future__ import annotations

import base64
import random
from typing import Any

import orjson

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
CITIES = ["London", "Paris", "Berlin", "Lisbon", "Oslo", "Madrid", "Vienna", "Prague", "Dublin"]
STATUSES = ["active", "suspended", "pending", "closed"]


def records(count: int, seed: int = 17) -> list[dict[str, Any]]:
    """Customer records as an API returns them: repeated keys, varied values."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            {
                "id": f"cus_{rng.getrandbits(48):012x}",
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}{index}@example.com",
                "address": {
                    "street": f"{rng.randint(1, 400)} {rng.choice(LAST)} Street",
                    "city": rng.choice(CITIES),
                    "postcode": f"{rng.randint(10000, 99999)}",
                },
                "balance": round(rng.uniform(-500, 50_000), 2),
                "status": rng.choice(STATUSES),
                "tags": rng.sample(["vip", "eu", "b2b", "trial", "churn-risk", "beta"], k=2),
                "created_at": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
            }
        )
    return rows


def api_response(target_bytes: int, seed: int = 17) -> dict[str, Any]:
    """A paginated API response of about ``target_bytes`` of JSON."""
    per_record = len(orjson.dumps(records(50, seed))) / 50
    rows = records(int(target_bytes / per_record), seed)
    return {"object": "list", "has_more": True, "url": "/v1/customers", "data": rows}


def compressed_blobs(count: int, size: int, seed: int = 17) -> list[dict[str, str]]:
    """Base64 of random bytes, as already-compressed attachments travel in JSON."""
    rng = random.Random(seed)
    return [
        {"filename": f"scan-{index}.jpg", "content": base64.b64encode(rng.randbytes(size)).decode()}
        for index in range(count)
    ]
