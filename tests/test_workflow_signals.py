"""The webhook-to-step signal (shared/workflow_signals.py) against the real Redis.

A step following a GitHub Actions run waits up to `MCP_GITHUB_POLL_MAX_INTERVAL_S`
between two reads of the run. redis-py 8 gives every client a 5 s socket timeout, so a
single BLPOP longer than that failed the step with TimeoutError (a workflow of a few
minutes always reached it); these waits are longer than that timeout.
"""

from __future__ import annotations

import threading
import time
import uuid

from shared import workflow_signals


def test_a_wait_longer_than_the_socket_timeout_with_no_signal_ends_with_none(stores):
    correlation = workflow_signals.correlation_id(uuid.uuid4())
    started = time.monotonic()
    assert workflow_signals.wait(correlation, workflow_signals.SOCKET_TIMEOUT_S + 1.5) is None
    assert time.monotonic() - started >= workflow_signals.SOCKET_TIMEOUT_S + 1.4


def test_a_signal_after_the_socket_timeout_still_wakes_the_wait(stores):
    correlation = workflow_signals.correlation_id(uuid.uuid4())
    late = threading.Timer(workflow_signals.SOCKET_TIMEOUT_S + 0.5, workflow_signals.notify,
                           args=(correlation, {"status": "completed", "conclusion": "success", "run_id": 7}))
    started = time.monotonic()
    late.start()
    try:
        signal = workflow_signals.wait(correlation, 30)
    finally:
        late.join()
    assert signal == {"status": "completed", "conclusion": "success", "run_id": 7}
    assert workflow_signals.SOCKET_TIMEOUT_S < time.monotonic() - started < 10  # woken by it, not by the 30 s
