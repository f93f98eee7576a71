"""Markdown to XHTML for EPUB documents, safely.

Raw HTML in model text is escaped, never passed through; images are off (a
remote picture breaks EPUBCheck and leaks the reader's address); links survive
only to http(s) and mailto, so a relative link cannot point at a missing file.
Headings move one level down below the chapter's own ``<h1>``.
"""

from __future__ import annotations

from html import escape

from markdown_it import MarkdownIt

from bookgen.export.text import xml_safe

__all__ = ["markdown_to_xhtml", "text_to_xhtml"]

_LINK_SCHEMES = ("http://", "https://", "mailto:")


class _SafeMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        return url.strip().lower().startswith(_LINK_SCHEMES)


# "reference" off too: a reference definition would otherwise vanish silently.
_MD = _SafeMarkdown("commonmark", {"html": False}).disable(["image", "reference"])


def markdown_to_xhtml(text: str) -> str:
    """Body markup for chapter text; every heading one level below ``<h1>``."""
    tokens = _MD.parse(xml_safe(text))
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 1)}"
    return _MD.renderer.render(tokens, _MD.options, {})


def text_to_xhtml(text: str) -> str:
    """Plain text (a premise) as paragraphs, one per blank-line-separated block."""
    blocks = [b.strip() for b in xml_safe(text).replace("\r\n", "\n").split("\n\n")]
    return "".join(
        "<p>" + "<br />".join(escape(line) for line in b.split("\n")) + "</p>"
        for b in blocks
        if b
    )
