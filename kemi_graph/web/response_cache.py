"""Serialised SPARQL responses kept in memory, and the key (and ETag) that names each of them.

The data changes only when it is built, so an answer is fully determined by the dataset
version, the query text, the dataset parameters, the negotiated format and the request's base
URL (relative IRIs in a query resolve against it; the HTML page links to it). :func:`response_key`
hashes exactly those; the endpoint uses the hash both as the cache key and as the ``ETag``.

:class:`ResponseCache` is a least-recently-used map bounded by the total size of the bodies it
holds (``response_cache_bytes``; 0 turns it off). Each gunicorn worker has its own; nothing is
shared between processes.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

# Bookkeeping per entry (key, headers, dict slot) on top of the body, so that many tiny
# answers cannot grow the cache far beyond its byte budget.
_ENTRY_OVERHEAD = 200


def response_key(
    version: str,
    query: str,
    default_graph: Sequence[str],
    named_graphs: Sequence[str],
    format_name: str,
    base_url: str,
) -> str:
    """A hex digest naming one answer; every part is length-prefixed so no two inputs collide."""
    digest = hashlib.sha256()
    for part in (version, query, "\n".join(default_graph), "\n".join(named_graphs), format_name, base_url):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class CachedResponse:
    """What is needed to send an answer again without evaluating the query."""

    body: bytes
    content_type: str
    truncated: bool


class ResponseCache:
    """An LRU map from :func:`response_key` to :class:`CachedResponse`, at most ``max_bytes`` big."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def size(self) -> int:
        """Bytes held (bodies plus a fixed overhead per entry)."""
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> CachedResponse | None:
        if not self.max_bytes:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: CachedResponse) -> None:
        """Keep ``entry``; an answer larger than the whole budget is not kept at all."""
        cost = _cost(entry)
        if cost > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= _cost(old)
            self._entries[key] = entry
            self._size += cost
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= _cost(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


def _cost(entry: CachedResponse) -> int:
    return len(entry.body) + len(entry.content_type) + _ENTRY_OVERHEAD
