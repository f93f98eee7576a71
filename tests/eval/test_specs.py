"""The eval's fixed book specs: versioned, varied, and checked like the form."""

from pathlib import Path

import pytest

from bookgen.eval.specs import SpecError, load_specs


def test_the_shipped_specs_cover_the_issues_range() -> None:
    specs = load_specs()
    assert specs.version >= 1
    full = specs.subset(smoke=False)
    assert len(full) >= 5
    assert len({b.form.genre for b in full}) >= 5
    assert all(3 <= b.form.chapter_count <= 10 for b in full)
    assert all(300 <= b.form.words_per_chapter <= 4000 for b in full)
    assert {b.form.words_per_chapter for b in full} >= {300, 4000}


def test_the_smoke_subset_is_small_enough_for_ci() -> None:
    smoke = load_specs().subset(smoke=True)
    assert len(smoke) == 1
    assert smoke[0].form.chapter_count == 3  # the CI book of the real-model tests
    assert smoke[0].form.words_per_chapter == 400


def test_a_spec_the_form_would_refuse_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "books.toml"
    path.write_text(
        'version = 1\n[[book]]\nid = "big"\ntitle = "T"\npremise = "P"\n'
        "chapters = 3\nwords = 9000\n"
    )
    with pytest.raises(SpecError, match=r"'big'.*words: Choose between 200 and 8,000"):
        load_specs(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[book]]\ntitle = "T"\npremise = "P"\n', "version"),
        ("version = 1\n", "no \\[\\[book\\]\\]"),
        ("version = [", "cannot read"),
        (
            'version = 1\n[[book]]\nid = "a"\ntitle = "T"\npremise = "P"\n'
            '[[book]]\nid = "a"\ntitle = "U"\npremise = "Q"\n',
            "unique",
        ),
    ],
)
def test_malformed_spec_files_are_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "books.toml"
    path.write_text(text)
    with pytest.raises(SpecError, match=message):
        load_specs(path)
