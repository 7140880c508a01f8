"""The download path, for real, against an HTTP server on 127.0.0.1 that serves (a copy of) the mirror."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from humanlike.data import DataStore, load_trials
from humanlike.errors import DataFileError

GOOD = "raw-data/edge/edge_resnet50_session-1.csv"
TAMPERED = "raw-data/edge/edge_bagnet33_session-1.csv"
CUT = "raw-data/edge/edge_simclr-resnet50x1_session-1.csv"
ABSENT = "raw-data/edge/edge_swag-vit-b16-in1k_session-1.csv"


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        if self.path.endswith(Path(CUT).name):
            # Announce the whole file, send a third of it, hang up: an interrupted transfer.
            body = (Path(self.directory) / CUT).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def server(mirror, tmp_path):
    root = tmp_path / "served"
    for path in (GOOD, TAMPERED, CUT):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(mirror / path, root / path)
    (root / TAMPERED).write_text((mirror / TAMPERED).read_text().replace("knife", "bottle", 1))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _leftovers(cache: Path) -> list[str]:
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file())


def test_good_file_is_downloaded_once_and_verified(server, tmp_path, mirror):
    cache = tmp_path / "cache"
    store = DataStore(cache_dir=cache, base_url=server)
    path = store.fetch(GOOD)
    assert path == cache / GOOD
    assert path.read_bytes() == (mirror / GOOD).read_bytes()
    # second fetch comes from the cache, even with the server gone
    assert DataStore(cache_dir=cache, base_url="http://127.0.0.1:9").fetch(GOOD) == path
    frame = load_trials(datasets=["edge"], models=["resnet50"], humans=False, store=store)
    assert len(frame) == 160


def test_checksum_mismatch_is_refused_and_not_kept(server, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(DataFileError, match="edge_bagnet33_session-1.csv: checksum mismatch"):
        DataStore(cache_dir=cache, base_url=server).fetch(TAMPERED)
    assert _leftovers(cache) == []


def test_missing_upstream_file_is_a_clear_error(server, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(DataFileError, match="edge_swag-vit-b16-in1k_session-1.csv: download from .* failed: 404"):
        DataStore(cache_dir=cache, base_url=server).fetch(ABSENT)
    assert _leftovers(cache) == []


def test_interrupted_transfer_leaves_nothing_behind(server, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(DataFileError, match="edge_simclr-resnet50x1_session-1.csv: download .* interrupted"):
        DataStore(cache_dir=cache, base_url=server).fetch(CUT)
    assert _leftovers(cache) == []


def test_unknown_file_is_refused(tmp_path):
    with pytest.raises(DataFileError, match="not a known upstream file"):
        DataStore(cache_dir=tmp_path).fetch("raw-data/edge/edge_nonexistent_session-1.csv")


def test_registry_urls_point_upstream():
    from humanlike.data import registry

    table = registry()
    assert table.loc[GOOD, "url"] == (
        "https://raw.githubusercontent.com/bethgelab/model-vs-human/93ee6766db71bc99de23a16cf5216acff181b470/" + GOOD
    )
    human = "raw-data/edge/edge_subject-01_session_1.csv"
    assert "/79ed7cd1d9ac3a114e71b6638f0a98bdd627316c/raw-data/edge/" in table.loc[human, "url"]
    assert table["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (table.index.str.startswith("raw-data/") & table.index.str.contains("_subject-")).sum() == 90
