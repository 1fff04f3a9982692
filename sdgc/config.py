"""Where the CLI finds the gateway and its key: flags, then ``SDGC_URL`` / ``SDGC_API_KEY``,
then a TOML config file (``--config``, ``SDGC_CONFIG`` or ``~/.config/sdgc/config.toml``)::

    url = "https://sdgc.example.org"
    api_key = "…"
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """The URL or the key is missing, or the config file cannot be read."""


@dataclass(frozen=True)
class Settings:
    url: str
    api_key: str


def config_path(given: Path | None) -> Path:
    if given is not None:
        return given
    if os.environ.get("SDGC_CONFIG"):
        return Path(os.environ["SDGC_CONFIG"])
    home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(home) / "sdgc" / "config.toml"


def _read(path: Path, required: bool) -> dict[str, object]:
    if not path.exists():
        if required:
            raise ConfigError(f"config file {path} does not exist")
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path}: {exc}") from None


def resolve(url: str | None, api_key: str | None, config: Path | None) -> Settings:
    """Flags and environment (already merged by the CLI) win; the file fills what is left."""
    if url is None or api_key is None:
        values = _read(config_path(config), required=config is not None)
        url = url or _text(values, "url")
        api_key = api_key or _text(values, "api_key")
    if not url:
        raise ConfigError("no URL: give --url, set SDGC_URL or put url in the config file")
    if not api_key:
        raise ConfigError(
            "no API key: give --api-key, set SDGC_API_KEY or put api_key in the config file"
        )
    return Settings(url.rstrip("/"), api_key)


def from_environment(config: Path | None = None) -> Settings:
    """``SDGC_URL`` and ``SDGC_API_KEY``, the file filling what they leave out."""
    return resolve(
        os.environ.get("SDGC_URL") or None, os.environ.get("SDGC_API_KEY") or None, config
    )


def _text(values: dict[str, object], name: str) -> str | None:
    value = values.get(name)
    return value if isinstance(value, str) and value else None


def journal_path(url: str, digest: str) -> Path:
    """Where an import of a file (by its digest) into a suite (by its URL) keeps its journal."""
    home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    name = hashlib.sha256(f"{url}\n{digest}".encode()).hexdigest()[:32]
    return Path(home) / "sdgc" / "imports" / f"{name}.jsonl"
