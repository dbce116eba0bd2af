"""Per-force top-n (retrieve/coverage.py `group_top`) against a brute-force reference."""

from __future__ import annotations

import numpy as np

from assistant.retrieve.coverage import group_top


def test_group_top_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 5, 300).astype(float)  # many ties
    groups = rng.integers(0, 9, 300)
    rows = np.flatnonzero(rng.random(300) < 0.7)
    got_rows, got_rank = group_top(scores, groups, rows, 4)
    expected = {}
    for g in np.unique(groups[rows]):
        mine = sorted(rows[groups[rows] == g], key=lambda r: (-scores[r], r))[:4]
        expected.update({int(r): i + 1 for i, r in enumerate(mine)})
    assert dict(zip(got_rows.tolist(), got_rank.tolist())) == expected
