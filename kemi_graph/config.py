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
    public_url: str = ""  # empty: the base IRI (see site_url)
    # Serving under hostile load (docs/web.md, "Serving"): per worker process unless said otherwise.
    threads: int = 48  # request threads; a request reaches one only when fully read
    evaluators: int = 2  # queries evaluated at once
    query_queue: int = 32  # queries that may wait for an evaluator; more get 503 at once
    evaluator_memory: int = 512_000_000  # bytes an evaluator may allocate beyond its idle size
    max_response_bytes: int = 32_000_000  # largest serialised answer
    max_request_line: int = 16_384  # bytes of method, path and query string (GET); longer: 414
    read_timeout: float = 10.0  # seconds from a request's first byte to its last
    keep_alive: float = 5.0  # seconds an idle connection stays open
    max_connections: int = 1_000  # open connections; further clients wait in the listen backlog
    sdg_max_bytes: int = 100_000_000
    sdg_timeout: float = 120.0
    writer_wait: float = 600.0

    def __post_init__(self) -> None:
        _check_http_url("base_iri", self.base_iri)
        if self.public_url:
            _check_http_url("public_url", self.public_url)
        # Resolved once, against the working directory the command was started in: a relative
        # path would otherwise be read against whatever each library takes as its own base
        # (Flask's send_file, for one, takes the application's package folder).
        for name in ("dist_dir", "releases_dir"):
            object.__setattr__(self, name, Path(getattr(self, name)).absolute())
        for name in (
            "port", "workers", "max_rows", "max_request_bytes", "build_processes", "threads", "evaluators",
            "query_queue", "evaluator_memory", "max_response_bytes", "max_request_line", "max_connections",
            "sdg_max_bytes",
        ):
            if getattr(self, name) < (0 if name in ("port", "build_processes", "query_queue") else 1):
                raise ConfigError(f"{name}: {getattr(self, name)} is out of range")
        if self.writer_wait < 0:
            raise ConfigError(f"writer_wait: {self.writer_wait} must be 0 or more seconds")
        for name in ("query_timeout", "read_timeout", "keep_alive", "sdg_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name}: {getattr(self, name)} must be a positive number of seconds")

    @property
    def site_url(self) -> str:
        """The site's public address, without a trailing '/': ``public_url``, else the base IRI.

        Absolute links the server hands out (canonical links, the sitemap, the service
        description) start with it; the request's Host header never decides them.
        """
        return self.public_url or self.base_iri

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


def _check_http_url(name: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"{name}: {value!r} is not an absolute http(s) IRI without query or fragment")
    if value.endswith("/"):
        raise ConfigError(f"{name}: {value!r} must not end with '/'")


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
