"""Bearer tokens for sessions and invite links: random for the client, hashed for us."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["MAX_TOKEN_LENGTH", "hash_token", "new_token", "plausible_token"]

# Tokens we issue are 43 characters; anything far longer is not ours.
MAX_TOKEN_LENGTH = 256


def new_token() -> str:
    """256 random bits, URL-safe, for the client to hold."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the database stores: a leaked row cannot be replayed as the token.

    A fast hash is right here (unlike passwords): the token is random and long.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def plausible_token(token: object) -> bool:
    """Cheap shape check so junk from a client never reaches a query."""
    return isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_LENGTH
