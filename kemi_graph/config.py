"""The one settings object: defaults, then ``KEMI_GRAPH_*`` environment variables, then CLI options.

It is built once, validated once and passed around; nothing imports a global copy.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kemi_graph.errors import ConfigError

ENV_PREFIX = "KEMI_GRAPH_"


@dataclass(frozen=True)
class Settings:
    """Every tunable of kemi-graph. The README's configuration table documents each field."""

    base_iri: str = "https://w3id.org/kemi-graph"
    dist_dir: Path = Path("dist")
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    query_timeout: float = 10.0
    max_rows: int = 10_000
    max_request_bytes: int = 1_000_000
    service_allow_list: tuple[str, ...] = field(default_factory=tuple)
    contact_email: str = ""
    releases_dir: Path = Path("releases")
    response_cache_bytes: int = 64_000_000
    build_processes: int = 0  # 0: one per CPU
    sdg_max_bytes: int = 100_000_000
    sdg_timeout: float = 120.0
    writer_wait: float = 600.0

    def __post_init__(self) -> None:
        base = urlsplit(self.base_iri)
        if base.scheme not in ("http", "https") or not base.netloc or base.query or base.fragment:
            raise ConfigError(f"base_iri: {self.base_iri!r} is not an absolute http(s) IRI without query or fragment")
        if self.base_iri.endswith("/"):
            raise ConfigError(f"base_iri: {self.base_iri!r} must not end with '/'")
        for name in ("port", "workers", "max_rows", "max_request_bytes", "build_processes", "sdg_max_bytes"):
            if getattr(self, name) < (0 if name in ("port", "build_processes") else 1):
                raise ConfigError(f"{name}: {getattr(self, name)} is out of range")
        if self.writer_wait < 0:
            raise ConfigError(f"writer_wait: {self.writer_wait} must be 0 or more seconds")
        for name in ("query_timeout", "sdg_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name}: {getattr(self, name)} must be a positive number of seconds")

    @property
    def store_dir(self) -> Path:
        """The embedded Oxigraph store, built inside ``dist_dir`` so one rename swaps both."""
        return self.dist_dir / "store"

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied; ``None`` values (an option not given) are ignored."""
        given = {name: value for name, value in changes.items() if value is not None}
        return dataclasses.replace(self, **_coerce_all(given))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, overlaid by ``KEMI_GRAPH_<FIELD>`` variables, overlaid by ``overrides``."""
        env = os.environ if env is None else env
        from_env = {
            f.name: env[ENV_PREFIX + f.name.upper()]
            for f in dataclasses.fields(cls)
            if ENV_PREFIX + f.name.upper() in env
        }
        return cls(**_coerce_all(from_env)).replace(**overrides)


def _coerce_all(values: Mapping[str, Any]) -> dict[str, Any]:
    types = {f.name: f.type for f in dataclasses.fields(Settings)}
    unknown = set(values) - set(types)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    return {name: _coerce(name, types[name], value) for name, value in values.items()}


def _coerce(name: str, type_name: Any, value: Any) -> Any:
    """Turn a string from the environment (or a CLI value) into the field's type, naming the field on failure."""
    try:
        if type_name in ("int", int):
            return int(value)
        if type_name in ("float", float):
            return float(value)
        if type_name in ("Path", Path):
            return Path(value)
        if type_name == "tuple[str, ...]":
            if isinstance(value, str):
                return tuple(item for item in value.replace(",", " ").split() if item)
            return tuple(value)
        return str(value).strip()
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{name} ({ENV_PREFIX}{name.upper()}): {value!r} is not a valid {type_name}") from error
