"""Check the built API reference: what mkdocs --strict lets through but a reader would see.

Run by `nox -s docs` after the build (`python docs/check_site.py site`); exits 1
naming every problem. tests/docs/test_check_site.py checks the checks.
"""

from __future__ import annotations

import html
import pathlib
import re
import sys
from collections.abc import Iterable

# A Sphinx/reST role left in a docstring renders as ":class:" before the code.
RAW_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|mod|exc|data|obj|const|ref):(?=<code>|`)")
# A reST literal block ("like this::") renders as a paragraph ending in "::".
RAW_LITERAL_BLOCK = re.compile(r"::</p>")
# A default written as a constant's name, or a repr that says nothing.
NAMED_DEFAULT = re.compile(r"=\s*(?:_?[A-Z][A-Z0-9]*_[A-Z0-9_]+|_[A-Za-z]\w*|<)")
# Signatures: in their own block (separate_signature), or in the heading.
SIGNATURE = re.compile(
    r'<div class="doc-signature[^"]*">(.*?)</div>'
    r'|<h[1-6][^>]*class="doc doc-heading"[^>]*>(.*?)</h',
    re.S,
)
HEADING_ID = re.compile(r'<h[1-6][^>]*\bid="([^"]+)"')


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def problems(page: str, public_names: Iterable[str]) -> list[str]:
    """What is wrong with the rendered reference page ``page`` (HTML)."""
    found = [
        f"raw reST role: {text_of(page[m.start() : m.start() + 80])!r}"
        for m in RAW_ROLE.finditer(page)
    ]
    found += [
        f"reST literal block marker: {text_of(page[max(0, m.start() - 60) : m.end()])!r}"
        for m in RAW_LITERAL_BLOCK.finditer(page)
    ]
    for block, heading in SIGNATURE.findall(page):
        shown = text_of(block or heading)
        found += [
            f"default shown by name, not value: {shown[m.start() : m.start() + 40]!r}"
            for m in NAMED_DEFAULT.finditer(shown)
        ]
    headings = HEADING_ID.findall(page)
    found += [
        f"no heading for the public name {name!r}"
        for name in public_names
        if not any(heading.endswith("." + name) for heading in headings)
    ]
    return found


def main(site: pathlib.Path) -> int:
    import inngest_codecs

    page = (site / "reference" / "index.html").read_text(encoding="utf-8")
    found = problems(page, inngest_codecs.__all__)
    for problem in found:
        print(f"docs/reference.md: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "site")))
