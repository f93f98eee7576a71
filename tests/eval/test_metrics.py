"""The eval's figures: LongWriter's length score, repetition, continuity, scoring."""

import pytest

from bookgen.eval import metrics
from bookgen.eval.report import score_book, summary
from bookgen.eval.runner import BookRun, ChapterRun
from bookgen.eval.specs import BookSpec
from bookgen.generation.forms import BookForm


@pytest.mark.parametrize(
    ("words", "target", "score"),
    [
        (400, 400, 100.0),
        (800, 400, 100 * (1 - 1 / 3)),  # twice as long
        (1000, 400, 100 * (1 - 1.5 / 3)),
        (1600, 400, 0.0),  # four times as long: the score reaches 0
        (5000, 400, 0.0),  # and stays there
        (200, 400, 50.0),  # half as long
        (300, 400, 100 * (1 - (400 / 300 - 1) / 2)),
        (116, 400, 0.0),  # what SmolLM2 wrote for a 400-word chapter
        (0, 400, 0.0),
    ],
)
def test_length_score_is_longwriters_s_l(words: int, target: int, score: float) -> None:
    assert metrics.length_score(words, target) == pytest.approx(score)


def test_length_score_punishes_short_more_than_long() -> None:
    assert metrics.length_score(300, 400) < metrics.length_score(500, 400)


def test_length_score_needs_a_positive_target() -> None:
    with pytest.raises(ValueError, match="positive"):
        metrics.length_score(100, 0)


@pytest.mark.parametrize(
    ("words", "ok"), [(400, True), (340, True), (460, True), (339, False), (461, False)]
)
def test_within_fifteen_percent(words: int, ok: bool) -> None:
    assert metrics.within_tolerance(words, 400) is ok


SENTENCE = "the keeper climbed the stairs to light the lamp before the storm came in"


def test_text_with_no_repeated_eight_word_sequence_scores_zero() -> None:
    assert metrics.repetition([SENTENCE]) == 0.0
    assert metrics.repetition(["too short to have any"]) == 0.0
    assert metrics.repetition([]) == 0.0


def test_a_text_written_twice_repeats_about_half_its_sequences() -> None:
    looped = f"{SENTENCE} {SENTENCE}"
    # 28 words -> 21 sequences: 7 from the first copy, 7 spanning the seam,
    # and 7 in the second copy that repeat the first copy's.
    assert metrics.repetition([looped]) == pytest.approx(7 / 21)


def test_repetition_ignores_case_and_punctuation_and_spans_chapters() -> None:
    shouty = SENTENCE.upper().replace(" ", ", ")
    assert metrics.repetition([SENTENCE, shouty]) == pytest.approx(0.5)


def test_names_are_capitalised_words_used_mid_sentence() -> None:
    text = "Mara lands on the island and meets Tobias. The Storm arrives at Penhallow."
    assert metrics.names_in(text) == {"Tobias", "Storm", "Penhallow"}


def test_a_name_that_recurs_capitalised_and_never_lowercase_counts() -> None:
    # The hero's name often only ever starts sentences; "Rain" is said once.
    text = "Mara lands. Rain falls. Mara waits. Storms come; storms go."
    assert metrics.names_in(text) == {"Mara"}


def test_known_names_count_even_at_a_sentence_start() -> None:
    text = "Mara lands on the island. Tobias's lamp is out. She waits."
    assert metrics.names_in(text, known={"Mara", "She"}) == {"Mara"}
    assert metrics.names_in(text) == set()


def test_common_capitalised_words_are_not_names() -> None:
    text = "In March, they said goodbye and then I left on Monday with Dr Jones."
    assert metrics.names_in(text) == {"Jones"}


def test_continuity_counts_the_entrys_names_found_in_the_chapter() -> None:
    entry = "Mara meets Tobias at the harbour in Penhallow."
    chapter = "Rain fell. Tobias's boat was late, and Mara waited on the quay."
    assert metrics.continuity(entry, chapter, known={"Mara"}) == (2, 3)
    assert metrics.continuity("", chapter) == (0, 0)


def spec(chapters: int = 3, words: int = 400) -> BookSpec:
    form = BookForm.parse(
        {
            "title": "T",
            "premise": "Mara keeps the light for Tobias.",
            "genre": "mystery",
            "chapters": chapters,
            "words": words,
        }
    )
    return BookSpec("t", form)


def book_run(outline: str, chapters: list[ChapterRun], status: str) -> BookRun:
    return BookRun(
        spec=spec(),
        model="m",
        status=status,
        outline=outline,
        chapters=tuple(chapters),
        prompt_tokens=10,
        completion_tokens=20,
        wall_s=1.5,
    )


def test_a_book_that_stopped_early_scores_zero_for_its_missing_chapters() -> None:
    outline = (
        "## Chapter 1: Light\nMara climbs with Tobias.\n"
        "## Chapter 2: Dark\nThe lamp fails over Penhallow.\n"
        "## Chapter 3: Dawn\nMorning.\n"
    )
    text = " ".join(["word"] * 390) + " Mara and Tobias"
    run = book_run(outline, [ChapterRun(1, text, 5, 6)], "error")
    score = score_book(run)
    assert [c.words for c in score.chapters] == [393, 0, 0]
    assert [c.within_15 for c in score.chapters] == [True, False, False]
    assert score.chapters[1].s_l == 0.0
    assert score.mean_s_l == pytest.approx(
        round(metrics.length_score(393, 400), 1) / 3, abs=0.1
    )
    assert score.within_15_share == pytest.approx(1 / 3, abs=0.001)
    assert (score.chapters_found, score.titles_used) == (3, 1.0)
    assert (score.names_found, score.names_total) == (2, 3)  # Penhallow not written


def test_an_outline_without_chapter_lines_scores_zero_adherence() -> None:
    prose = "Mara keeps the light. In the end the storm passes."
    score = score_book(book_run(prose, [], "complete"))
    assert (score.chapters_found, score.outline_format, score.titles_used) == (
        0,
        "none",
        0.0,
    )
    result = summary(
        [score], specs_version=1, subset="smoke", model="m", endpoint="e", wall_s=2
    )
    assert result["outline"] == {
        "chapters_asked": 3,
        "chapters_found": 0,
        "books_with_asked_count": 0,
        "titles_used": 0.0,
    }
    assert result["mean_s_l"] == 0.0 and result["within_15_share"] == 0.0
