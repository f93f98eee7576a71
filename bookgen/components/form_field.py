"""Pieces every form shares, so each form only says what is its own: a
labelled control with the server's error for it underneath, a form's notice,
and the quieter (soft) button beside its main one."""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx
from reflex.event import EventType
from reflex.vars import ObjectVar, Var

__all__ = ["field_error", "labeled", "notice", "soft_button"]


def field_error(
    name: str, *, errors: ObjectVar[dict[str, str]], id_prefix: str
) -> rx.Component:
    """``errors[name]`` (from the form's state), shown as ``#<id_prefix><name>``."""
    return rx.cond(
        errors.contains(name),
        rx.text(errors[name], color="red", size="1", id=f"{id_prefix}{name}"),
    )


def labeled(
    label: str,
    control: rx.Component,
    name: str,
    *,
    errors: ObjectVar[dict[str, str]],
    id_prefix: str,
) -> rx.Component:
    """A control under its label, with its field error below it."""
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        control,
        field_error(name, errors=errors, id_prefix=id_prefix),
        spacing="1",
        width="100%",
    )


def notice(message: Var[str], element_id: str) -> rx.Component:
    """What the server said about the last try (``""``: nothing), in red."""
    return rx.cond(message != "", rx.text(message, color_scheme="red", id=element_id))


def soft_button(
    label: str,
    on_click: EventType[()],
    element_id: Var | str,
    *,
    size: Literal["1", "2", "3", "4"] | None = None,
    type: Literal["button", "submit", "reset"] | None = None,
    class_name: str | None = None,
) -> rx.Component:
    """A secondary action (Edit, Cancel, Keep current...): same look everywhere."""
    given = {"size": size, "type": type, "class_name": class_name}
    props: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    return rx.button(label, on_click=on_click, id=element_id, variant="soft", **props)
