"""helpers.assets and helpers.assets.downloads against a small HTTP server on loopback."""

import hashlib
import http.server
import threading
import time
from pathlib import Path

import pytest

from helpers import assets, results
from helpers.assets import registry
from helpers.assets.downloads import ChecksumError, download, reachable

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves PAYLOAD at any path and honours `Range: bytes=N-` like a real file host."""

    served: list = []

    def do_GET(self):
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].split("=")[1].rstrip("-"))
            if start >= len(PAYLOAD):
                self.send_response(416)
                self.end_headers()
                return
            self.send_response(206)
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # Recorded before the body goes out: the client cannot finish reading (and the test
        # assert) before the server thread has noted what it sent.
        RangeHandler.served.append(len(body))
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def cache(tmp_path, monkeypatch, results_dir):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("COURSE_PROFILE", "cpu")
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    RangeHandler.served.clear()
    return tmp_path / "cache"


@pytest.fixture
def demo(server, tmp_path):
    standin = tmp_path / "standin.bin"
    standin.write_bytes(b"tiny")
    asset = assets.register(assets.Asset(
        name="demo-weights", kind="model", description="demo weights from the test server",
        fetch=assets.fetch_url(f"{server}/weights.bin", "weights.bin", PAYLOAD_SHA), probe_url=server,
        files={"weights.bin": PAYLOAD_SHA}, standin=lambda: standin, standin_description="a 4-byte stand-in",
    ))
    yield asset
    registry.REGISTRY.pop("demo-weights")


def test_download_checks_sha256(server, tmp_path):
    path = download(f"{server}/a.bin", tmp_path / "a.bin", sha256=PAYLOAD_SHA, progress=False)
    assert path.read_bytes() == PAYLOAD


def test_download_with_wrong_sha_deletes_the_file(server, tmp_path):
    with pytest.raises(ChecksumError, match="deleted"):
        download(f"{server}/a.bin", tmp_path / "a.bin", sha256="0" * 64, progress=False)
    assert not list(tmp_path.iterdir())


def test_download_resumes_a_partial_file(server, tmp_path):
    RangeHandler.served.clear()
    (tmp_path / "a.bin.part").write_bytes(PAYLOAD[:1000])
    download(f"{server}/a.bin", tmp_path / "a.bin", sha256=PAYLOAD_SHA, progress=False)
    assert RangeHandler.served == [len(PAYLOAD) - 1000]
    assert (tmp_path / "a.bin").read_bytes() == PAYLOAD


def test_online_then_cache(cache, demo, capsys):
    first = assets.resolve("demo-weights")
    assert first.source == "online" and (first.path / "weights.bin").read_bytes() == PAYLOAD
    second = assets.resolve("demo-weights")
    assert second.source == "cache" and "sha256 verified" in second.reason
    assert RangeHandler.served == [len(PAYLOAD)]  # downloaded once
    printed = capsys.readouterr().out
    assert "asset demo-weights: online" in printed and "asset demo-weights: cache" in printed
    assert results.load()["assets"]["demo-weights"]["source"] == "cache"


def test_corrupt_cache_is_removed_and_fetched_again(cache, demo, capsys):
    assets.resolve("demo-weights")
    (cache / "demo-weights" / "weights.bin").write_bytes(b"garbage")
    again = assets.resolve("demo-weights")
    assert again.source == "online" and (again.path / "weights.bin").read_bytes() == PAYLOAD
    assert "weights.bin fails its sha256 check" in capsys.readouterr().out


def test_files_placed_by_hand_are_adopted(cache, demo, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    (cache / "demo-weights").mkdir(parents=True)
    (cache / "demo-weights" / "weights.bin").write_bytes(PAYLOAD)
    found = assets.resolve("demo-weights")
    assert found.source == "cache" and "by hand" in found.reason
    assert assets.resolve("demo-weights").reason == "found in the cache, sha256 verified"


def test_wrong_files_placed_by_hand_are_refused(cache, demo, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    (cache / "demo-weights").mkdir(parents=True)
    (cache / "demo-weights" / "weights.bin").write_bytes(b"not the weights")
    found = assets.resolve("demo-weights")
    assert found.source == "stand-in" and "COURSE_OFFLINE" in found.reason
    assert "are not the expected ones" in capsys.readouterr().out


def test_forced_offline_uses_the_standin(cache, demo, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    found = assets.resolve("demo-weights")
    assert (found.source, found.reason) == ("stand-in", "COURSE_OFFLINE=1")
    assert found.path.read_bytes() == b"tiny"


def test_no_network_falls_back_to_the_standin(cache, demo, monkeypatch):
    monkeypatch.setattr("helpers.assets.sources.reachable", lambda url: False)  # a dead network
    found = assets.resolve("demo-weights")
    assert found.source == "stand-in" and "no network" in found.reason


def test_reachable_gives_up_fast_on_a_closed_port():
    import socket

    with socket.socket() as probe:  # find a loopback port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    assert not reachable(f"http://127.0.0.1:{port}/", timeout=1)
    assert time.monotonic() - started < 2


def test_smoke_profile_always_uses_standins(cache, demo, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    assert assets.resolve("demo-weights").source == "stand-in"
    assert RangeHandler.served == []


def test_failed_download_keeps_nothing_half_cached(cache, demo, server):
    broken = assets.register(assets.Asset(**{**demo.__dict__, "fetch": assets.fetch_url(f"{server}/x", "weights.bin", "0" * 64)}))
    found = assets.resolve(broken.name)
    assert found.source == "stand-in" and "ChecksumError" in found.reason
    assert not (cache / broken.name).exists()


def test_unknown_asset_lists_the_known_ones():
    with pytest.raises(assets.UnknownAssetError, match="Known assets: .*bert-base-uncased"):
        assets.resolve("gpt-17")


def test_asset_without_standin_stops_cleanly(cache, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assets.register(assets.Asset(name="only-online", kind="dataset", description="x", fetch=lambda f: None))
    try:
        with pytest.raises(assets.AssetUnavailableError, match="no offline stand-in.*Connect to the internet"):
            assets.resolve("only-online")
    finally:
        registry.REGISTRY.pop("only-online")


def test_every_registered_asset_resolves_offline_in_smoke(monkeypatch, results_dir):
    """No network in smoke: every asset a lab registers has a working stand-in."""
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    for name in assets.names():
        found = assets.resolve(name, verbose=False)
        assert found.source == "stand-in" and Path(found.path).exists(), name


def test_bert_standin_loads_with_the_real_transformers_code(monkeypatch, results_dir):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    bert = assets.resolve("bert-base-uncased")
    model = AutoModelForSequenceClassification.from_pretrained(bert.path, num_labels=2)
    tokenizer = AutoTokenizer.from_pretrained(bert.path)
    logits = model(**tokenizer(["a real sentence"], return_tensors="pt")).logits
    assert tuple(logits.shape) == (1, 2) and model.config.model_type == "bert"


def test_asset_meta_round_trips_for_a_folder_or_a_resolved_asset(tmp_path):
    assets.write_meta(tmp_path, {"weights": "model.pt", "classes": ["nut", "bolt"]})
    resolved = assets.Resolved(name="demo", path=tmp_path, source="stand-in", used="demo", reason="test")
    assert assets.read_meta(tmp_path) == assets.read_meta(resolved) == {"weights": "model.pt", "classes": ["nut", "bolt"]}
