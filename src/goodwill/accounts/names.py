"""Finding what a typed name means: exact first, then fuzzy (rapidfuzz WRatio)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

# Below this WRatio score a name is not a plausible match at all.
CUTOFF = 75.0
# A runner-up this close to the best match makes the name ambiguous: we would be guessing.
MARGIN = 3.0


@dataclass(frozen=True)
class NameMatch:
    """The outcome of a fuzzy lookup: the one meant, or the candidates to choose from."""

    chosen: int | None
    candidates: list[tuple[int, float]]


def fuzzy_match(query: str, choices: Mapping[int, str], limit: int = 5) -> NameMatch:
    """The key whose text the query most likely means, if exactly one stands out."""
    found = process.extract(
        query,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit,
        score_cutoff=CUTOFF,
    )
    candidates = [(key, float(score)) for _text, score, key in found]
    if not candidates:
        return NameMatch(None, [])
    best = candidates[0][1]
    close = [c for c in candidates if c[1] >= best - MARGIN]
    if len(close) == 1:
        return NameMatch(close[0][0], candidates)
    return NameMatch(None, candidates)
