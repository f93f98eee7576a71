"""What the account service hands back: typed values, never exceptions.

Every result carries ``ok`` and ``message`` (what to show the person), so a
page can render any outcome without knowing why it happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from bookgen.storage.account_models import User, UserRole

__all__ = [
    "AdminResult",
    "InviteResult",
    "LoginResult",
    "SignUpResult",
    "UserPublic",
]


@dataclass(frozen=True, kw_only=True)
class UserPublic:
    """A user as the app may see and keep: no password hash, safe in state."""

    id: int
    name: str
    email: str
    role: UserRole
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN

    @classmethod
    def of(cls, user: User) -> UserPublic:
        assert user.id is not None, "a stored user has an id"
        return cls(
            id=user.id,
            name=user.name,
            email=user.email,
            role=UserRole(user.role),
            disabled=user.disabled,
        )


@dataclass(frozen=True, kw_only=True)
class SignUpResult:
    """A new account, signed in (``session_token``), or why not."""

    ok: bool
    message: str
    # Which form field the message is about, when it is about one.
    field: str | None = None
    user: UserPublic | None = None
    session_token: str | None = None


@dataclass(frozen=True, kw_only=True)
class LoginResult:
    ok: bool
    message: str
    user: UserPublic | None = None
    session_token: str | None = None
    # Set when the attempt was refused by the rate limit.
    retry_after_s: int | None = None


@dataclass(frozen=True, kw_only=True)
class InviteResult:
    """A one-time sign-up token (put it in the link), or why not."""

    ok: bool
    message: str
    token: str | None = None


@dataclass(frozen=True, kw_only=True)
class AdminResult:
    ok: bool
    message: str
