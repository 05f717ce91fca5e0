"""A workflow run's logs zip, summarised boundedly for the report.

GitHub answers `GET /actions/runs/{id}/logs` with a 302 to a short-lived archive URL.
PyGithub has no method for it, so it is one httpx call that follows the redirect (httpx
drops the Authorization header when the redirect leaves the API's origin, as GitHub's
signed blob URLs require). The archive holds one folder per job with one file per step
(`<job>/<n>_<step>.txt`); the jobs API says which job and step failed, and the summary
keeps their last error lines, and the last Terraform plan line of the run.

Bounds: at most `MCP_GITHUB_LOGS_MAX_BYTES` downloaded, `MAX_FILES` files and
the last `MAX_FILE_BYTES` of each file kept (of at most `MAX_MEMBER_READ` decompressed),
`MAX_LINES` lines per failed step; `truncated` says when
a bound was hit, so the summary never claims to have read what it did not.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import httpx

from shared.contracts import FailedStep, WorkflowLogSummary
from shared.settings import get_settings

from services.github.plan_counts import plan_counts

MAX_FILES = 200
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_MEMBER_READ = 64 * 1024 * 1024  # decompressed bytes read per file at most (a zip bomb stops here)
MAX_LINES = 8
MAX_LINE_CHARS = 300
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z ")
_ERROR = re.compile(r"##\[error\]|\bError\b|\berror:|FAILED|Traceback", re.I)


@dataclass(frozen=True)
class JobOutcome:
    name: str
    conclusion: str | None
    failed_steps: list[tuple[int, str, str]]  # (number, name, conclusion)


class LogsTooLarge(Exception):
    pass


def download(url: str, token: str) -> bytes:
    """The zip's bytes (following the 302), refusing more than the configured maximum."""
    settings = get_settings()
    limit = settings.github_logs_max_bytes
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
               "X-GitHub-Api-Version": "2022-11-28"}
    with httpx.stream("GET", url, headers=headers, follow_redirects=True,
                      timeout=settings.github_http_timeout_s) as response:
        response.raise_for_status()
        declared = int(response.headers.get("content-length") or 0)
        if declared > limit:
            raise LogsTooLarge(f"logs archive is {declared} bytes, over MCP_GITHUB_LOGS_MAX_BYTES={limit}")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise LogsTooLarge(f"logs archive is over MCP_GITHUB_LOGS_MAX_BYTES={limit}")
            chunks.append(chunk)
    return b"".join(chunks)


def _clean(line: str) -> str:
    line = _TIMESTAMP.sub("", line.rstrip())
    return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 1] + "…"


def _last_error_lines(text: str) -> list[str]:
    lines = [_clean(line) for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if _ERROR.search(line)]
    return (errors or lines)[-MAX_LINES:]


def _step_file(names: list[str], job: str, number: int) -> str | None:
    prefix = f"{job}/{number}_"
    return next((n for n in names if n.startswith(prefix)), None)


def _tail(zipped: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bytes, bool]:
    """The last MAX_FILE_BYTES of a member (the end of a log is where its errors are),
    streamed so a huge log never sits in memory whole; True when the start was cut."""
    tail, read = b"", 0
    with zipped.open(info) as handle:
        while read < MAX_MEMBER_READ and (chunk := handle.read(256 * 1024)):
            read += len(chunk)
            tail = (tail + chunk)[-MAX_FILE_BYTES:]
    cut = info.file_size > MAX_FILE_BYTES
    if cut:  # drop the partial first line
        tail = tail.split(b"\n", 1)[-1]
    return tail, cut


def summarise(archive: bytes, jobs: list[JobOutcome]) -> WorkflowLogSummary:
    summary = WorkflowLogSummary(bytes_read=len(archive))
    try:
        zipped = zipfile.ZipFile(io.BytesIO(archive))
    except zipfile.BadZipFile as exc:
        summary.error = f"the logs are not a zip archive: {exc}"
        return summary
    infos = [i for i in zipped.infolist() if not i.is_dir()]
    if len(infos) > MAX_FILES:
        summary.truncated = True
        infos = infos[:MAX_FILES]
    texts: dict[str, str] = {}
    for info in infos:
        data, cut = _tail(zipped, info)
        summary.truncated = summary.truncated or cut
        texts[info.filename] = data.decode("utf-8", "replace")
    summary.files_read = len(texts)
    names = sorted(texts)
    for job in jobs:
        if job.conclusion not in ("failure", "timed_out", "cancelled", "startup_failure"):
            continue
        if not job.failed_steps:
            whole = next((n for n in names if "/" not in n and n.split("_", 1)[-1] == f"{job.name}.txt"), None)
            lines = _last_error_lines(texts[whole]) if whole else []
            summary.failed.append(FailedStep(job=job.name, conclusion=job.conclusion or "", last_lines=lines))
        for number, step, conclusion in job.failed_steps:
            found = _step_file(names, job.name, number)
            lines = _last_error_lines(texts[found]) if found else []
            summary.failed.append(FailedStep(job=job.name, step=step, conclusion=conclusion, last_lines=lines))
    for name in names:  # in archive order: the last plan line of the run wins
        counts = plan_counts(texts[name])
        if counts is not None:
            summary.plan = counts
    return summary


def describe(summary: WorkflowLogSummary) -> str:
    """One bounded sentence for the step detail and the report."""
    parts = []
    if summary.error:
        return f"logs not summarised: {summary.error}"
    if summary.plan is not None:
        plan = summary.plan
        parts.append("plan: no changes" if plan.no_changes
                     else f"plan: {plan.to_add} to add, {plan.to_change} to change, {plan.to_destroy} to destroy")
    for failed in summary.failed[:3]:
        where = f"{failed.job} / {failed.step}" if failed.step else failed.job
        last = failed.last_lines[-1] if failed.last_lines else "no log lines"
        parts.append(f"failed {where}: {last}")
    if len(summary.failed) > 3:
        parts.append(f"{len(summary.failed) - 3} more failed steps")
    parts.append(f"{summary.files_read} log files read" + (" (truncated)" if summary.truncated else ""))
    return "; ".join(parts)
