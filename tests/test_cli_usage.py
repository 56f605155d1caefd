"""The command line as people use it: real processes, streams kept apart, pipes, exit codes, signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest


def pw(
    data: Path, *args: str, allow_private: bool = True, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``presswatch ARGS`` as a separate process, with its stdout and stderr kept apart (not a TTY)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSWATCH_") or k.endswith("_PG")}
    full_env.update({"PRESSWATCH_DATA": str(data), "COLUMNS": "80", "NO_COLOR": "1", **env})
    if allow_private:
        full_env["PRESSWATCH_ALLOW_PRIVATE"] = "1"
    return subprocess.run([sys.executable, "-m", "presswatch", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_results_on_stdout_diagnostics_on_stderr(tmp_path: Path, simsite) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    urls = simsite.article_urls()[:3]
    res = pw(data, "watch", *urls, "--outlet", "Daily Simulated")
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("watching article") == 3 and res.stderr == ""

    run = pw(data, "run", "--once")
    assert run.returncode == 0, run.stderr
    (line,) = run.stdout.splitlines()  # one line per pass, counts in words
    assert "pass 1: checked 3 (3 new)" in line and "{" not in line

    listing = pw(data, "list")
    rows = listing.stdout.splitlines()
    assert rows[0].split("\t")[:4] == ["id", "kind", "url", "status"]
    # in a pipe: one line per watch, the full URL, never wrapped or cut at 80 columns
    assert len(rows) == 4 and all(r.split("\t")[2] in urls for r in rows[1:])
    assert "\x1b[" not in listing.stdout and "…" not in listing.stdout
    for cmd in (["list", "--json"], ["history", urls[0], "--json"], ["timeline", "--all", "--json"]):
        res = pw(data, *cmd)
        assert res.returncode == 0 and res.stderr == "", (cmd, res.stderr)
        assert json_lines(res.stdout), cmd  # every line is one JSON object

    timeline = pw(data, "timeline")  # first captures are hidden by default, and it says so on stderr
    assert timeline.stdout == "" and "--all" in timeline.stderr
    assert len(pw(data, "timeline", "--all", "--outlet", "Daily Simulated").stdout.splitlines()) == 3
    assert pw(data, "timeline", "--all", "--outlet", "Nobody").stdout == ""
    assert pw(data, "list", "--status", "removed").stdout.splitlines() == [rows[0]]
    assert len(json_lines(pw(data, "list", "--json", "--limit", "2").stdout)) == 2


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for args, needle in (
        (["watch", "--country", "ZZ", "http://127.0.0.1:9/a"], "ISO 3166-1 alpha-2"),
        (["watch", "--country", "Kazakhstan", "http://127.0.0.1:9/a"], "ISO 3166-1 alpha-2"),
        (["list", "--since", "yesterday"], "--since must be a date"),
        (["watch", "ftp://example.org/x"], "only http and https"),
        (["diff", "http://127.0.0.1:9/never-watched"], "not watched"),
    ):
        res = pw(data, *args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert needle in res.stderr and "Traceback" not in res.stderr and res.stdout == "", args
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr  # no wrapping at 80 columns


def test_watch_refuses_private_targets_when_added(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for args in (["watch", "http://127.0.0.1:8080/news"], ["watch", "--site", "http://10.1.2.3/"],
                 ["watch", "--feed", "http://[::1]/rss.xml"], ["check", "http://169.254.169.254/latest"]):
        res = pw(data, *args, allow_private=False)
        assert res.returncode == 2 and "--allow-private" in res.stderr, (args, res.stderr)
    assert pw(data, "list", "--all", allow_private=False).stdout.splitlines()[1:] == []  # nothing was recorded


def test_help_and_version_are_fast_and_clean(tmp_path: Path) -> None:
    res = pw(tmp_path, "--help")
    assert res.returncode == 0 and "<bool>" not in res.stdout and "<str>" not in res.stdout
    for sub in ("watch", "list", "timeline", "diff", "run"):
        h = pw(tmp_path, sub, "--help")
        assert h.returncode == 0 and "<bool>" not in h.stdout and "<str>" not in h.stdout, sub
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "presswatch", "version"], capture_output=True,
                         text=True, check=True)
    imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines() if "|" in line}
    assert out.stdout.strip()
    assert not imported & {"fastapi", "sqlalchemy", "cryptography", "httpx", "trafilatura"}, imported


def test_diff_on_cyrillic_text(tmp_path: Path, simsite) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    url = simsite.article_urls()[0]
    assert pw(data, "check", url).returncode == 0
    once = pw(data, "diff", url)
    assert once.returncode == 0 and "one version so far" in once.stderr
    new_text = "Министерство позже оспорило эти цифры, и абзац с цитатой его представителя был удалён."
    simsite.set_state(url.rsplit("/", 1)[1], "edit-paragraph", index=1, text=new_text)
    checked = pw(data, "check", url, "--json")
    assert json_lines(checked.stdout)[0]["status"] == "edited"

    text = pw(data, "diff", url)
    assert text.returncode == 0, text.stderr
    assert f"+ {new_text}" in text.stdout.splitlines()  # a rewritten paragraph is shown whole
    assert "version 1" in text.stdout and "version 2" in text.stdout and ".warc.gz#" in text.stdout
    unified = pw(data, "diff", url, "--format", "unified", "--from", "1", "--to", "2").stdout
    assert unified.startswith("--- version 1") and f"+{new_text}" in unified.splitlines()
    doc = json.loads(pw(data, "diff", url, "--format", "json").stdout)
    assert doc["counts"]["paragraphs_added"] == 1 and doc["old"]["capture"]["warc_file"].endswith(".warc.gz")
    html = pw(data, "diff", url, "--format", "html").stdout
    assert "<ins>" in html and "Министерство" in html and "<script" not in html
    # a small edit within a paragraph is shown word by word, marked without colour in a pipe
    simsite.set_state(url.rsplit("/", 1)[1], "edit-paragraph", index=1, text=new_text.replace("позже", "сразу"))
    assert json_lines(pw(data, "check", url, "--json").stdout)[0]["status"] == "edited"
    words = pw(data, "diff", url).stdout
    assert "[-позже-] {+сразу+}" in words and "version 3" in words
    pieces = json.loads(pw(data, "diff", url, "--format", "json").stdout)["changes"][0]["words"]
    assert " ".join(t for op, t in pieces if op != "delete") == new_text.replace("позже", "сразу")
    bad = pw(data, "diff", url, "--from", "7")
    assert bad.returncode == 2 and "there are 3 versions" in bad.stderr
    # the timeline shows what changed under the edit
    tl = pw(data, "timeline", url).stdout
    assert "edited" in tl and "+ Министерство позже оспорило" in tl


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_run_stops_cleanly_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    from presswatch.sim.site import SimSite

    data = tmp_path / "data"
    with SimSite(articles=8, seed=3).start() as site:
        urls = site.article_urls()
        assert pw(data, "watch", *urls).returncode == 0
        for u in urls[4:]:
            site.set_state(u.rsplit("/", 1)[1], "timeout", seconds=60)  # in flight when the signal comes
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSWATCH_") or k.endswith("_PG")}
        env.update({"PRESSWATCH_DATA": str(data), "PRESSWATCH_ALLOW_PRIVATE": "1", "PRESSWATCH_TIMEOUT": "60",
                    "PRESSWATCH_PER_HOST_CONCURRENCY": "16"})  # the slow articles must not hold every slot
        proc = subprocess.Popen([sys.executable, "-m", "presswatch", "run", "--once"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until the fast articles are recorded
            listed = pw(data, "list", "--status", "new")
            if len(listed.stdout.splitlines()) >= 5:
                break
            time.sleep(0.3)
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, (proc.returncode, stderr)
    assert "Traceback" not in stderr and "Event loop is closed" not in stderr, stderr
    assert f"stopped on {sig.name}" in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert stdout == ""
    listed = json_lines(pw(data, "list", "--json").stdout)
    assert sum(1 for w in listed if w["status"] == "new") >= 4  # what finished is kept
    verify = pw(data, "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_demand_files_people_write(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for lang in ("en", "ru"):
        template = pw(data, "demand", "template", "--lang", lang)
        assert template.returncode == 0 and "//" in template.stdout
        f = tmp_path / f"t-{lang}.json"
        f.write_text(template.stdout, encoding="utf-8")
        added = pw(data, "demand", "add", "--json", str(f))
        assert added.returncode == 0, added.stderr
        assert added.stdout.strip().isdigit() and "recorded demand" in added.stderr
    natural = tmp_path / "natural.json"
    natural.write_text(json.dumps({
        "title": "Remove the interview", "sender": "Ministry of Information of the Republic of Kazakhstan",
        "recipient": "Vlast.kz", "actions": "remove", "targets": "https://vlast.kz/novosti/1",
        "legal_basis": "Law on Mass Media, art. 23",
    }), encoding="utf-8")
    res = pw(data, "demand", "add", "--json", str(natural))
    assert res.returncode == 0, res.stderr
    shown = json.loads(pw(data, "demand", "show", res.stdout.strip(), "--json").stdout)
    assert shown["sender"]["kind"] == "ministry" and shown["recipient"]["name"] == "Vlast.kz"
    assert shown["legal_basis"][0]["citation"] == "Law on Mass Media, art. 23"
    assert shown["targets"][0]["url"] == "https://vlast.kz/novosti/1"

    for doc, needles in (
        ({"title": "x", "sender": "Ivan Petrov", "recipient": "X", "actions": ["remove"]},
         ["sender.kind: required (one of: ministry"]),
        ({"title": "x", "sender": "Ministry", "recipient": {"nam": "X"}, "actions": ["remove"], "targts": []},
         ["recipient.nam: unknown field (did you mean 'name'?)", "targts: unknown field (did you mean 'targets'?)"]),
        ({"title": "x", "sender": ["Ministry"], "recipient": "X", "actions": ["remove"]}, ["sender: expected"]),
        ({"title": "x", "sender": "Ministry", "recipient": "X", "actions": ["burn"]}, ["unknown demanded action"]),
    ):
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(doc), encoding="utf-8")
        res = pw(data, "demand", "add", "--json", str(bad))
        assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
        assert all(n in res.stderr for n in needles), res.stderr
    listed = json_lines(pw(data, "demand", "list", "--json").stdout)  # one object per line
    assert len(listed) == 3 and {d["sender"]["kind"] for d in listed} == {"ministry"}
    table = pw(data, "demand", "list").stdout.splitlines()
    assert table[0].split("\t")[:3] == ["id", "sent", "sender"] and len(table) == 4
    schema = json.loads(pw(data, "demand", "schema").stdout)
    assert {"title", "sender", "recipient", "actions"} <= set(schema["required"])


def test_never_online_and_notice_text(tmp_path: Path, simsite) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    typo = simsite.url + "/news/2026/12/no-such-artcle"
    for _ in range(3):  # a mistyped URL is never "removed", however often it is checked
        (row,) = json_lines(pw(data, "check", typo, "--json").stdout)
        assert row["status"] == "missing" and row["reason"] == "http-404" and not row["confirmed"]
    assert pw(data, "timeline", "--all", typo).stdout == ""  # no event at all

    url = simsite.article_urls()[2]
    assert json_lines(pw(data, "check", url, "--json").stdout)[0]["status"] == "new"
    simsite.set_state(url.rsplit("/", 1)[1], "removal-notice", lang="ru")
    first = pw(data, "check", url)
    assert "removed removal-notice" in first.stdout and "notice: “" in first.stdout, first.stdout
    (row,) = json_lines(pw(data, "check", url, "--json", PRESSWATCH_CONFIRM_CHECKS="2").stdout)
    assert row["status"] == "removed" and row["confirmed"] and row["notice"]
    assert "Related stories" not in (row["title"] or "")
    assert row["notice"] in pw(data, "timeline", url).stdout  # the confirmed removal quotes the notice
    assert row["notice"] in pw(data, "history", url).stdout


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_its_address_and_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSWATCH_") or k.endswith("_PG")}
    env["PRESSWATCH_DATA"] = str(tmp_path / "data")
    proc = subprocess.Popen([sys.executable, "-m", "presswatch", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert json.load(r)["ok"] is True
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not come up"
                time.sleep(0.2)
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + sig, stderr
    lines = stderr.strip().splitlines()
    assert lines[0].startswith(f"presswatch server on http://127.0.0.1:{port}/")
    assert lines[-1].startswith(f"serve: stopped on {sig.name}") and "Traceback" not in stderr
