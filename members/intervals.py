"""Watched-interval arithmetic on sorted, merged lists of [start, end] seconds (plain Python).

Union is idempotent and order-independent, which is what makes replayed or late heartbeats
harmless: merging the same range twice changes nothing.
"""

import math

# Ranges are kept to a tenth of a second: enough for coverage, small in the row.
PRECISION = 1


def normalise(ranges):
    """Sort and merge overlapping or touching ranges; drops empty ones."""
    cleaned = sorted(
        (round(float(s), PRECISION), round(float(e), PRECISION)) for s, e in ranges if e > s
    )
    merged = []
    for start, end in cleaned:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return merged


def total(ranges):
    """Seconds covered by already-merged ranges."""
    return round(sum(end - start for start, end in ranges), PRECISION)


def union(existing, new):
    return normalise(list(existing) + list(new))


def new_coverage(existing, new):
    """Seconds that `new` adds to `existing` (both lists of ranges)."""
    return round(total(union(existing, new)) - total(normalise(existing)), PRECISION)


def is_valid_range(pair):
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        return False
    start, end = pair
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair):
        return False
    return math.isfinite(start) and math.isfinite(end)
