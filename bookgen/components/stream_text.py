"""StreamText: a message whose text streams in as (offset, chunk) pairs.

Reflex resends a whole var on every change, so a growing string costs bytes
quadratic in its length. Here the browser fetches a message's text once over
HTTP (``src``), then the server pushes only new text with its absolute offset
(in code points, like Python's ``len``) as one short string, ``live``, and
``assets/stream_text.jsx`` appends it, revealing it smoothly. A missed push is
repaired by fetching the gap.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

__all__ = ["StreamText", "stream_text"]


class StreamText(rx.Component):
    """Wrapper around the local ``StreamText`` React component."""

    library = "$/public/stream_text.jsx"
    tag = "StreamText"
    # Imported by the jsx; Reflex installs it (rx.markdown pins the same version).
    lib_dependencies: list[str] = ["react-markdown@10.1.0"]

    # Path of the message's text on the backend (``?from=N`` is appended).
    src: rx.Var[str]
    # Length the server last reported; the component fetches what it lacks.
    length: rx.Var[int]
    # Which message this element shows; live props apply only if they match.
    message_key: rx.Var[str]
    # The book's live tail, "m<id>:<offset>:<text>": text of message m<id>
    # from code point <offset>. Applied only when m<id> is `message_key`.
    live: rx.Var[str]
    # True while the message is generated: blinking cursor and smooth reveal.
    streaming: rx.Var[bool]
    # Render as markdown (raw HTML is never rendered).
    markdown: rx.Var[bool]


def stream_text(
    src: rx.Var[str] | str,
    *,
    length: rx.Var[int] | int = 0,
    message_key: rx.Var[str] | str,
    live: rx.Var[str] | str = "",
    streaming: rx.Var[bool] | bool = False,
    markdown: rx.Var[bool] | bool = True,
    **props: Any,
) -> rx.Component:
    """Build a StreamText; extra props (id, class_name, style...) go to the outer div.

    The element's textContent is exactly the shown text; it exposes
    ``data-length`` (received code points) and ``data-shown`` (displayed ones).
    """
    return StreamText.create(
        src=src,
        length=length,
        message_key=message_key,
        live=live,
        streaming=streaming,
        markdown=markdown,
        **props,
    )
