"""Response compression (Flask-Compress) for pages, query results and RDF.

Every format of the formats table (pages, SPARQL results, RDF) and the plain-text messages are
compressed for a client that accepts it; ``Vary: Accept-Encoding`` is always sent. Responses sent
from files (the downloads, the stylesheet) are streamed and left alone: a download's bytes are
what the published checksums and sizes describe, most are gzip files already, and ``Range``
requests address them.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

from kemi_graph import formats

MIN_SIZE = 500  # bytes; below this the headers cost more than compression saves


def init_compression(app: Flask) -> None:
    app.config["COMPRESS_MIMETYPES"] = sorted(
        {media for fmt in formats.ALL for media in fmt.media_types} | {"text/plain"}
    )
    app.config["COMPRESS_MIN_SIZE"] = MIN_SIZE
    app.config["COMPRESS_STREAMS"] = False
    Compress(app)
