"""Joining a continuation to interrupted text."""

from bookgen.generation.seam import join_seam


def test_clean_continuation_is_kept_as_is():
    assert join_seam("The ship sailed", " into the night.") == " into the night."


def test_repeated_tail_is_dropped():
    prefix = "She opened the door and stepped into the dark hall"
    head = " stepped into the dark hall and listened."
    assert prefix + join_seam(prefix, head) == (
        "She opened the door and stepped into the dark hall and listened."
    )


def test_short_coincidental_overlap_is_not_dropped():
    prefix = "He said no"
    assert join_seam(prefix, " no more.") == " no more."


def test_missing_space_is_added_but_punctuation_is_not_spaced():
    assert join_seam("It was late", "and cold") == " and cold"
    assert join_seam("It was late", ", and cold") == ", and cold"
    assert join_seam("", "Hello") == "Hello"
