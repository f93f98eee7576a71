"""Language models: one streaming interface, the openai SDK, the offline model."""

from bookgen.llm.errors import ErrorKind
from bookgen.llm.provider import (
    ChatMessage,
    LLMProvider,
    OpenAIProvider,
    ProviderError,
    StreamInterrupted,
    StreamStats,
    make_provider,
)

__all__ = [
    "ChatMessage",
    "ErrorKind",
    "LLMProvider",
    "OpenAIProvider",
    "ProviderError",
    "StreamInterrupted",
    "StreamStats",
    "make_provider",
]
