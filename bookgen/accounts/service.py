"""The accounts API the app calls: sign up, log in, sessions, invites, admin.

Open WebUI's convention: on an empty database the first sign-up becomes the
admin; after that, sign-up needs a one-time invite from an admin. Every method
answers bad input with a typed result carrying a message to show, never an
exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bookgen import metrics
from bookgen.accounts.fields import FieldError, normalise_email, normalise_name
from bookgen.accounts.invites import InviteStore
from bookgen.accounts.passwords import PasswordHasher, PasswordPolicy
from bookgen.accounts.ratelimit import LoginLimiter
from bookgen.accounts.results import (
    AdminResult,
    InviteResult,
    LoginResult,
    SignUpResult,
    UserPublic,
)
from bookgen.accounts.sessions import SessionStore
from bookgen.accounts.tokens import plausible_token
from bookgen.accounts.users import InviteOutcome, UserStore
from bookgen.storage.db import make_sessionmaker
from bookgen.storage.models import utcnow

__all__ = ["AccountPolicy", "AccountService"]

WRONG_CREDENTIALS = "Wrong email or password."
INVITE_NEEDED = "Sign-up is by invitation: ask your admin for an invite link."
INVITE_CLOSED = (
    "This invite link has expired or was already used. Ask your admin for a new one."
)
EMAIL_TAKEN = "An account with this email already exists. Sign in instead."
ADMINS_ONLY = "Only an admin can do that."


@dataclass(frozen=True, kw_only=True)
class AccountPolicy:
    """Lifetimes and password rules; the app builds it from its settings."""

    # A session ends after this long without use.
    session_ttl: timedelta = timedelta(days=14)
    # How often a session in use has its expiry pushed forward (one write).
    session_refresh_every: timedelta = timedelta(minutes=5)
    # How long an invite link stays valid.
    invite_ttl: timedelta = timedelta(days=7)
    passwords: PasswordPolicy = field(default_factory=PasswordPolicy)


class AccountService:
    """Accounts over one engine; cheap to keep for the life of the process."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        policy: AccountPolicy | None = None,
        limiter: LoginLimiter | None = None,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.policy = policy or AccountPolicy()
        self.limiter = limiter or LoginLimiter()
        self._hasher = hasher or PasswordHasher()
        self._clock = clock
        sessions = make_sessionmaker(engine)
        self._users = UserStore(sessions, clock=clock)
        self._invites = InviteStore(sessions, clock=clock)
        self._sessions = SessionStore(
            sessions,
            ttl=self.policy.session_ttl,
            refresh_every=self.policy.session_refresh_every,
            clock=clock,
        )

    # --- signing up and in ------------------------------------------------
    async def needs_founder(self) -> bool:
        """True on an empty database: the next sign-up becomes the admin."""
        return not await self._users.any_user()

    async def sign_up(
        self,
        *,
        name: object,
        email: object,
        password: object,
        invite_token: object = None,
    ) -> SignUpResult:
        """Create an account and sign it in: the founder, or an invited member."""
        try:
            clean_name = normalise_name(name)
            clean_email = normalise_email(email)
            clean_password = self.policy.passwords.check(password)
        except FieldError as err:
            return SignUpResult(ok=False, message=err.message, field=err.field)

        if invite_token is None or invite_token == "":
            # Cheap refusal first, so nobody makes us hash for nothing.
            if await self._users.any_user():
                return SignUpResult(ok=False, message=INVITE_NEEDED)
            user = await self._users.insert_founder(
                name=clean_name,
                email=clean_email,
                password_hash=await self._hasher.hash(clean_password),
            )
            if user is None:  # another first sign-up won the race
                return SignUpResult(ok=False, message=INVITE_NEEDED)
        else:
            if not plausible_token(invite_token):
                return SignUpResult(ok=False, message=INVITE_CLOSED)
            assert isinstance(invite_token, str)
            if not await self._invites.is_open(invite_token):
                return SignUpResult(ok=False, message=INVITE_CLOSED)
            outcome, user = await self._users.insert_invited(
                name=clean_name,
                email=clean_email,
                password_hash=await self._hasher.hash(clean_password),
                invite_token=invite_token,
            )
            if outcome is InviteOutcome.EMAIL_TAKEN:
                return SignUpResult(ok=False, message=EMAIL_TAKEN, field="email")
            if user is None:
                return SignUpResult(ok=False, message=INVITE_CLOSED)

        public = UserPublic.of(user)
        return SignUpResult(
            ok=True,
            message=f"Welcome, {public.name}.",
            user=public,
            session_token=await self._sessions.create(public.id),
        )

    async def log_in(
        self, *, email: object, password: object, address: str
    ) -> LoginResult:
        """Check credentials (rate-limited) and start a session; counted in
        the ``bookgen_logins_total`` metric by outcome."""
        result = await self._log_in(email=email, password=password, address=address)
        metrics.login_attempted(
            metrics.LoginOutcome.of(result.ok, result.retry_after_s)
        )
        return result

    async def _log_in(
        self, *, email: object, password: object, address: str
    ) -> LoginResult:
        """Check credentials (rate-limited) and start a session.

        An unknown email and a wrong password give the same message after the
        same work (a dummy hash is verified), so neither reveals who has an
        account.
        """
        decision = await self.limiter.hit(account=_login_key(email), address=address)
        if not decision.allowed:
            return LoginResult(
                ok=False,
                message=decision.message,
                retry_after_s=decision.retry_after_s or None,
            )
        try:
            clean_email = normalise_email(email)
        except FieldError as err:
            return LoginResult(ok=False, message=err.message)
        clean_password = self.policy.passwords.for_login(password)
        if clean_password is None:
            return LoginResult(ok=False, message=WRONG_CREDENTIALS)

        user = await self._users.by_email(clean_email)
        if user is None:
            await self._hasher.verify_nobody(clean_password)
            return LoginResult(ok=False, message=WRONG_CREDENTIALS)
        checked = await self._hasher.verify(clean_password, user.password_hash)
        if not checked.ok:
            return LoginResult(ok=False, message=WRONG_CREDENTIALS)
        if user.disabled:
            return LoginResult(
                ok=False, message="This account is disabled. Ask your admin."
            )
        public = UserPublic.of(user)
        if checked.new_hash:  # hashing parameters were raised since
            await self._users.set_password_hash(public.id, checked.new_hash)
        return LoginResult(
            ok=True,
            message=f"Welcome back, {public.name}.",
            user=public,
            session_token=await self._sessions.create(public.id),
        )

    async def warm_up(self) -> None:
        """Prepare the dummy hash at start, so the first unknown-email login
        takes no longer than any other."""
        await self._hasher.verify_nobody("warm-up")

    async def user_for_session(self, token: object) -> UserPublic | None:
        """Who holds this session token, or None (expired, revoked, disabled,
        junk). One indexed query: call it in every handler."""
        return await self._sessions.user_for(token)

    async def log_out(self, token: object) -> None:
        await self._sessions.revoke(token)

    async def purge_expired_sessions(self) -> int:
        return await self._sessions.purge_expired()

    # --- admin -------------------------------------------------------------
    async def _current_admin(self, actor: UserPublic | None) -> UserPublic | None:
        # Trust the database, not the caller's copy: roles and flags change.
        if actor is None:
            return None
        user = await self._users.get(actor.id)
        if user is None or user.disabled or not UserPublic.of(user).is_admin:
            return None
        return UserPublic.of(user)

    async def create_invite(self, actor: UserPublic | None) -> InviteResult:
        """A one-time sign-up token for the invite link (admins only)."""
        admin = await self._current_admin(actor)
        if admin is None:
            return InviteResult(ok=False, message=ADMINS_ONLY)
        token = await self._invites.create(
            created_by_id=admin.id, ttl=self.policy.invite_ttl
        )
        return InviteResult(
            ok=True,
            message=(
                "Invite link ready; it works once, within "
                f"{_duration(self.policy.invite_ttl)}."
            ),
            token=token,
        )

    async def set_disabled(
        self, actor: UserPublic | None, user_id: object, *, disabled: bool
    ) -> AdminResult:
        """Disable (ending all their sessions) or re-enable a member."""
        admin = await self._current_admin(actor)
        if admin is None:
            return AdminResult(ok=False, message=ADMINS_ONLY)
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            return AdminResult(ok=False, message="No such member.")
        if user_id == admin.id:
            return AdminResult(ok=False, message="You cannot disable your own account.")
        if not -(2**63) <= user_id < 2**63:
            return AdminResult(ok=False, message="No such member.")
        if not await self._users.set_member_disabled(user_id, disabled):
            return AdminResult(ok=False, message="No such member.")
        if disabled:
            await self._sessions.revoke_all(user_id)
            return AdminResult(ok=True, message="Member disabled and signed out.")
        return AdminResult(ok=True, message="Member enabled.")

    async def list_users(self, actor: UserPublic | None) -> list[UserPublic]:
        """Everyone, for the admin's members page; empty for non-admins."""
        if await self._current_admin(actor) is None:
            return []
        return [UserPublic.of(u) for u in await self._users.list_all()]


def _login_key(email: object) -> str:
    """The account a login attempt counts against, even when the input is junk."""
    try:
        return normalise_email(email)
    except FieldError:
        return email.strip().casefold()[:256] if isinstance(email, str) else ""


def _duration(delta: timedelta) -> str:
    if delta >= timedelta(days=2):
        return f"{delta.days} days"
    hours = max(1, round(delta.total_seconds() / 3600))
    return f"{hours} hour" + ("" if hours == 1 else "s")
