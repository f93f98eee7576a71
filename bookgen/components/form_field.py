"""A labelled form control with the server's error for it underneath."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

__all__ = ["field_error", "labeled"]


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
