"""``python -m bookgen.eval``: write a fixed set of books and measure them.

Length (LongWriter's S_l and the share within 15 %), outline adherence,
repetition, continuity, tokens and time, against whatever endpoint the
environment configures (the offline model by default).
"""
