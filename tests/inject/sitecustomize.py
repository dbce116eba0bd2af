"""Test-only start-up hooks: a test puts tests/inject first on PYTHONPATH of a subprocess.

FAULT_NET_LOG=<file>: block non-loopback network access, logging attempts there (netblock.py).
FAULT_AT=<spec>: kill or pause an ingest at a given index write (faults.py).
"""

import os

if os.environ.get("FAULT_NET_LOG"):
    from pathlib import Path

    import netblock

    for _obj, _name, _value in netblock.patches(Path(os.environ["FAULT_NET_LOG"])):
        setattr(_obj, _name, _value)

if os.environ.get("FAULT_AT"):
    import faults

    faults.install(os.environ["FAULT_AT"])
