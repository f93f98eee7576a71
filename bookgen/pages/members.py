"""The admin's members page: invite links, the team, disabling members."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from bookgen import routes
from bookgen.components import signed_in_page
from bookgen.state.members import MembersState, MemberView

__all__ = ["members_page"]


def member_row(member: ObjectVar[MemberView]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(member.name),
        rx.table.cell(member.email),
        rx.table.cell(member.role),
        rx.table.cell(rx.cond(member.disabled, "disabled", "active")),
        rx.table.cell(
            rx.cond(
                member.is_admin,
                rx.fragment(),
                rx.cond(
                    member.disabled,
                    rx.button(
                        "Enable",
                        size="1",
                        variant="soft",
                        on_click=MembersState.enable_member(member.id),
                    ),
                    rx.button(
                        "Disable",
                        size="1",
                        color_scheme="red",
                        variant="soft",
                        on_click=MembersState.disable_member(member.id),
                    ),
                ),
            )
        ),
        data_member_id=member.id,
        class_name="member-row",
    )


def invite_box() -> rx.Component:
    return rx.vstack(
        rx.heading("Invite a teammate", size="4"),
        rx.button(
            "Create invite link",
            id="invite-create",
            on_click=MembersState.create_invite,
        ),
        rx.cond(
            MembersState.invite_link,
            rx.code(MembersState.invite_link, id="invite-link"),
        ),
        spacing="2",
    )


def members() -> rx.Component:
    return rx.box(
        rx.link("← All books", href=routes.DASHBOARD, size="2"),
        rx.heading("Members", size="7"),
        invite_box(),
        rx.cond(MembersState.notice, rx.text(MembersState.notice, id="members-notice")),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Name"),
                    rx.table.column_header_cell("Email"),
                    rx.table.column_header_cell("Role"),
                    rx.table.column_header_cell("Status"),
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(MembersState.members, member_row)),
            id="members",
        ),
        class_name="page",
    )


def members_page() -> rx.Component:
    return signed_in_page(
        rx.cond(
            MembersState.allowed,
            members(),
            rx.box(
                rx.heading("Only an admin can see this page."),
                rx.link("Back to all books", href=routes.DASHBOARD),
                class_name="page",
            ),
        )
    )
