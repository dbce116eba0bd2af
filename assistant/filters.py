"""Search filters: which passages a question may draw on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from assistant.records import Passage


def _names(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(v.strip() for v in values if v and v.strip())


@dataclass(frozen=True)
class Filters:
    forces: tuple[str, ...] = ()
    report_types: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    years: tuple[int, int] | None = None  # inclusive range of the inspection year
    case_studies: bool = False
    recommendations: bool = False

    @classmethod
    def build(
        cls,
        forces: Iterable[str] | str | None = None,
        report_types: Iterable[str] | str | None = None,
        areas: Iterable[str] | str | None = None,
        years: int | tuple[int, int] | list[int] | None = None,
        case_studies: bool = False,
        recommendations: bool = False,
    ) -> Filters:
        """Validate and normalise user-facing filter arguments."""
        span: tuple[int, int] | None = None
        if years is not None and years != ():
            if isinstance(years, int):
                span = (years, years)
            else:
                values = [int(y) for y in years]
                if not values or len(values) > 2:
                    raise ValueError(f"years must be a year or a (first, last) pair, got {years!r}")
                span = (min(values), max(values))
        return cls(_names(forces), _names(report_types), _names(areas), span, bool(case_studies), bool(recommendations))

    @property
    def active(self) -> bool:
        return bool(self.forces or self.report_types or self.areas or self.years or self.case_studies or self.recommendations)

    def accepts(self, p: Passage) -> bool:
        if self.forces and p.force.lower() not in {f.lower() for f in self.forces}:
            return False
        if self.report_types and p.report_type.lower() not in {t.lower() for t in self.report_types}:
            return False
        if self.areas and p.area.lower() not in {a.lower() for a in self.areas}:
            return False
        if self.years and not (p.year is not None and self.years[0] <= p.year <= self.years[1]):
            return False
        if self.case_studies and not p.is_case_study:
            return False
        return not (self.recommendations and not p.is_recommendation)

    def where(self) -> dict | None:
        """The same filter as a Chroma `where` clause (names must be canonical)."""
        clauses: list[dict] = []
        if self.forces:
            clauses.append({"force": {"$in": list(self.forces)}})
        if self.report_types:
            clauses.append({"report_type": {"$in": list(self.report_types)}})
        if self.areas:
            clauses.append({"area": {"$in": list(self.areas)}})
        if self.years:
            clauses += [{"year": {"$gte": self.years[0]}}, {"year": {"$lte": self.years[1]}}]
        if self.case_studies:
            clauses.append({"is_case_study": True})
        if self.recommendations:
            clauses.append({"is_recommendation": True})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def with_forces(self, forces: Iterable[str]) -> Filters:
        return Filters(tuple(forces), self.report_types, self.areas, self.years, self.case_studies, self.recommendations)


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
