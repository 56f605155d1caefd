"""The demo tells the whole story, and its evidence bundle verifies from the CLI."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from presswatch.cli import app
from presswatch.demo import run_demo
from presswatch.settings import Settings


def test_demo_story_and_incident_bundle(tmp_path: Path) -> None:
    summary = run_demo(Settings(data=tmp_path / "data"), articles=12)
    assert summary["problems"] == [] and summary["errors"] == 0
    kinds = {(e["kind"], e["reason"]) for e in summary["events"]}
    assert ("edited", None) in kinds
    assert ("removed", "removal-notice") in kinds and ("removed", "soft-404") in kinds
    churn = summary["urls"]["churn"]
    assert not any(e["kind"] == "edited" and e["url"] == churn for e in summary["events"])
    assert summary["blocking"]["blocking"] == "dns" and summary["blocking"]["country"] == "KZ"
    assert summary["outcome"]["inferred"]["label"] == "refused"
    assert any(s.startswith("blocked in KZ (dns)") for s in summary["outcome"]["inferred"]["statements"])
    assert summary["bundle_ok"] is True and summary["tampered_ok"] is False
    assert "still online at the origin, unchanged; blocked in KZ (dns)" in summary["sentence"]

    # the same bundle from the CLI, verified offline; a tampered copy fails with a named item
    env = {"PRESSWATCH_DATA": str(tmp_path / "data" / "demo")}
    bundle = tmp_path / "incident.wacz"
    res = CliRunner().invoke(app, ["export", "incident", str(summary["incident"]), "--bundle", str(bundle)], env=env)
    assert res.exit_code == 0, res.output
    ok = CliRunner().invoke(app, ["verify", str(bundle)], env=env)
    assert ok.exit_code == 0, ok.output
    raw = bytearray(bundle.read_bytes())
    raw[-200] ^= 0xFF  # inside the zip's central directory / last member
    bad_file = tmp_path / "bad.wacz"
    bad_file.write_bytes(bytes(raw))
    bad = CliRunner().invoke(app, ["verify", str(bad_file)], env=env)
    assert bad.exit_code != 0
    assert CliRunner().invoke(app, ["export", "incident"], env=env).exit_code == 2
