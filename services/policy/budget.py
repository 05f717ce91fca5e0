"""A scan's time and memory budget: past it the verdict is ``error: too large to scan``.

Input limits refuse the shapes known to explode (``structure_limits.py``); the budget
catches the rest (a Terraform ``count`` of a million, a module that renders for
minutes) without losing the worker:

* time: a CPU-time interval timer (``ITIMER_PROF``, delivering ``SIGPROF``) raises
  ``ScanTooLarge`` in the scanning thread. CPU time, not wall clock: a scan is CPU
  bound, and a busy machine must not turn a normal scan into an error. Not
  ``SIGALRM``: checkov's HCL parser sets and clears its own ``SIGALRM`` timer on every
  file, which would cancel ours. ``ScanTooLarge`` derives from ``BaseException`` so
  checkov's many ``except Exception`` cannot swallow it. A bare ``except`` can (dpath's
  ``segments.set``, which checkov's context parsers call for every resource, has one),
  and code after a swallowed exception may compute something else. So a block whose
  budget ran out is over budget when it ends, even if the exception never reached it,
  and the engine keeps nothing such a block computed (``raise_if_spent`` before each
  cache put). The engine's locks and temporary folders are context managers, so they
  are released on the way out, and the next scan starts clean. Only the main thread
  receives signals (a Celery prefork child runs its task there); elsewhere the budget
  is not enforced and says so once in the log.
* memory: ``limit_memory`` caps the process's address space (``RLIMIT_AS``), so an
  allocation past it raises ``MemoryError`` inside the scan instead of the kernel's
  OOM killer ending the worker; the worker calls it in every pool process.
"""

from __future__ import annotations

import logging
import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
_warned = False
#: The running budget's seconds once its timer has fired (main thread only), else None.
_spent: float | None = None


class ScanTooLarge(BaseException):  # noqa: N818 - BaseException on purpose (see module doc)
    """The scan ran past its CPU-time budget."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"too large to scan: the scan used more than its budget of {seconds:g} CPU seconds")
        self.seconds = seconds


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise ``ScanTooLarge`` in this thread once the process spent ``seconds`` of CPU time in the block."""
    global _warned
    if not seconds or threading.current_thread() is not threading.main_thread():
        if seconds and not _warned:
            log.warning("scan time budget not enforced outside the main thread")
            _warned = True
        yield
        return

    def expired(signum, frame):  # noqa: ARG001 - signal handler signature
        global _spent
        _spent = seconds
        raise ScanTooLarge(seconds)

    global _spent
    _spent = None
    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        spent, _spent = _spent, None
    if spent is not None:
        # The block ended normally although the budget ran out: a bare ``except`` in the
        # code it ran swallowed ScanTooLarge, maybe changing that code's answer.
        raise ScanTooLarge(seconds)


def raise_if_spent() -> None:
    """Raise ``ScanTooLarge`` if the running block's budget has run out.

    Called before anything a budgeted block computed is kept (a cache entry): its
    ``ScanTooLarge`` may have been swallowed on the way, and what the code computed
    after that cannot be trusted, now or for a later request.
    """
    if _spent is not None:
        raise ScanTooLarge(_spent)


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space at ``megabytes`` (0: leave it as it is)."""
    if megabytes <= 0:
        return
    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    log.info("policy scans limited to %d MB of address space", limit // (1024 * 1024))
