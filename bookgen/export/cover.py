"""A typographic cover drawn locally with Pillow: what every book gets offline.

Genre picks the palette; the title is wrapped and sized to fill its box; the
author sits at the foot. Text is set in EB Garamond shipped in ``assets/fonts``
so covers look the same everywhere. Characters it lacks (CJK, Arabic, emoji)
are set in the first system font that has them all, and characters no font has
(most emoji) are left out rather than drawn as boxes. Same input, same PNG.
"""

from __future__ import annotations

import io
import unicodedata
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, features

from bookgen.export.palettes import Palette, Rgb, palette_for
from bookgen.export.text import one_line

__all__ = ["COVER_SIZE", "THUMB_WIDTH", "cover_on_art", "render_cover", "thumbnail"]

COVER_SIZE = (1600, 2560)
_FONT = (
    Path(__file__).resolve().parents[2]
    / "assets"
    / "fonts"
    / "EBGaramond12-Regular.otf"
)
# Only for characters EB Garamond lacks; absent files are skipped.
_FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
_MAX_TITLE_SIZE, _MIN_TITLE_SIZE = 240, 72
_MISSING_PROBE = "\U0010fffd"  # private use: no font draws it, so it shows .notdef
_RTL = {"R", "AL", "RLE", "RLO", "RLI"}
THUMB_WIDTH = 400
_WHITE = (255, 255, 255)


def render_cover(title: str, author: str, genre: str) -> bytes:
    """A cover as PNG bytes (``COVER_SIZE``), drawn from the book's metadata."""
    palette = palette_for(genre)
    image = _background(palette)
    draw = ImageDraw.Draw(image)
    _frame(draw, palette)
    if genre_label := one_line(genre).upper():
        _single_line(
            draw, genre_label, y=300, size=54, fill=palette.accent, tracking=0.25
        )
        _rule(draw, y=370, half=90, palette=palette)
    _title(draw, one_line(title), top=520, bottom=1900, fill=palette.ink)
    _ornament(draw, y=2020, palette=palette)
    if author_line := one_line(author):
        _single_line(
            draw, author_line.upper(), y=2270, size=82, fill=palette.ink, tracking=0.18
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def cover_on_art(art_png: bytes, title: str, author: str) -> bytes:
    """Generated art cropped to ``COVER_SIZE`` with title and author set on it.

    Image models misspell text, so the words are always set here; a shade at
    the head and foot keeps white type legible on any picture.
    """
    with Image.open(io.BytesIO(art_png)) as art:
        image = ImageOps.fit(art.convert("RGB"), COVER_SIZE, Image.Resampling.LANCZOS)
    shade = Image.new("L", COVER_SIZE, 0)
    draw_shade = ImageDraw.Draw(shade)
    width, height = COVER_SIZE
    for y in range(0, 1200):
        draw_shade.line((0, y, width, y), fill=round(190 * (1 - y / 1200) ** 1.5))
    for y in range(1950, height):
        draw_shade.line((0, y, width, y), fill=round(200 * ((y - 1950) / 610) ** 1.2))
    image = Image.composite(Image.new("RGB", COVER_SIZE, (0, 0, 0)), image, shade)
    draw = ImageDraw.Draw(image)
    _title(draw, one_line(title), top=160, bottom=1000, fill=_WHITE)
    if author_line := one_line(author):
        _single_line(
            draw, author_line.upper(), y=2400, size=82, fill=_WHITE, tracking=0.18
        )
    return _png(image)


def thumbnail(png: bytes, width: int = THUMB_WIDTH) -> bytes:
    """A smaller copy of a cover, for pages that show many."""
    with Image.open(io.BytesIO(png)) as image:
        height = round(image.height * width / image.width)
        small = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    return _png(small)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _background(palette: Palette) -> Image.Image:
    top = Image.new("RGB", COVER_SIZE, palette.top)
    bottom = Image.new("RGB", COVER_SIZE, palette.bottom)
    mask = Image.linear_gradient("L").resize(COVER_SIZE, Image.Resampling.BILINEAR)
    return Image.composite(bottom, top, mask)


def _frame(draw: ImageDraw.ImageDraw, palette: Palette) -> None:
    width, height = COVER_SIZE
    draw.rectangle((70, 70, width - 71, height - 71), outline=palette.accent, width=6)
    draw.rectangle((96, 96, width - 97, height - 97), outline=palette.accent, width=2)


def _rule(draw: ImageDraw.ImageDraw, *, y: int, half: int, palette: Palette) -> None:
    center = COVER_SIZE[0] // 2
    draw.line((center - half, y, center + half, y), fill=palette.accent, width=3)


def _ornament(draw: ImageDraw.ImageDraw, *, y: int, palette: Palette) -> None:
    """A rule broken by a diamond, with a dot at each end."""
    cx, arm, gap, d, dot = COVER_SIZE[0] // 2, 330, 60, 26, 9
    draw.line((cx - arm, y, cx - gap, y), fill=palette.accent, width=4)
    draw.line((cx + gap, y, cx + arm, y), fill=palette.accent, width=4)
    draw.polygon(
        ((cx, y - d), (cx + d, y), (cx, y + d), (cx - d, y)), fill=palette.accent
    )
    for x in (cx - arm, cx + arm):
        draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=palette.accent)
    for x in (cx - gap + 18, cx + gap - 18):
        draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=palette.accent)


