"""The app under test as the e2e tests reach it: a `LiveServer` (the `live_server` fixture starts it)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from flask import Flask


@dataclasses.dataclass
class LiveServer:
    """The app under test and where it listens."""

    app: Flask
    base_url: str
    drop_dir: Path

    def url(self, path: str) -> str:
        return self.base_url + path
