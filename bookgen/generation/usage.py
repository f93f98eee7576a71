"""What a book cost: its tokens, and an estimated price from the price table.

The tokens come from the provider's usage (or an estimate when a stream ended
without it, marked so); the price from ``Settings.price_table``, dollars per
million tokens in and out. Plain Python, so pages and tests share one wording.
"""

from __future__ import annotations

from collections.abc import Mapping

from bookgen.storage.store import MessageMeta, TokenUsage

__all__ = ["cost_of", "format_cost", "message_tokens", "usage_line"]

Prices = Mapping[str, tuple[float, float]]


def message_tokens(m: MessageMeta) -> str:
    """One message's tokens, ``1,234 in · 567 out``; "" when it used none."""
    if not (m.prompt_tokens or m.completion_tokens):
        return ""
    line = f"{m.prompt_tokens:,} in · {m.completion_tokens:,} out"
    return line + (" (estimated)" if m.usage_estimated else "")


def cost_of(usage: TokenUsage, model: str, prices: Prices) -> float | None:
    """Dollars, or None when the price table does not know the model."""
    price = prices.get(model)
    if price is None:
        return None
    per_in, per_out = price
    return (usage.tokens_in * per_in + usage.tokens_out * per_out) / 1_000_000


def format_cost(dollars: float) -> str:
    """``$0.01``; a cost that rounds to nothing but is not zero reads ``<$0.01``."""
    if 0 < dollars < 0.005:
        return "<$0.01"
    return f"${dollars:,.2f}"


def usage_line(usage: TokenUsage, model: str, prices: Prices) -> str:
    """``12,345 tokens in · 6,789 out · est. $0.01`` (``estimated`` if guessed)."""
    parts = [f"{usage.tokens_in:,} tokens in", f"{usage.tokens_out:,} out"]
    if usage.estimated:
        parts[-1] += " (estimated)"
    cost = cost_of(usage, model, prices)
    parts.append(
        f"est. {format_cost(cost)}" if cost is not None else "no price for this model"
    )
    return " · ".join(parts)
