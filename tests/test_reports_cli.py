"""The ``report`` commands through the real CLI in subprocesses: the JSON contract, review, checks, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from reports_support import founding_like
from runsupport import cli, cli_env, simsite_process

from presswatch.sim.censor import loopback_kz_vantage

ACTOR_KINDS = {"government", "court", "regulator", "law-enforcement", "outlet", "journalist", "platform", "other"}
ACTION_KINDS = {"demand-removal", "demand-edit", "warning", "referral-prosecutor", "ban", "block", "lawsuit",
                "arrest", "other"}


def _contract(doc: dict) -> None:
    assert isinstance(doc["id"], int) and doc["language"] in ("en", "ru")
    for a in doc["actors"]:
        assert a["role"] in ("sender", "recipient", "third-party") and a["kind"] in ACTOR_KINDS
        assert isinstance(a["name"], str) and isinstance(a["quote"], str)
        assert a["country"] is None or len(a["country"]) == 2
    for a in doc["actions"]:
        assert a["kind"] in ACTION_KINDS and {"by", "against", "date", "legal_basis", "quote"} <= a.keys()
    assert all(len(c) == 2 for c in doc["blocked_countries"])
    assert all(len(d) == 10 for d in doc["dates"])
    assert doc["outcome"] in ("complied", "refused", "partly", "unknown")
    for c in doc["claims"]:
        assert c["kind"] in ("online", "removed", "blocked", "edited") and {"country", "as_of", "quote"} <= c.keys()


def test_report_cli_end_to_end(tmp_path: Path):
    env = cli_env(tmp_path / "data")
    with simsite_process(8) as base:
        port = urlsplit(base).port
        urls = json.loads(__import__("urllib.request").request.urlopen(base + "/_sim/articles").read())["urls"]
        url = urls[0].replace("127.0.0.1", "localhost")
        f = tmp_path / "report.txt"
        f.write_text(founding_like(url), encoding="utf-8")
        r = cli(["report", "add", str(f), "--lang", "en", "--date", "2015-11-27", "--json"], env)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.strip().splitlines()
        assert len(lines) == 1
        doc = json.loads(lines[0])
        _contract(doc)
        assert doc["blocked_countries"] == ["KZ"] and doc["outcome"] == "refused"

        shown = cli(["report", "show", str(doc["id"]), "--json"], env)
        assert shown.returncode == 0 and json.loads(shown.stdout)["status"] == "draft"
        human = cli(["report", "show", str(doc["id"])], env)
        assert "blocked" in human.stdout and "“" in human.stdout

        check_early = cli(["report", "check", str(doc["id"])], env)
        assert check_early.returncode == 2 and "accept" in check_early.stderr

        edit = tmp_path / "edit.json"
        edit.write_text(json.dumps({"outcome": "refused"}), encoding="utf-8")
        acc = cli(["report", "accept", str(doc["id"]), "--edit", str(edit), "--by", "editor", "--json"], env)
        assert acc.returncode == 0, acc.stderr
        res = json.loads(acc.stdout)
        assert res["incident"] >= 1 and len(res["claims"]) == 2

        with loopback_kz_vantage("localhost", "127.0.0.1", port) as kz:
            chk = cli(["report", "check", str(doc["id"]), "--json",
                       "--vantage", f"KZ:resolver={kz.resolver},control={kz.control_resolver},network=AS1"], env)
        assert chk.returncode == 0, chk.stderr
        results = [json.loads(x) for x in chk.stdout.strip().splitlines()]
        assert {r["status"] for r in results} == {"corroborated"}, results

        tl = cli(["incident", "timeline", str(res["incident"])], env)
        assert tl.returncode == 0 and "reported by report.txt on 2015-11-27" in tl.stdout

        listed = cli(["report", "list"], env)
        assert listed.returncode == 0 and "accepted" in listed.stdout


def test_reject_and_bad_input(tmp_path: Path):
    env = cli_env(tmp_path / "data")
    ok = tmp_path / "ok.txt"
    ok.write_text("Прокуратура потребовала от сайта «Тест» удалить статью. Редакция отказалась.", encoding="utf-8")
    r = cli(["report", "add", str(ok), "--json"], env)
    assert r.returncode == 0, r.stderr
    rid = json.loads(r.stdout)["id"]
    assert cli(["report", "reject", str(rid), "--why", "duplicate"], env).returncode == 0
    again = cli(["report", "accept", str(rid)], env)
    assert again.returncode == 2 and "rejected" in again.stderr

    cases = {
        "empty.txt": (b"", "empty"),
        "blank.txt": (b"  \n\t\n", "empty"),
        "binary.bin": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "binary"),
        "huge.txt": (b"word " * 300_000, "size cap"),
    }
    env_small = {**env, "PRESSWATCH_REPORT_MAX_BYTES": "1000000"}
    for name, (data, msg) in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        r = cli(["report", "add", str(p), "--json"], env_small)
        assert r.returncode == 2, (name, r.stdout, r.stderr)
        assert msg in r.stderr and "Traceback" not in r.stderr
    missing = cli(["report", "add", str(tmp_path / "nope.txt")], env)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    bad_date = cli(["report", "add", str(ok), "--date", "yesterday"], env)
    assert bad_date.returncode == 2
    bad_lang = cli(["report", "add", str(ok), "--lang", "de"], env)
    assert bad_lang.returncode == 2
    nothing = cli(["report", "show", "999"], env)
    assert nothing.returncode == 2 and "no report #999" in nothing.stderr


@pytest.mark.parametrize("text", [
    "Cooking corner: add two cups of rice, a carrot and some lamb; simmer for an hour.",
    "The ministry of culture said in English, а потом по-русски: концерт пройдёт в субботу. No blocks, no bans.",
])
def test_non_news_and_mixed_text_give_a_draft_without_crash(tmp_path: Path, text: str):
    env = cli_env(tmp_path / "data")
    p = tmp_path / "t.txt"
    p.write_text(text, encoding="utf-8")
    r = cli(["report", "add", str(p), "--json"], env)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    _contract(doc)
    assert doc["claims"] == [] and doc["blocked_countries"] == []


def test_report_from_a_url_is_archived_evidence(tmp_path: Path):
    from http.server import BaseHTTPRequestHandler

    from runsupport import local_http

    page = ("<!doctype html><html lang=en><head><title>Ministry demands removal</title>"
            "<meta property='article:published_time' content='2026-03-05'></head><body><article>"
            "<h1>Ministry demands removal</h1><p>The Ministry of Information of Kazakhstan demanded on 3 March 2026 "
            "that the news website Dala Times remove a report on fuel prices, citing the Law on Mass Media.</p>"
            "<p>The editors refused. The report remains online. However, it has been blocked in Kazakhstan.</p>"
            + "<p>Background paragraph about the region and the media market in general terms.</p>" * 5
            + "</article></body></html>").encode()

    class H(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path != "/2026/03/05/ministry":  # a real site: other paths are 404 (no soft 404)
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *a):
            pass

    env = cli_env(tmp_path / "data")
    with local_http(H) as port:
        url = f"http://127.0.0.1:{port}/2026/03/05/ministry"
        r = cli(["report", "add", url, "--json"], env)
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert doc["outcome"] == "refused" and doc["blocked_countries"] == ["KZ"]
        shown = json.loads(cli(["report", "show", str(doc["id"]), "--json"], env).stdout)
        assert shown["capture_id"] is not None and shown["watch_id"] is not None
        refused = cli(["report", "add", url], {k: v for k, v in env.items() if k != "PRESSWATCH_ALLOW_PRIVATE"})
        assert refused.returncode == 2 and "non-public" in refused.stderr


def test_ooni_import_from_a_file(tmp_path: Path):
    from reports_support import web_connectivity

    env = cli_env(tmp_path / "data")
    f = tmp_path / "ooni.jsonl"
    f.write_text("\n".join(json.dumps(web_connectivity("https://a.example/x", "KZ", f"u{i}", "dns", False))
                           for i in range(3)) + "\n", encoding="utf-8")
    r = cli(["report", "ooni-import", str(f)], env)
    assert r.returncode == 0 and "imported 3" in r.stdout, r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"test_name": "ndt"}', encoding="utf-8")
    r = cli(["report", "ooni-import", str(bad)], env)
    assert r.returncode == 2 and "Web Connectivity" in r.stderr
