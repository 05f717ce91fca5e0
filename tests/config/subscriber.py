"""A config client in its own process: prints one JSON line per value it sees.

Usage: python tests/config/subscriber.py KEY (the environment names the KEK file). First line {"ready": ...} once it
listens; then {"value": ..., "t": wall clock} each time `get(KEY)` returns a new value.
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import threading  # noqa: E402

from shared.config import ConfigClient  # noqa: E402

client = ConfigClient()
changed = threading.Event()
client.on_invalidate(lambda keys: changed.set())
client.wait_listening(10)
last = client.value(sys.argv[1])
print(json.dumps({"ready": client.degraded is None, "value": last}), flush=True)
while True:
    changed.wait(0.5)
    changed.clear()
    value = client.value(sys.argv[1])
    if value != last:
        print(json.dumps({"value": value, "t": time.time()}), flush=True)
        last = value
