"""Reaction buttons under each bubble: 👍 👎 ❤️ 😂 😮, counted for every viewer.

Each button is ``react-<message id>-<name>``; it shows how many viewers chose
it and is marked (``aria-pressed``) when the viewer did. Pressing it again
takes the reaction back.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from bookgen.state.book import BookState
from bookgen.state.views import ReactionView, ThreadEntry
from bookgen.storage.reaction_models import REACTIONS, ReactionName

__all__ = ["reaction_bar"]


def reaction_button(
    entry: ObjectVar[ThreadEntry], index: int, name: ReactionName, emoji: str
) -> rx.Component:
    shown = entry.reactions.to(list[ReactionView])[index]
    total, mine = shown.total.to(int), shown.mine.to(bool)
    return rx.button(
        emoji,
        rx.cond(total > 0, rx.text.span(total, class_name="count")),
        id=f"react-{entry.id}-{name.value}",
        on_click=BookState.react(entry.id, name.value),
        size="1",
        variant=rx.cond(mine, "soft", "outline"),
        color_scheme=rx.cond(mine, "blue", "gray"),
        class_name="reaction",
        title=name.value,
        aria_pressed=rx.cond(mine, "true", "false"),
        data_count=total,
    )


def reaction_bar(entry: ObjectVar[ThreadEntry]) -> rx.Component:
    return rx.hstack(
        *[
            reaction_button(entry, index, name, emoji)
            for index, (name, emoji) in enumerate(REACTIONS.items())
        ],
        spacing="1",
        class_name="reactions",
    )
