"""Reactions to messages: toggled per user, read per set of messages."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.storage.models import MAX_ROW_ID, Message
from bookgen.storage.reaction_models import Reaction, ReactionName, ReactionRow

__all__ = ["Reactions", "reaction_rows"]


class Reactions:
    """Queries on the reaction table (the store holds one, as ``store.reactions``)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def toggle(
        self, message_id: int, user_id: int, name: ReactionName
    ) -> bool | None:
        """Add the reaction, or remove it if it is there: True when it now
        exists, False when removed, None when there is no such message.

        Callers check first that the user may see the message's book.
        """
        if not (0 < message_id <= MAX_ROW_ID and 0 <= user_id <= MAX_ROW_ID):
            return None
        mine = (
            (col(Reaction.message_id) == message_id)
            & (col(Reaction.user_id) == user_id)
            & (col(Reaction.name) == name.value)
        )
        try:
            async with self._sessions() as s, s.begin():
                if await s.get(Message, message_id) is None:
                    return None
                if (await s.exec(delete(Reaction).where(mine))).rowcount:
                    return False
                s.add(Reaction(message_id=message_id, user_id=user_id, name=name))
        except IntegrityError:
            # The same user's other tab added it a moment ago: it exists.
            return True
        return True

    async def rows(self, message_ids: list[int]) -> list[ReactionRow]:
        async with self._sessions() as s:
            return await reaction_rows(s, message_ids)


async def reaction_rows(s: AsyncSession, message_ids: list[int]) -> list[ReactionRow]:
    """Every reaction to these messages, oldest first."""
    if not message_ids:
        return []
    rows = await s.exec(
        select(Reaction.message_id, Reaction.name, Reaction.user_id)
        .where(col(Reaction.message_id).in_(message_ids))
        .order_by(col(Reaction.id))
    )
    return [ReactionRow(m, n, u) for m, n, u in rows.all()]
