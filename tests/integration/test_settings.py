"""Settings: environment overrides and index names that track what shapes the vectors."""

from __future__ import annotations

import os
import subprocess
import sys


from assistant.settings import REPO_ROOT


def test_importing_the_package_switches_libraries_offline():
    code = "import os, assistant; print(os.environ['HF_HUB_OFFLINE'], os.environ['ANONYMIZED_TELEMETRY'], os.environ['GRADIO_ANALYTICS_ENABLED'])"
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO_ROOT, check=True)
    assert out.stdout.split() == ["1", "False", "False"]
