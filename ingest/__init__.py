"""Ingestion stage: report files -> sections -> chunks -> vectors in the index."""

import assistant.offline  # noqa: F401  (offline switches before any ML import)
