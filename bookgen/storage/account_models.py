"""SQL tables for accounts: users, their server-side sessions, and invites.

Secrets never sit here in the clear: passwords are argon2id hashes, session and
invite tokens are stored only as their SHA-256 (hex), so a leaked database
cannot be replayed as a login.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from bookgen.storage.models import utcnow

__all__ = ["AuthSession", "Invite", "User", "UserRole"]

# Length of a SHA-256 digest written as hex.
TOKEN_HASH_LENGTH = 64


class UserRole(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class User(SQLModel, table=True):
    __table_args__ = (
        # Only the value 1 (or NULL) may sit in the founder slot, and it is
        # unique: the database, not a check-then-insert, guarantees that
        # concurrent first sign-ups create exactly one founding admin.
        CheckConstraint("founder_slot = 1", name="ck_user_founder_slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    # Stripped and case-folded before it is stored; unique.
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=UserRole.MEMBER, max_length=16)
    disabled: bool = False
    # 1 for the account created on an empty database, NULL for everyone else.
    founder_slot: int | None = Field(default=None, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class AuthSession(SQLModel, table=True):
    """A signed-in browser: the client holds the token, we hold its hash."""

    __tablename__ = "auth_session"  # pyright: ignore[reportAssignmentType]

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=TOKEN_HASH_LENGTH, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # Moved forward (sliding expiry) at most once per refresh interval.
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


class Invite(SQLModel, table=True):
    """A one-time sign-up link an admin made; redeemed by a conditional update."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=TOKEN_HASH_LENGTH, unique=True, index=True)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    used_by_id: int | None = Field(default=None, foreign_key="user.id")
