"""Cover palettes by genre: background fade, ink for the text, one accent."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Palette", "Rgb", "palette_for"]

Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    top: Rgb  # background at the top, fading to
    bottom: Rgb  # the background at the foot
    ink: Rgb  # title and author
    accent: Rgb  # frame, ornament, genre label


def _hex(code: str) -> Rgb:
    return (int(code[1:3], 16), int(code[3:5], 16), int(code[5:7], 16))


def _palette(top: str, bottom: str, ink: str, accent: str) -> Palette:
    return Palette(_hex(top), _hex(bottom), _hex(ink), _hex(accent))


# First keyword found in the genre wins; the last entry is the default.
_PALETTES: tuple[tuple[tuple[str, ...], Palette], ...] = (
    (
        ("horror", "gothic", "ghost", "vampire"),
        _palette("#120c0c", "#2a0f12", "#eadfcb", "#a3171f"),
    ),
    (
        ("science", "sci-fi", "scifi", "space", "cyberpunk", "dystop", "future"),
        _palette("#0a1624", "#153b57", "#e8f4f8", "#63d2df"),
    ),
    (
        ("mystery", "thriller", "crime", "detective", "noir", "suspense", "spy"),
        _palette("#1b1c20", "#30323a", "#f2efe9", "#c0392b"),
    ),
    (
        ("romance", "love"),
        _palette("#4f1626", "#7c2c45", "#fbeee6", "#f0b8ae"),
    ),
    (
        ("fantasy", "magic", "myth", "epic", "fairy", "legend", "dragon"),
        _palette("#1c1738", "#372a6b", "#f4ead2", "#d9b449"),
    ),
    (
        ("histor", "war", "western", "period"),
        _palette("#3a2817", "#5c4229", "#f4e8cf", "#cfa862"),
    ),
    (
        ("child", "kid", "young", "adventure", "picture"),
        _palette("#0e5962", "#17868f", "#fffaf0", "#ffd166"),
    ),
    (
        ("comedy", "humor", "humour", "satire"),
        _palette("#f7d774", "#f2a65a", "#2e2118", "#8a2f1c"),
    ),
    ((), _palette("#f4efe6", "#e6dccb", "#262626", "#7b2d26")),
)


def palette_for(genre: str) -> Palette:
    """The palette of the first genre keyword found; a paper-and-ink default."""
    key = genre.casefold()
    return next(
        p for words, p in _PALETTES if not words or any(w in key for w in words)
    )
