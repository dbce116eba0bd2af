"""Which passages a filter accepts, as array operations over the corpus."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from assistant.records import Filters, Passage

_CACHED_FILTERS = 256  # users reuse filters; bounded so odd ones cannot grow it forever


class FilterIndex:
    """Which passages a filter accepts, without a Python call per passage.

    Metadata is held as arrays of codes; a filter is a few vectorised comparisons (forces
    through a lookup table, as a comparative question names every force, 1,000 at scale).
    Same result as `Filters.accepts` (a test holds them equal).
    """

    def __init__(self, passages: list[Passage]):
        self._names: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
        for field in ("force", "report_type", "area"):
            codes: dict[str, int] = {}
            column = np.array([codes.setdefault(getattr(p, field).lower(), len(codes)) for p in passages], dtype=np.int64)
            self._names[field] = (column, codes)
        self.year = np.array([p.year if p.year is not None else 0 for p in passages], dtype=np.int64)
        self.has_year = np.array([p.year is not None for p in passages], dtype=bool)
        self.case_study = np.array([p.is_case_study for p in passages], dtype=bool)
        self.recommendation = np.array([p.is_recommendation for p in passages], dtype=bool)
        self.force_column = self._names["force"][0]  # a code per passage: its force
        self._cache: dict[Filters, np.ndarray] = {}

    def _among(self, field: str, values: Iterable[str]) -> np.ndarray:
        column, codes = self._names[field]
        wanted = np.zeros(len(codes) + 1, dtype=bool)  # a lookup table by code
        wanted[[codes[v.lower()] for v in values if v.lower() in codes]] = True
        return wanted[column]

    def mask(self, f: Filters) -> np.ndarray:
        """Boolean array: which passages the filter accepts."""
        keep = np.ones(len(self.year), dtype=bool)
        for field, values in (("force", f.forces), ("report_type", f.report_types), ("area", f.areas)):
            if values:
                keep &= self._among(field, values)
        if f.years:
            keep &= self.has_year & (self.year >= f.years[0]) & (self.year <= f.years[1])
        if f.case_studies:
            keep &= self.case_study
        if f.recommendations:
            keep &= self.recommendation
        return keep

    def rows(self, f: Filters) -> np.ndarray | None:
        """Ascending row numbers of the passages the filter accepts; None = no filter."""
        if not f.active:
            return None
        if f.forces:
            own = np.flatnonzero(self._among("force", f.forces))
            rest = self.rows(f.with_forces([]))  # the other conditions (cached)
            return own if rest is None else np.intersect1d(own, rest, assume_unique=True)
        rows = self._cache.get(f)
        if rows is None:
            rows = np.flatnonzero(self.mask(f))
            if len(self._cache) < _CACHED_FILTERS:
                self._cache[f] = rows
        return rows