def _title(
    draw: ImageDraw.ImageDraw, text: str, *, top: int, bottom: int, fill: Rgb
) -> None:
    """The title wrapped and at the largest size that fits between top and bottom."""
    path, text = _font_for(text)
    if not text:
        return
    font, lines = _fit(text, path, COVER_SIZE[0] - 2 * 230, bottom - top)
    step = _line_height(font)
    ascent, _ = font.getmetrics()
    y = top + (bottom - top - step * len(lines)) // 2 + ascent
    for line in lines:
        draw.text(
            (COVER_SIZE[0] // 2, y), _visual(line), font=font, fill=fill, anchor="ms"
        )
        y += step


def _fit(
    text: str, path: str, max_width: int, max_height: int
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """Largest size whose wrapped lines fit; at the smallest, cut with an ellipsis."""
    for size in range(_MAX_TITLE_SIZE, _MIN_TITLE_SIZE - 1, -8):
        font = _font(path, size)
        lines = _wrap(text, font, max_width)
        if _line_height(font) * len(lines) <= max_height:
            return font, _balanced(text, font, max_width, len(lines))
    font = _font(path, _MIN_TITLE_SIZE)
    lines = _wrap(text, font, max_width)
    fits = max(1, max_height // _line_height(font))
    lines = [
        *lines[: fits - 1],
        _ellipsize(" ".join(lines[fits - 1 :]), font, max_width),
    ]
    return font, lines


def _single_line(
    draw: ImageDraw.ImageDraw,
    text: str,
    *,
    y: int,
    size: int,
    fill: Rgb,
    tracking: float,
) -> None:
    """One centred line, letter-spaced when it is plain left-to-right text."""
    path, text = _font_for(text)
    if not text:
        return
    max_width = COVER_SIZE[0] - 2 * 200
    font = _font(path, size)
    spaced = not any(unicodedata.bidirectional(c) in _RTL for c in text)
    extra = size * tracking if spaced else 0.0
    while size > 24 and font.getlength(text) + extra * (len(text) - 1) > max_width:
        size -= 4
        font = _font(path, size)
        extra = size * tracking if spaced else 0.0
    text = _ellipsize(text, font, max_width)
    if not extra:
        draw.text(
            (COVER_SIZE[0] // 2, y), _visual(text), font=font, fill=fill, anchor="ms"
        )
        return
    x = (COVER_SIZE[0] - font.getlength(text) - extra * (len(text) - 1)) / 2
    for char in text:
        draw.text((x, y), char, font=font, fill=fill, anchor="ls")
        x += font.getlength(char) + extra


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap; a word wider than the line (CJK has no spaces) is split."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        for piece in _split_word(word, font, max_width):
            candidate = f"{line} {piece}" if line else piece
            if line and font.getlength(candidate) > max_width:
                lines.append(line)
                line = piece
            else:
                line = candidate
    return [*lines, line] if line else lines


def _balanced(
    text: str, font: ImageFont.FreeTypeFont, width: int, count: int
) -> list[str]:
    """The narrowest wrap with the same number of lines: even lines, no orphan."""
    best = _wrap(text, font, width)
    widest_word = max(font.getlength(word) for word in text.split(" "))
    while width - 16 >= widest_word:
        width -= 16
        lines = _wrap(text, font, width)
        if len(lines) > count or any(font.getlength(x) > width for x in lines):
            break
        best = lines
    return best


def _split_word(word: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    pieces = [""]
    for char in word:
        if pieces[-1] and font.getlength(pieces[-1] + char) > max_width:
            pieces.append(char)
        else:
            pieces[-1] += char
    return pieces


def _ellipsize(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> str:
    if font.getlength(text) <= max_width:
        return text
    while text and font.getlength(text + "\u2026") > max_width:
        text = text[:-1].rstrip()
    return text + "\u2026"


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return int((ascent + descent) * 1.02)


def _visual(line: str) -> str:
    """Right-to-left text in display order when Pillow has no bidi engine (raqm)."""
    if features.check("raqm") or not any(
        unicodedata.bidirectional(c) in _RTL for c in line
    ):
        return line
    return line[::-1]


def _font_for(text: str) -> tuple[str, str]:
    """The first font that can draw all of ``text``, and ``text`` without the
    characters no available font has (they would show as empty boxes)."""
    fonts = _available_fonts()
    drawable = "".join(
        c for c in text if c == " " or any(_has_glyph(path, c) for path in fonts)
    )
    drawable = " ".join(drawable.split())
    path = next(
        (p for p in fonts if all(c == " " or _has_glyph(p, c) for c in drawable)),
        fonts[0],
    )
    return path, drawable


@cache
def _available_fonts() -> tuple[str, ...]:
    paths = [str(_FONT)] if _FONT.is_file() else [""]
    return (*paths, *(p for p in _FALLBACK_FONTS if Path(p).is_file()))


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """A font at a size; "" is Pillow's built-in font (when the asset is missing)."""
    font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("Drawing covers needs Pillow built with FreeType.")
    return font


@cache
def _has_glyph(path: str, char: str) -> bool:
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
        return False  # controls, joiners and bidi overrides: nothing to draw
    font = _font(path, 48)
    return _glyph_key(font, char) != _glyph_key(font, _MISSING_PROBE)


def _glyph_key(font: ImageFont.FreeTypeFont, char: str) -> tuple[object, ...]:
    mask = font.getmask(char)
    return (mask.size, tuple(mask.histogram()))
