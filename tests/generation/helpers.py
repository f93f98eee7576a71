"""Building a real service over a real database, with the offline model."""

from __future__ import annotations

from bookgen.config import Settings
from bookgen.generation.forms import BookForm
from bookgen.generation.hub import LocalHub
from bookgen.generation.service import GenerationService
from bookgen.llm import LLMProvider, make_provider
from bookgen.storage.store import Store

FAST = Settings(offline_words_per_second=0, flush_interval_s=0.01, max_retries=2)


def make_service(
    store: Store, provider: LLMProvider | None = None, **overrides: object
) -> GenerationService:
    settings = FAST.model_copy(update=overrides)
    return GenerationService(
        store=store,
        provider=provider or make_provider(settings),
        hub=LocalHub(),
        settings=settings,
    )


def form(chapters: int = 2, words: int = 300, **kw: object) -> BookForm:
    data = {
        "title": "The Lighthouse Keeper",
        "premise": "A lighthouse keeper on a remote island finds a message in a "
        "bottle that predicts storms before they happen.",
        "genre": "mystery",
        "tone": "quiet and eerie",
        "chapters": chapters,
        "words": words,
        **kw,
    }
    return BookForm.parse(data)
