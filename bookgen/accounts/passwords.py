"""Password rules and argon2id hashing, always off the event loop.

argon2id through pwdlib takes passwords of any length (no bcrypt 72-byte
limit). Each hash costs tens of megabytes and a few hundred milliseconds of CPU,
so it runs in a worker thread: other users' events keep flowing meanwhile.
"""

from __future__ import annotations

import asyncio
import secrets
import unicodedata
from dataclasses import dataclass

from pwdlib import PasswordHash

from bookgen.accounts.fields import FieldError

__all__ = ["PasswordHasher", "PasswordPolicy", "Verification"]


@dataclass(frozen=True, kw_only=True)
class PasswordPolicy:
    """Length bounds in characters (code points, after NFKC)."""

    # NIST SP 800-63B's minimum for user-chosen secrets.
    min_length: int = 8
    # Generous for passphrases, small enough that nobody hashes a megabyte.
    max_length: int = 1024

    def check(self, raw: object) -> str:
        """The password to hash, or a FieldError saying what to change."""
        if not isinstance(raw, str) or not raw:
            raise FieldError("password", "Enter a password.")
        # One canonical form, so "é" typed as one or two code points matches.
        password = unicodedata.normalize("NFKC", raw)
        if len(password) < self.min_length:
            raise FieldError(
                "password",
                f"Use a password of at least {self.min_length} characters.",
            )
        if len(password) > self.max_length:
            raise FieldError(
                "password",
                f"Use a password of at most {self.max_length} characters.",
            )
        return password

    def for_login(self, raw: object) -> str | None:
        """The password to verify, or None when it cannot be anyone's."""
        if not isinstance(raw, str) or not raw:
            return None
        password = unicodedata.normalize("NFKC", raw)
        return password if len(password) <= self.max_length else None


@dataclass(frozen=True)
class Verification:
    """Whether a password matched, and a fresh hash when parameters changed."""

    ok: bool
    new_hash: str | None = None


class PasswordHasher:
    """argon2id (``PasswordHash.recommended()``) run in worker threads."""

    def __init__(self, password_hash: PasswordHash | None = None) -> None:
        self._hash = password_hash or PasswordHash.recommended()
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hash.hash, password)

    async def verify(self, password: str, stored_hash: str) -> Verification:
        """Check a password; a malformed stored hash is a mismatch, not a crash."""
        try:
            ok, new_hash = await asyncio.to_thread(
                self._hash.verify_and_update, password, stored_hash
            )
        except Exception:  # pwdlib raises UnknownHashError on junk hashes
            return Verification(ok=False)
        return Verification(ok=ok, new_hash=new_hash if ok else None)

    async def verify_nobody(self, password: str) -> None:
        """Spend the same time as a real check when the account does not exist,
        so response time does not tell an attacker which emails have accounts."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(password, self._dummy_hash)
