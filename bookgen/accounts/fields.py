"""Sign-up fields: normalise what people type, and say clearly what is wrong."""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "EMAIL_MAX_LENGTH",
    "NAME_MAX_LENGTH",
    "FieldError",
    "normalise_email",
    "normalise_name",
]

NAME_MAX_LENGTH = 100
# The longest address SMTP can carry (RFC 5321 path limit).
EMAIL_MAX_LENGTH = 254

# local@domain.tld with no spaces; deliverability is not our business, typos are.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


class FieldError(ValueError):
    """Bad input in one field; ``str(err)`` is the message to show."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _has_control_characters(text: str) -> bool:
    # Cc covers NUL and the other C0/C1 controls; Cf covers bidi overrides
    # (U+202E) but also the zero-width joiner emoji need, so only Cc and the
    # bidi controls are refused.
    return any(
        unicodedata.category(ch) == "Cc"
        or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        for ch in text
    )


def normalise_name(raw: object) -> str:
    """A display name: trimmed, 1-100 characters, no control characters."""
    if not isinstance(raw, str):
        raise FieldError("name", "Enter your name.")
    name = raw.strip()
    if not name:
        raise FieldError("name", "Enter your name.")
    if len(name) > NAME_MAX_LENGTH:
        raise FieldError(
            "name", f"Your name can be at most {NAME_MAX_LENGTH} characters."
        )
    if _has_control_characters(name):
        raise FieldError("name", "Your name contains characters that are not allowed.")
    return name


def normalise_email(raw: object) -> str:
    """The stored form of an address: trimmed and case-folded, so one person
    cannot hold two accounts as ``Ann@x.org`` and ``ann@x.org``."""
    if not isinstance(raw, str) or not raw.strip():
        raise FieldError("email", "Enter your email address.")
    email = unicodedata.normalize("NFC", raw.strip()).casefold()
    if len(email) > EMAIL_MAX_LENGTH:
        raise FieldError(
            "email", f"An email address can be at most {EMAIL_MAX_LENGTH} characters."
        )
    if _has_control_characters(email) or not _EMAIL.match(email):
        raise FieldError("email", "Enter a valid email address, like ann@example.org.")
    return email
