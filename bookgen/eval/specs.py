"""The fixed, versioned book specs the eval writes (``books.toml`` beside this file)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from bookgen.generation.forms import BookForm, FormError

__all__ = ["DEFAULT_SPECS", "BookSpec", "SpecError", "SpecSet", "load_specs"]

DEFAULT_SPECS = Path(__file__).with_name("books.toml")


class SpecError(ValueError):
    """A spec file that cannot be used, with what is wrong with it."""


@dataclass(frozen=True)
class BookSpec:
    """One book to write: an id for the report, the form an author would send."""

    id: str
    form: BookForm
    # In the small subset CI runs (``--smoke``) rather than the full set.
    smoke: bool = False


@dataclass(frozen=True)
class SpecSet:
    version: int
    books: tuple[BookSpec, ...]

    def subset(self, *, smoke: bool) -> tuple[BookSpec, ...]:
        return tuple(b for b in self.books if b.smoke == smoke)


def load_specs(path: Path = DEFAULT_SPECS) -> SpecSet:
    """Read and validate a spec file; every book must pass the new-book form."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"cannot read book specs {path}: {exc}") from exc
    version = data.get("version")
    if not isinstance(version, int):
        raise SpecError(f"{path}: needs an integer 'version'")
    books = []
    for k, raw in enumerate(data.get("book") or [], start=1):
        book_id = str(raw.get("id") or f"book-{k}")
        try:
            form = BookForm.parse(raw)
        except FormError as exc:
            raise SpecError(f"{path}: book {book_id!r}: {exc}") from exc
        books.append(BookSpec(id=book_id, form=form, smoke=bool(raw.get("smoke"))))
    if not books:
        raise SpecError(f"{path}: no [[book]] entries")
    if len({b.id for b in books}) != len(books):
        raise SpecError(f"{path}: book ids must be unique")
    return SpecSet(version=version, books=tuple(books))
