"""Typographic covers: right size, really drawn, text placed, never crashing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from bookgen.export import COVER_SIZE, render_cover
from bookgen.export import cover as cover_module

TITLE_BOX = (230, 520, COVER_SIZE[0] - 230, 1900)


def image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(png)).convert("RGB")


def changed_pixels(
    a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]
) -> int:
    diff = ImageChops.difference(a.crop(box), b.crop(box)).convert("L")
    return sum(diff.histogram()[41:])  # pixels that differ by more than 40


def test_size_and_not_blank() -> None:
    cover = image(render_cover("The Storm King", "Ana Reyes", "Fantasy"))
    assert cover.size == COVER_SIZE
    assert max(ImageStat.Stat(cover).stddev) > 10


def test_title_and_author_are_drawn_where_they_belong() -> None:
    full = image(render_cover("The Storm King", "Ana Reyes", "Fantasy"))
    no_title = image(render_cover("", "Ana Reyes", "Fantasy"))
    no_author = image(render_cover("The Storm King", "", "Fantasy"))
    author_box = (150, 2150, COVER_SIZE[0] - 150, 2350)
    assert changed_pixels(full, no_title, TITLE_BOX) > 20_000
    assert changed_pixels(full, no_title, author_box) == 0
    assert changed_pixels(full, no_author, author_box) > 2_000
    assert changed_pixels(full, no_author, TITLE_BOX) == 0


def test_same_input_same_png() -> None:
    assert render_cover("Tide", "Ana", "Mystery") == render_cover(
        "Tide", "Ana", "Mystery"
    )


def test_genre_chooses_the_palette() -> None:
    corners = {
        genre: image(render_cover("Tide", "Ana", genre)).getpixel((20, 20))
        for genre in ("Fantasy", "Science fiction", "Mystery", "Romance", "")
    }
    assert len(set(corners.values())) == len(corners)


@pytest.mark.parametrize(
    "title",
    [
        "A " + "very long title that goes on " * 40,
        "Supercalifragilisticexpialidociousnessitude",
        "Family \U0001f468\u200d\U0001f469\u200d\U0001f467 trip \U0001f680",
        "\U0001f525\U0001f525\U0001f525",
        "\u202egnp.exe\u202c \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
        "\u6771\u4eac\u306e\u591c\u3068\u96e8",
        "Tab\tnewline\ncontrol\x01\x7f",
        "   ",
    ],
)
def test_awkward_titles_do_not_crash(title: str) -> None:
    cover = image(render_cover(title, title, title))
    assert cover.size == COVER_SIZE


def test_long_title_stays_inside_its_box() -> None:
    long = image(render_cover("word " * 300, "", ""))
    empty = image(render_cover("", "", ""))
    above = (150, 400, COVER_SIZE[0] - 150, TITLE_BOX[1] - 10)
    below = (150, TITLE_BOX[3] + 10, COVER_SIZE[0] - 150, TITLE_BOX[3] + 80)
    assert changed_pixels(long, empty, TITLE_BOX) > 20_000
    assert changed_pixels(long, empty, above) == 0
    assert changed_pixels(long, empty, below) == 0


def test_emoji_are_left_out_not_drawn_as_boxes() -> None:
    with_emoji = render_cover("Trip \U0001f680\U0001f468\u200d\U0001f469", "", "")
    assert with_emoji == render_cover("Trip", "", "")


def test_font_and_licence_are_shipped() -> None:
    fonts = Path(cover_module.__file__).resolve().parents[2] / "assets" / "fonts"
    assert (fonts / "EBGaramond12-Regular.otf").is_file()
    assert "SIL OPEN FONT LICENSE Version 1.1" in (fonts / "OFL.txt").read_text()


def test_missing_font_file_falls_back_to_pillows_font(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shipped = render_cover("The Storm King", "Ana", "Fantasy")
    plain = image(render_cover("", "", "Fantasy"))
    monkeypatch.setattr(cover_module, "_FONT", tmp_path / "missing.otf")
    monkeypatch.setattr(cover_module, "_FALLBACK_FONTS", ())
    cover_module._available_fonts.cache_clear()
    try:
        fallback = render_cover("The Storm King", "Ana", "Fantasy")
    finally:
        cover_module._available_fonts.cache_clear()
    assert fallback != shipped
    assert changed_pixels(image(fallback), plain, TITLE_BOX) > 5_000
