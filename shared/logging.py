"""Logging set-up shared by every process: one line per record, level from settings."""

from __future__ import annotations

import logging

from shared.settings import get_settings


def configure_logging() -> None:
    logging.basicConfig(
        level=get_settings().log_level.upper(),
        format="%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s",
    )
