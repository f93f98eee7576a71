"""Versions of the book: the list to switch between them, the button on each
message that starts a new version there, and "Regenerate from here on".

Ids: ``branch-list`` (the list; each version is ``branch-<number>``,
``aria-current`` on the one shown), ``branch-from-<message id>`` (the button
on a message), ``branch-wish`` / ``branch-confirm`` / ``branch-cancel`` (the
form it opens), ``regenerate-from-<chapter>``.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar, Var

from bookgen.state.book import BookState
from bookgen.state.branches import BranchState
from bookgen.state.views import BranchView, ThreadEntry

__all__ = [
    "branch_button",
    "branch_form",
    "branch_list",
    "branch_notice",
    "regenerate_from_button",
]


def _version(branch: ObjectVar[BranchView]) -> rx.Component:
    return rx.button(
        branch.name,
        id="branch-" + branch.number.to_string(),
        size="1",
        variant=rx.cond(branch.current, "solid", "outline"),
        disabled=branch.current | ~BookState.can_act,
        on_click=BranchState.switch_branch(branch.id),
        aria_current=rx.cond(branch.current, "true", "false"),
        data_status=branch.status,
        class_name="version",
    )


def branch_list() -> rx.Component:
    """Every version of the book, the shown one marked; shown from the second."""
    return rx.cond(
        BookState.branches.length() > 0,
        rx.vstack(
            rx.text("Versions", weight="bold", size="2"),
            rx.flex(rx.foreach(BookState.branches, _version), wrap="wrap", gap="2"),
            id="branch-list",
            spacing="1",
            width="100%",
        ),
    )


def branch_button(entry: ObjectVar[ThreadEntry]) -> rx.Component:
    """Start a new version of the book at this message."""
    return rx.cond(
        BookState.can_act & entry.can_branch,
        rx.button(
            "New version from here",
            id="branch-from-" + entry.id.to_string(),
            size="1",
            variant="ghost",
            on_click=BranchState.choose_branch_point(entry.id),
            class_name="branch-from",
        ),
    )


def branch_form(entry: ObjectVar[ThreadEntry]) -> rx.Component:
    """Under the chosen message: what should go differently, then start."""
    return rx.cond(
        BranchState.branch_point == entry.id,
        rx.vstack(
            rx.text_area(
                id="branch-wish",
                placeholder="What if…? (optional: what should go differently)",
                value=BranchState.branch_wish,
                on_change=BranchState.set_branch_wish,
                width="100%",
                rows="2",
            ),
            rx.hstack(
                rx.button(
                    "Start this version",
                    id="branch-confirm",
                    size="1",
                    on_click=BranchState.branch_here,
                ),
                rx.button(
                    "Cancel",
                    id="branch-cancel",
                    size="1",
                    variant="outline",
                    on_click=BranchState.cancel_branch,
                ),
            ),
            width="100%",
            class_name="branch-form",
        ),
    )


def branch_notice() -> rx.Component:
    return rx.cond(
        BranchState.branch_notice,
        rx.text(BranchState.branch_notice, id="branch-notice", color="red", size="1"),
    )


def regenerate_from_button(number: Var[int], element_id: Var[str]) -> rx.Component:
    """Write this chapter and the ones after it anew, as a new version."""
    return rx.cond(
        BookState.can_regenerate,
        rx.button(
            "Regenerate from here on",
            id=element_id,
            size="1",
            variant="outline",
            on_click=BranchState.regenerate_from(number),
        ),
    )
