"""Accounts: sign-up (first admin, then invites), argon2id passwords,
server-side sessions, login rate limits, and the per-book access rules.

Plain async Python over the storage engine; the Reflex states call it.
"""

from bookgen.accounts.access import (
    ActionPolicy,
    Viewer,
    Visibility,
    can_act,
    can_view,
)
from bookgen.accounts.fields import FieldError
from bookgen.accounts.passwords import PasswordHasher, PasswordPolicy
from bookgen.accounts.ratelimit import LimitDecision, LoginLimiter
from bookgen.accounts.results import (
    AdminResult,
    InviteResult,
    LoginResult,
    SignUpResult,
    UserPublic,
)
from bookgen.accounts.service import AccountPolicy, AccountService
from bookgen.storage.account_models import UserRole

__all__ = [
    "AccountPolicy",
    "AccountService",
    "ActionPolicy",
    "AdminResult",
    "FieldError",
    "InviteResult",
    "LimitDecision",
    "LoginLimiter",
    "LoginResult",
    "PasswordHasher",
    "PasswordPolicy",
    "SignUpResult",
    "UserPublic",
    "UserRole",
    "Viewer",
    "Visibility",
    "can_act",
    "can_view",
]
