"""Synthetic corpora for scale tests, made from the bundled reports without new prose.

Report i is a copy of one bundled report (a "template", taken in turn) that

- names another force: the template's force becomes England and Wales force i (from
  `assistant.text.forces`), then "Force-017"-style names once the real ones run out (the hyphen
  keeps the name one word, as the metadata parser's force patterns expect);
- has the sub-sections of some chapters in another order;
- has, in sections whose heading other templates share ("Summary", "Next steps",
  "Cases assessed involving missing children"), some paragraphs taken from those other
  templates' sections of the same heading, in place.

Every report is parsed after it is made: it must come out with its new force, the
template's dates and type, and the template's sections. When a rearrangement parses
differently (an empty heading now nests its new neighbours, a borrowed paragraph makes the
next heading look like text), less is tried: recombination only, reordering only, then a
renamed copy. So every file is a valid report; `SynthStats` counts how often each happened.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from assistant.text import KNOWN_FORCES
from ingest.readers import read_source
from ingest.structure import Line, ParsedReport, parse_report
from ingest.source import SourceText

# Forces outside England and Wales are in KNOWN_FORCES for question handling only.
ENGLAND_AND_WALES = tuple(
    f for f in KNOWN_FORCES if f not in ("British Transport", "Police Scotland", "Police Service of Northern Ireland")
)
_MAX_TEMPLATE_BYTES = 50 * 2**20
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]?\s*$")
_BULLET = re.compile(r"^\s*(?:[-•·▪*]|\d+\.)\s")


def force_name(i: int) -> str:
    """Force of synthetic report i: real names first, then 'Force-044', 'Force-045', ..."""
    return ENGLAND_AND_WALES[i] if i < len(ENGLAND_AND_WALES) else f"Force-{i + 1:03d}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Template:
    """A bundled report, parsed, with its lines grouped for rearranging."""

    path: Path
    text: str
    parsed: ParsedReport

    @property
    def force(self) -> str:
        return self.parsed.meta.force

    @property
    def raw(self) -> list[str]:
        return self.text.split("\n")  # index-aligned with parsed.lines

    def headings(self) -> list[int]:
        return [i for i, ln in enumerate(self.parsed.lines) if ln.kind == "heading"]

    def blocks(self) -> list[tuple[int, int]]:
        """(first, end) line ranges from each heading up to the next one."""
        heads = self.headings()
        return [(h, heads[k + 1] if k + 1 < len(heads) else len(self.parsed.lines)) for k, h in enumerate(heads)]


def load_template(path: Path) -> Template:
    source = read_source(path, _MAX_TEMPLATE_BYTES)
    if source.headings is not None:
        raise ValueError(f"{path}: templates must be plain-text exports (headings inferred), got {source.format}")
    return Template(path, source.text, parse_report(source))


def heading_key(text: str) -> str:
    """A heading for matching across reports: lowercase words, 'Area:' prefix dropped."""
    text = text.split(":", 1)[1] if re.match(r"^[^:]{3,80}:\s+\S", text) else text
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def paragraphs(lines: list[Line], first: int, end: int) -> list[tuple[int, int]]:
    """Body paragraphs of a block's lines [first, end): a line that starts a sentence after a
    finished one opens a paragraph; list items and broken lines stay with what they continue."""
    out: list[tuple[int, int]] = []
    previous = ""
    for i in range(first, end):
        ln = lines[i]
        if ln.kind != "body":
            if out and ln.kind == "blank":
                out[-1] = (out[-1][0], i + 1)  # trailing blank lines travel with the paragraph
            continue
        opens = not out or (_SENTENCE_END.search(previous) and not _BULLET.match(ln.raw) and ln.text[:1].isupper())
        if opens:
            out.append((i, i + 1))
        else:
            out[-1] = (out[-1][0], i + 1)
        previous = ln.text
    return out


def rename(text: str, old: str, new: str) -> str:
    """Every whole-word mention of force `old` (any case) as `new`."""
    pattern = re.compile(rf"\b{re.escape(old)}\b")
    text = pattern.sub(new, text)
    return re.sub(rf"\b{re.escape(old.upper())}\b", new.upper(), text)


def expected_sections(template: Template, force: str) -> Counter[str]:
    return Counter(rename(s.title, template.force, force) for s in template.parsed.sections)


@dataclass
class SynthStats:
    reports: int = 0
    reordered: int = 0  # reports whose sub-sections were reordered
    recombined: int = 0  # reports holding paragraphs from another template
    fallbacks: dict[str, int] = field(default_factory=dict)  # variant tried -> times it parsed differently


class Synthesiser:
    def __init__(self, templates: list[Template], seed: int = 0):
        if not templates:
            raise ValueError("no template reports to synthesise from")
        self.templates = templates
        self.seed = seed
        # Paragraphs of every section, by heading, to recombine across templates.
        self.donors: dict[str, list[tuple[Template, list[str]]]] = {}
        for t in templates:
            raw = t.raw
            for first, end in t.blocks():
                key = heading_key(t.parsed.lines[first].text)
                paras = ["\n".join(raw[a:b]) for a, b in paragraphs(t.parsed.lines, first + 1, end)]
                if key and paras:
                    self.donors.setdefault(key, []).append((t, paras))

    @classmethod
    def from_paths(cls, paths: Iterable[Path], seed: int = 0) -> Synthesiser:
        return cls([load_template(p) for p in sorted(paths) if p.suffix.lower() in (".txt", ".md")], seed)

    def report(self, i: int, stats: SynthStats | None = None) -> tuple[str, str, Template]:
        """(file name, text, template) of synthetic report i; deterministic for (seed, i)."""
        template = self.template_of(i)
        force = force_name(i)
        rng = random.Random(f"{self.seed}-{i}")
        want = expected_sections(template, force)
        text = ""
        for reorder, recombine in ((True, True), (False, True), (True, False), (False, False)):
            lines, did_reorder, did_recombine = self._rearrange(template, rng, reorder, recombine)
            text = rename("\n".join(lines), template.force, force)
            if (reorder, recombine) == (False, False) or self.parses_as(text, template, force, want):
                break
            if stats is not None:
                tried = "+".join(name for on, name in ((reorder, "reorder"), (recombine, "recombine")) if on)
                stats.fallbacks[tried] = stats.fallbacks.get(tried, 0) + 1
        if stats is not None:
            stats.reports += 1
            stats.reordered += reorder and did_reorder
            stats.recombined += recombine and did_recombine
        return self.report_name(i), text, template

    def template_of(self, i: int) -> Template:
        return self.templates[i % len(self.templates)]

    def report_name(self, i: int) -> str:
        """File name of synthetic report i: number, force, the template's name without its force."""
        template = self.template_of(i)
        return f"{i + 1:04d}-{slug(force_name(i))}-{slug(template.path.stem.replace(slug(template.force), ''))}.txt"

    def _rearrange(self, t: Template, rng: random.Random, reorder: bool, recombine: bool) -> tuple[list[str], bool, bool]:
        lines, raw = t.parsed.lines, t.raw
        blocks = t.blocks()
        head = raw[: blocks[0][0]] if blocks else raw
        pieces: list[list[str]] = []  # one per block, in order
        did_recombine = False
        for first, end in blocks:
            key = heading_key(lines[first].text)
            donors = [(d, p) for d, p in self.donors.get(key, []) if d is not t] if recombine else []
            out, cursor = [], first
            for k, (a, b) in enumerate(paragraphs(lines, first + 1, end)):
                out += raw[cursor:a]  # the heading, and lines between paragraphs
                cursor = b
                donor, donor_paras = rng.choice(donors) if donors and rng.random() < 0.5 else (t, [])
                if k < len(donor_paras):
                    # The donor's force becomes the template's, which becomes the new force below.
                    out += rename(donor_paras[k], donor.force, t.force).split("\n")
                    did_recombine = True
                else:
                    out += raw[a:b]
            pieces.append(out + raw[cursor:end])
        did_reorder = False
        if reorder:
            pieces, did_reorder = self._shuffle_children(t, blocks, pieces, rng)
        return head + [line for piece in pieces for line in piece], did_reorder, did_recombine

    @staticmethod
    def _shuffle_children(t: Template, blocks: list[tuple[int, int]], pieces: list[list[str]],
                          rng: random.Random) -> tuple[list[list[str]], bool]:
        """Shuffle the level-2 groups (a sub-heading and what nests under it) of one or two
        chapters; level-0 headings (case studies) stay with the group they are in."""
        levels = [t.parsed.lines[first].level for first, _ in blocks]
        chapters: list[list[list[int]]] = []  # chapter -> groups -> block indices
        for k, level in enumerate(levels):
            if level == 1:
                chapters.append([])
            elif level == 2 and chapters:
                chapters[-1].append([k])
            elif chapters and chapters[-1]:
                chapters[-1][-1].append(k)
        order = list(range(len(blocks)))
        candidates = [c for c in chapters if len(c) >= 2]
        for chapter in rng.sample(candidates, min(2, len(candidates))):
            start = chapter[0][0]  # a chapter's groups are consecutive blocks
            groups = chapter[:]
            rng.shuffle(groups)
            shuffled = [k for group in groups for k in group]
            order[start : start + len(shuffled)] = shuffled
        return [pieces[k] for k in order], order != sorted(order)

    @staticmethod
    def parses_as(text: str, template: Template, force: str, want: Counter[str]) -> bool:
        """Does the text parse to the new force, the template's dates and its sections?"""
        parsed = parse_report(SourceText(path=template.path, text=text, format="text", headings=None))
        meta, tmeta = parsed.meta, template.parsed.meta
        return (
            meta.force == force
            and (meta.published, meta.inspected, meta.report_type) == (tmeta.published, tmeta.inspected, tmeta.report_type)
            and Counter(s.title for s in parsed.sections) == want
        )

    def write(self, n: int, folder: Path, progress: bool = False) -> SynthStats:
        """Write synthetic reports 0..n-1 into folder (made if missing); returns what was done."""
        from tqdm import tqdm

        folder.mkdir(parents=True, exist_ok=True)
        stats = SynthStats()
        for i in tqdm(range(n), desc=f"synthesising {n} reports", unit="report", disable=not progress, leave=False):
            name, text, _ = self.report(i, stats)
            (folder / name).write_text(text, encoding="utf-8")
        return stats
