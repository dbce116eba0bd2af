"""Keep every library this product uses off the network.

Imported first by the `assistant` package, before chromadb, gradio or huggingface code
loads, because several of them read these variables once at import time.
"""

import os

_OFFLINE_ENV = {
    # Model weights come from an installed package, never from a hub.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    # Chroma (posthog) and Gradio phone home unless told not to.
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    # Tokenizers spawn threads that fight sentence-transformers' own on 2 cores.
    "TOKENIZERS_PARALLELISM": "false",
}


def go_offline() -> None:
    """Set the offline switches unless the user set them explicitly."""
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


go_offline()
