"""The in-place editor of the outline and of finished chapters.

``edit_button`` opens it; ``text_editor`` is a form whose uncontrolled
textarea holds the text (sent once, on save); ``conflict_panel`` shows a stale
save's difference and the choices. ``editing_notes`` tells every viewer who
else is editing what.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar, Var

from bookgen.components.form_field import notice, soft_button
from bookgen.state.book import BookState
from bookgen.state.edit_views import DiffPart, EditorView
from bookgen.state.editing import EditState

__all__ = ["edit_button", "editing_notes", "text_editor"]


def edit_button(target: Var | str, element_id: Var | str) -> rx.Component:
    return soft_button(
        "Edit",
        EditState.open_editor(target),
        element_id,
        size="1",
        class_name="edit-button",
    )


def _diff_part(part: ObjectVar[DiffPart]) -> rx.Component:
    """One run of the difference; its class (diff-added, diff-removed...)
    colours it, and its text carries the [-removed-] / {+added+} marks."""
    return rx.el.span(part.marked, class_name="diff-" + part.kind.to(str))


def conflict_panel() -> rx.Component:
    return rx.callout.root(
        rx.callout.text(
            "Someone saved this text while you were editing. Below, from their "
            "version to yours: [-removed-] and {+added+}. Your text is still in "
            "the editor: merge by hand and save, save to overwrite theirs, "
            "or take theirs.",
        ),
        rx.el.pre(
            rx.foreach(EditState.conflict_diff, _diff_part),
            class_name="diff",
            id="edit-diff",
        ),
        soft_button(
            "Use their version",
            EditState.take_theirs,
            "edit-take-theirs",
            type="button",
        ),
        color_scheme="amber",
        id="edit-conflict",
    )


def text_editor(editor_id: Var | str, save_id: Var | str) -> rx.Component:
    """The open editor: the text, then Save (Overwrite after a conflict), Cancel."""
    return rx.form(
        rx.text_area(
            name="text",
            default_value=EditState.edit_draft,
            key=EditState.edit_round,
            id=editor_id,
            rows="18",
            width="100%",
            class_name="editor",
        ),
        rx.cond(EditState.edit_conflict, conflict_panel()),
        notice(EditState.edit_notice, "edit-notice"),
        rx.hstack(
            rx.button(
                rx.cond(EditState.edit_conflict, "Overwrite with my text", "Save"),
                type="submit",
                id=save_id,
            ),
            soft_button("Cancel", EditState.cancel_edit, "edit-cancel", type="button"),
            spacing="2",
        ),
        on_submit=EditState.save_edit,
        class_name="editor-form",
    )


def _note(editor: ObjectVar[EditorView]) -> rx.Component:
    return rx.text(editor.note, size="2", class_name="editing-note")


def editing_notes() -> rx.Component:
    """ "Ana is editing chapter 3", for each other tab with an editor open."""
    return rx.box(rx.foreach(BookState.editors, _note), id="editing-notes")
