"""scripts/stack.sh starts again a worker whose process is gone or a zombie, and keeps its log.

Runs one worker (k8s) through stack.sh in a private data folder (STACK_DATA), against a
private Redis and the tests' database, so the default ports and pid files are untouched.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time

import pytest

from tests.conftest import REPO, TEST_ENV
from tests.private_stores import PrivateRedis


@pytest.fixture
def stack_env(database, tmp_path):
    redis = PrivateRedis(appendonly=False).start()
    env = {**os.environ, **TEST_ENV, "STACK_DATA": str(tmp_path), "STACK_SERVICES": "k8s",
           "MCP_REDIS_URL": redis.url(0), "MCP_BROKER_URL": redis.url(1), "MCP_RESULT_BACKEND": redis.url(2)}
    try:
        yield env, tmp_path
    finally:
        subprocess.run(["bash", str(REPO / "scripts" / "stack.sh"), "stop"], env=env, capture_output=True, timeout=120)
        redis.destroy()


def _stack(env: dict, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(REPO / "scripts" / "stack.sh"), command], env=env, capture_output=True,
                          text=True, timeout=400)


def _pid(data) -> int:
    return int((data / "run" / "k8s.pid").read_text())


def test_start_restarts_a_killed_or_zombie_worker_and_appends_to_its_log(stack_env):
    env, data = stack_env
    first = _stack(env, "start")
    assert first.returncode == 0, first.stderr
    pid = _pid(data)
    assert _stack(env, "status").returncode == 0

    os.killpg(pid, signal.SIGKILL)  # the worker and its pool children, as an OOM kill or kill -9 would
    time.sleep(0.5)
    assert _stack(env, "status").returncode == 1  # down, not "up" from a stale pid file
    second = _stack(env, "start")
    assert second.returncode == 0, second.stderr
    assert "already running" not in second.stderr and "started k8s" in second.stderr, second.stderr
    restarted = _pid(data)
    assert restarted != pid
    log = (data / "logs" / "k8s.log").read_text()
    assert len(re.findall(r"--- stack.sh start ", log)) == 2  # the first start's lines are kept
    assert len(re.findall(r"k8s@\S+ ready\.", log)) == 2

    assert _stack(env, "stop").returncode == 0
    zombie = subprocess.Popen(["true"])  # exits at once; never waited for, so it stays a zombie
    time.sleep(0.5)
    assert open(f"/proc/{zombie.pid}/stat").read().split()[2] == "Z"
    (data / "run" / "k8s.pid").write_text(f"{zombie.pid}\n")
    third = _stack(env, "start")
    assert third.returncode == 0, third.stderr
    assert "already running" not in third.stderr, third.stderr
    assert _pid(data) != zombie.pid
    zombie.wait()

    assert _stack(env, "stop").returncode == 0
    unrelated = subprocess.Popen(["sleep", "300"])  # the pid file names a live process that is not the worker
    try:
        (data / "run" / "k8s.pid").write_text(f"{unrelated.pid}\n")
        fourth = _stack(env, "start")
        assert fourth.returncode == 0 and "already running" not in fourth.stderr, fourth.stderr
        assert unrelated.poll() is None  # and it was left alone
    finally:
        unrelated.kill()
        unrelated.wait()
