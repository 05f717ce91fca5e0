"""CPU seconds over a bench phase: the whole machine's and a stack's own processes'.

Used by bench/pipeline.py to say whether the CPU allowed a second worker per queue to help.
Linux only (/proc).
"""

from __future__ import annotations

import os
from typing import Any


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


class CpuMeter:
    """CPU seconds over a phase: the whole machine's (/proc/stat) and this stack's processes'.

    Says whether a second worker per queue could have helped: when the machine's CPUs were
    already busy (other engineers' work included) with one worker per queue, two cannot
    give twice the runs/min."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.hz = os.sysconf("SC_CLK_TCK")

    def _machine(self) -> tuple[float, float]:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:9]]
        return (sum(fields) - fields[3] - fields[4]) / self.hz, sum(fields) / self.hz  # busy, all (idle+iowait out)

    def _stack(self) -> float:
        """utime + stime of the stack's live processes and their descendants (the prefork children).

        Short-lived subprocesses (git) that ended during the phase are not counted: a lower bound."""
        parent, cpu = {}, {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(entry)] = int(fields[1])
            cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / self.hz
        roots = {p.pid for p in self.stack.processes}  # bench/pipeline.py Stack
        total = 0.0
        for pid, seconds in cpu.items():
            ancestor, hops = pid, 0
            while ancestor not in roots and ancestor > 1 and hops < 20:
                ancestor, hops = parent.get(ancestor, 0), hops + 1
            if ancestor in roots:
                total += seconds
        return total

    def start(self) -> None:
        self.machine0, self.stack0 = self._machine(), self._stack()

    def stop(self, runs: int) -> dict:
        (busy1, all1), stack1 = self._machine(), self._stack()
        busy, elapsed = busy1 - self.machine0[0], all1 - self.machine0[1]
        return {"machine_cpu_busy": rounded(busy / elapsed if elapsed else None, 2),
                "stack_cpu_share_of_machine": rounded((stack1 - self.stack0) / elapsed if elapsed else None, 2),
                "stack_cpu_s_per_run": rounded((stack1 - self.stack0) / runs, 3)}
