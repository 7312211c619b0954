"""``kemi-graph sdg import`` against hostile sources: a download is bounded in size and in total time,
follows only http(s) redirects, and RDF/XML entity declarations are refused; each case is exit 2
with a message. The sources are served by a tiny HTTP server on a loopback port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kemi_graph.cli import main

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY l0 "ha">'
    + "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="http://www.w3.org/2004/02/skos/core#">'
    '<rdf:Description rdf:about="http://example.org/x"><s:prefLabel>&l9;</s:prefLabel></rdf:Description></rdf:RDF>\n'
)


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        try:
            self._answer()
        except OSError:
            pass  # the client stopped reading, as it should

    def _answer(self) -> None:
        if self.path == "/big.ttl":  # 4 MB with no Content-Length
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.end_headers()
            for _ in range(64):
                self.wfile.write(b"# " + b"x" * 65_000 + b"\n")
        elif self.path == "/drip.ttl":  # a byte every 0.1 s for 4 s: no single read waits long
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"#")
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path == "/to-ftp":
            self.send_response(302)
            self.send_header("Location", f"ftp://127.0.0.1:{self.server.server_address[1]}/kos.ttl")
            self.end_headers()
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _sdg_import(tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["--dist-dir", str(tmp_path / "dist"), "sdg", "import", source]) == 2
    return capsys.readouterr().err


def test_a_download_larger_than_the_limit_is_refused(
    hostile_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KEMI_GRAPH_SDG_MAX_BYTES", "1000000")
    err = _sdg_import(tmp_path, f"{hostile_server}/big.ttl", capsys)
    assert err.startswith(f"kemi-graph: {hostile_server}/big.ttl: the download is more than sdg_max_bytes (1000000 bytes"), err


def test_a_slow_drip_is_stopped_at_the_total_time_limit(
    hostile_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KEMI_GRAPH_SDG_TIMEOUT", "1")
    err = _sdg_import(tmp_path, f"{hostile_server}/drip.ttl", capsys)
    assert "the download took more than sdg_timeout (1 s, KEMI_GRAPH_SDG_TIMEOUT)" in err, err


def test_a_redirect_to_another_scheme_is_not_followed(hostile_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _sdg_import(tmp_path, f"{hostile_server}/to-ftp", capsys)
    assert "redirects to ftp://" in err and "not an http(s) URL; refused" in err, err


@pytest.mark.parametrize("levels", [2, 9])
def test_rdf_xml_entity_declarations_are_refused(tmp_path: Path, levels: int, capsys: pytest.CaptureFixture[str]) -> None:
    """Nine levels is the billion laughs (10^9 'ha' from 700 bytes); two would expand harmlessly, and are refused all the same."""
    document = tmp_path / "kos.rdf"
    document.write_text(LAUGHS.replace("&l9;", f"&l{levels};"), encoding="utf-8")
    err = _sdg_import(tmp_path, str(document), capsys)
    assert err.startswith(f"kemi-graph: {document}: declares XML entities"), err
