"""docs/check_site.py, which `nox -s docs` runs on the built API reference, finds what
it must: the HTML below is what mkdocstrings renders for each mistake."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

CHECK: dict[str, Any] = runpy.run_path(
    str(Path(__file__).parents[2] / "docs" / "check_site.py"), run_name="check_site"
)
problems = CHECK["problems"]

HEADING = (
    '<h3 id="inngest_codecs.Encryptor" class="doc doc-heading">'
    '<span class="doc doc-object-name doc-class-name">Encryptor</span></h3>'
)
SIGNATURE = (
    '<div class="doc-signature highlight"><pre><code>'
    '<span class="nf">Encryptor</span><span class="p">(</span>'
    '<span class="n">codec</span><span class="p">:</span> <span class="n">str</span> '
    '<span class="o">=</span> <span class="s2">"secretbox"</span>{more}'
    '<span class="p">)</span></code></pre></div>'
)


def page(*parts: str) -> str:
    return "<article>" + "".join(parts) + "</article>"


def test_a_clean_page_passes() -> None:
    clean = page(
        HEADING,
        SIGNATURE.format(more=', <span class="n">cache_size</span> = <span class="mi">512</span>'),
        '<p>or <a href="#inngest_codecs.errors.EncodingError"><code>EncodingError</code></a>.</p>',
    )
    assert problems(clean, ["Encryptor"]) == []


@pytest.mark.parametrize(
    "html",
    [
        "<p>or :class:<code>EncodingError</code>.</p>",
        "<p>a :class:<code>~inngest_codecs.offload.Store</code> or its URL</p>",
        "<p>Create it with :meth:<code>factory</code></p>",
        "<p>see :py:func:<code>load_codec</code></p>",
    ],
)
def test_raw_roles_are_found(html: str) -> None:
    found = problems(page(HEADING, html), ["Encryptor"])
    assert len(found) == 1 and found[0].startswith("raw reST role")


def test_a_literal_block_marker_is_found() -> None:
    found = problems(page(HEADING, "<p>on loopback::</p><pre>code</pre>"), ["Encryptor"])
    assert len(found) == 1 and found[0].startswith("reST literal block marker")


@pytest.mark.parametrize(
    "default",
    [
        '<span class="n">DEFAULT_MAX_DECOMPRESSED_BYTES</span>',
        '<span class="n">_NOT_GIVEN</span>',
        "&lt;built-in function repr&gt;",
    ],
)
def test_defaults_shown_by_name_are_found(default: str) -> None:
    more = f', <span class="n">limit</span> <span class="o">=</span> {default}'
    found = problems(page(HEADING, SIGNATURE.format(more=more)), ["Encryptor"])
    assert len(found) == 1 and found[0].startswith("default shown by name")


def test_a_default_by_name_in_a_heading_signature_is_found() -> None:
    heading = (
        '<h3 id="inngest_codecs.Encryptor.encrypt_event_data" class="doc doc-heading">'
        '<code><span class="n">encrypt_event_data</span><span class="p">(</span>'
        '<span class="n">field</span><span class="o">=</span>'
        '<span class="n">DEFAULT_EVENT_FIELD</span><span class="p">)</span></code></h3>'
    )
    found = problems(page(HEADING, heading), ["Encryptor"])
    assert len(found) == 1 and "DEFAULT_EVENT_FIELD" in found[0]


def test_a_public_name_without_a_heading_is_found() -> None:
    found = problems(page(HEADING), ["Encryptor", "KeySet"])
    assert found == ["no heading for the public name 'KeySet'"]
