"""Uploaded files for a guardrail scan: a JSON map or a zip archive, read defensively.

Limits are checked before anything is decompressed or queued: the archive's size, its
number of entries, each entry's declared and real size (zip bombs), paths that would
escape the bundle, and characters no text file holds and Postgres cannot store (NUL,
lone surrogates), in paths and contents alike. Content checks (syntax, YAML aliases,
nesting) are the policy service's.
"""

from __future__ import annotations

import io
import zipfile

from shared.storable import UNSTORABLE

MAX_ARCHIVE_BYTES = 5 * 1024 * 1024
MAX_FILES = 300
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 5 * 1024 * 1024


class UploadError(ValueError):
    """The upload cannot be scanned; the message says what to fix. `status` is the HTTP code."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


_UNSTORABLE = UNSTORABLE  # NUL and lone surrogates: shared/storable.py


def check_text(files: dict[str, str]) -> None:
    """Refuse characters that are never part of a text config and that Postgres cannot store."""
    for path, content in files.items():
        if _UNSTORABLE.search(path):
            raise UploadError(f"{path!r}: a file path holds a NUL or an invalid (surrogate) character; rename the file")
        match = _UNSTORABLE.search(content)
        if match:
            line = content.count("\n", 0, match.start()) + 1
            what = "a NUL character" if match.group() == "\x00" else "an invalid (surrogate) character"
            raise UploadError(f"{path}: binary data ({what}) at line {line}; send UTF-8 text files only")


def check_sizes(files: dict[str, str]) -> None:
    if len(files) > MAX_FILES:
        raise UploadError(f"{len(files)} files sent; at most {MAX_FILES} per scan", 413)
    total = 0
    for path, content in files.items():
        size = len(content.encode("utf-8", errors="surrogatepass"))
        if size > MAX_FILE_BYTES:
            raise UploadError(f"{path}: {size} bytes; the limit is {MAX_FILE_BYTES} bytes per file", 413)
        total += size
    if total > MAX_TOTAL_BYTES:
        raise UploadError(f"{total} bytes in total; the limit is {MAX_TOTAL_BYTES} bytes per scan", 413)


def read_zip(data: bytes) -> dict[str, str]:
    if len(data) > MAX_ARCHIVE_BYTES:
        raise UploadError(f"archive is {len(data)} bytes; the limit is {MAX_ARCHIVE_BYTES}", 413)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError("the upload is not a zip archive; send a .zip of .tf/.yaml files or JSON {files: {...}}") from None
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > MAX_FILES:
        raise UploadError(f"archive has {len(entries)} files; at most {MAX_FILES} per scan", 413)
    files: dict[str, str] = {}
    total = 0
    for info in entries:
        path = info.filename
        if path.startswith("/") or ".." in path.replace("\\", "/").split("/"):
            raise UploadError(f"{path!r}: paths in the archive must be relative and must not contain '..'")
        if info.file_size > MAX_FILE_BYTES:
            raise UploadError(f"{path}: {info.file_size} bytes; the limit is {MAX_FILE_BYTES} bytes per file", 413)
        with archive.open(info) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise UploadError(f"{path}: more than {MAX_FILE_BYTES} bytes uncompressed", 413)
        total += len(raw)
        if total > MAX_TOTAL_BYTES:
            raise UploadError(f"archive holds more than {MAX_TOTAL_BYTES} bytes uncompressed", 413)
        try:
            files[path] = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UploadError(f"{path}: binary data is not accepted; send UTF-8 text files only") from None
    if not files:
        raise UploadError("the archive holds no files")
    return files
