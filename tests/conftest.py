"""Shared fixtures: one real embedder per session, one index of the bundled reports.

tests/unit/ needs neither (no model, no index: `pytest tests/unit` is the fast lane);
tests/integration/ loads the model, builds indexes, starts servers and browsers. Each test
is marked `unit` or `integration` by its folder, so `-m "not integration"` works too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.index import Embedder, PassageStore
from assistant.settings import REPO_ROOT, Settings

REPORTS = REPO_ROOT / "data" / "reports"
TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        stage = Path(item.fspath).relative_to(TESTS).parts[0]
        if stage in ("unit", "integration"):
            item.add_marker(stage)


def bundled_reports() -> list[Path]:
    return sorted(p for p in REPORTS.iterdir() if p.suffix in (".txt", ".md", ".html", ".pdf"))


def bundled_report(name: str) -> Path:
    """The bundled report whose file name starts with `name` ("cheshire")."""
    return next(p for p in bundled_reports() if p.name.startswith(name))


# What a reader of each bundled report finds on its first page (the tests' own reading, not
# the code's): force, report type, inspected, published, year.
EXPECTED_META = {
    "cambridgeshire": ("Cambridgeshire", "inspection", "2021-07", "2021-12", 2021),
    "cheshire": ("Cheshire", "post-inspection review", "2023-01", None, 2023),
    "lancashire": ("Lancashire", "post-inspection review", "2018-12", "2022-10-24", 2018),
    "merseyside": ("Merseyside", "post-inspection review", "2019-04", "2022-09-22", 2019),
    "staffordshire": ("Staffordshire", "inspection", "2021-09", "2022-04", 2021),
}
REPORT_IDS = [p.name.split("-")[0] for p in bundled_reports()]


@pytest.fixture(scope="module")
def llm_server():
    """An OpenAI-compatible model on 127.0.0.1 (tests/fakellm.py), one per test module."""
    from fakellm import FakeLLM

    with FakeLLM() as server:
        yield server


@pytest.fixture
def server(llm_server):
    """The module's model server, reset to an empty reply and no failure."""
    llm_server.reset()
    return llm_server


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def embedder(settings: Settings) -> Embedder:
    """The real bundled MiniLM, loaded once."""
    return Embedder.from_settings(settings)


@pytest.fixture
def make_assistant(settings: Settings, embedder: Embedder, tmp_path: Path):
    """Build an Assistant on a fresh index directory, sharing the session's embedder."""

    def make(index_dir: Path | None = None, **overrides) -> Assistant:
        s = settings.model_copy(update={"index_dir": index_dir or tmp_path / "index", **overrides})
        return Assistant(s, PassageStore(s), embedder)

    return make


@pytest.fixture(scope="session")
def bundled(settings: Settings, embedder: Embedder, tmp_path_factory) -> Assistant:
    """An index of the five bundled reports, built once per test session."""
    s = settings.model_copy(update={"index_dir": tmp_path_factory.mktemp("bundled") / "index"})
    assistant = Assistant(s, PassageStore(s), embedder)
    report = assistant.ingest([REPORTS])
    assert report.ok, report.errors
    return assistant


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of two small bundled reports."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("merseyside", "cheshire"):
        src = next(p for p in bundled_reports() if p.name.startswith(name))
        shutil.copy(src, folder / src.name)
    return folder
