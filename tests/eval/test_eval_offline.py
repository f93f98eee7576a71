"""``python -m bookgen.eval --smoke`` on the offline model, as an author runs it."""

import pytest

from tests.eval.helpers import check_shape, last_json, run_eval

pytestmark = pytest.mark.timeout(120)


def test_the_smoke_eval_prints_a_table_then_every_figure_as_json() -> None:
    proc = run_eval("--smoke", env={}, timeout=100)
    result = last_json(proc)
    check_shape(result)
    assert "book" in proc.stdout.splitlines()[0] and "S_l" in proc.stdout
    assert (result["model"], result["endpoint"]) == ("bookgen-offline", "offline")
    assert (result["subset"], result["specs_version"]) == ("smoke", 1)
    # The offline model obeys: every chapter on length, the outline to the letter.
    assert result["books_complete"] == result["books"] == 1
    assert result["mean_s_l"] >= 95
    assert result["within_15_share"] == 1.0
    outline = result["outline"]
    assert outline["chapters_found"] == outline["chapters_asked"] >= 2
    assert outline["titles_used"] == 1.0
    assert result["continuity"] > 0.5
    assert result["prompt_tokens"] > 0 and result["completion_tokens"] > 0
    for chapter in result["per_book"][0]["chapters"]:
        assert chapter["within_15"] and chapter["words"] > 0


def test_an_unknown_book_id_is_a_clear_error() -> None:
    proc = run_eval("--book", "no-such-book", env={}, timeout=60)
    assert proc.returncode == 2
    assert "no such book" in proc.stderr and "no-such-book" in proc.stderr
