"""Content negotiation: one function over the formats table (kemi_graph.formats).

``negotiate`` picks the response format from the ``Accept`` header (q-values, wildcards and
media-type parameters) or from a ``format``/``_format`` parameter, which overrides the header.
It never touches Flask's request: the caller passes the header and the parameter, and turns a
:class:`NotAcceptable` into a 406 (or a 400 for an unknown ``format`` name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kemi_graph.formats import Format, by_name


class NotAcceptable(Exception):
    """No candidate fits; the message lists the media types (and ``format`` names) that would."""

    def __init__(self, message: str, candidates: Sequence[Format], *, unknown_format: bool = False) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)
        self.unknown_format = unknown_format


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    q: float

    @property
    def specificity(self) -> int:
        """``*/*`` < ``type/*`` < ``type/subtype`` < ``type/subtype;param=...``."""
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.params else 2

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        if self.type not in ("*", main) or self.subtype not in ("*", sub):
            return False
        # All our formats are UTF-8: a range asking for another charset does not match.
        # Other parameters (e.g. a JSON-LD profile) do not change what we send, so they match.
        charset = dict(self.params).get("charset")
        return charset is None or charset.lower() in ("utf-8", "utf8")


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; malformed entries are skipped, as RFC 9110 allows."""
    ranges: list[MediaRange] = []
    for item in (header or "").split(","):
        pieces = [piece.strip() for piece in item.split(";")]
        media, params = pieces[0].lower(), pieces[1:]
        if media == "*":  # some clients send a bare '*'
            media = "*/*"
        main, slash, sub = media.partition("/")
        if not slash or not main or not sub or (main == "*" and sub != "*"):
            continue
        q = 1.0
        kept: list[tuple[str, str]] = []
        for param in params:
            key, _, value = param.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
                break  # what follows q are accept-extensions, not media-type parameters
            if key:
                kept.append((key, value))
        ranges.append(MediaRange(main, sub, tuple(kept), q))
    return ranges


def negotiate(
    accept: str | None,
    candidates: Sequence[Format],
    format_param: str | Sequence[str] | None = None,
    *,
    other_kind: Sequence[Format] = (),
) -> Format:
    """The best candidate for this request; candidates are in the server's order of preference.

    ``format_param`` wins over ``Accept``: one or more values (repeated parameters, or a
    comma-separated list, as SPARQLWrapper sends), each a format name, extension or media type;
    the first that fits a candidate is chosen. Without an ``Accept`` header the first candidate
    is chosen. A request that names only formats of ``other_kind`` (result-set types for a
    graph query, RDF types for SELECT/ASK: rdflib's SPARQLStore and SPARQLWrapper send one
    choice for every query form) gets the first candidate its ``Accept`` does not refuse with
    ``q=0``; the client reads the ``Content-Type``.
    Raises :class:`NotAcceptable`.
    """
    wanted = [format_param] if isinstance(format_param, str) else list(format_param or ())
    wanted = [item.strip() for value in wanted for item in value.split(",") if item.strip()]
    if wanted:
        for item in wanted:
            chosen = by_name(item, candidates)
            if chosen is not None:
                return chosen
        if other_kind and all(by_name(item, other_kind) is not None for item in wanted):
            return candidates[0]
        raise NotAcceptable(
            f"format={', '.join(wanted)!r} is not available for this response; use one of: "
            + ", ".join(c.name for c in candidates),
            candidates,
            unknown_format=all(by_name(item) is None for item in wanted),
        )
    ranges = parse_accept(accept)
    if not ranges:
        return candidates[0]
    best: Format | None = None
    best_q = 0.0
    for candidate in candidates:
        q = _quality(candidate, ranges)
        if q > best_q:  # strictly greater: ties go to the server's order
            best, best_q = candidate, q
    if best is None:
        fallback = _fallback(candidates, ranges, other_kind)
        if fallback is not None:
            return fallback
        raise NotAcceptable(
            f"none of the media types in 'Accept: {accept}' can be served here; available: "
            + ", ".join(c.media_type for c in candidates)
            + " (or add format=" + "|".join(c.name for c in candidates) + ")",
            candidates,
        )
    return best


def _fallback(candidates: Sequence[Format], ranges: list[MediaRange], other_kind: Sequence[Format]) -> Format | None:
    wanted = [r for r in ranges if r.q > 0]
    if not wanted or not all(any(r.matches(mt) for f in other_kind for mt in f.media_types) for r in wanted):
        return None
    refused = [r for r in ranges if r.q == 0]
    return next((c for c in candidates if not any(r.matches(mt) for r in refused for mt in c.media_types)), None)


def _quality(candidate: Format, ranges: list[MediaRange]) -> float:
    """The q of the most specific range matching the candidate's media type or one of its aliases.

    Specificity is compared across the media type and its aliases together, so that
    ``text/turtle;q=0, */*`` excludes Turtle although ``*/*`` matches its alias too. A match
    through an alias alone counts a little less, so an exact media type wins a tie.
    """
    matching = [(r, mt) for mt in candidate.media_types for r in ranges if r.matches(mt)]
    if not matching:
        return 0.0
    most_specific = max(r.specificity for r, _ in matching)
    top = [(r, mt) for r, mt in matching if r.specificity == most_specific]
    q = max(r.q for r, _ in top)
    if all(mt != candidate.media_type for _, mt in top):
        q *= 0.999
    return q
