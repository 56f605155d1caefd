"""One settings object: defaults < config file < environment < CLI flags; bad values are clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from presswatch.errors import ConfigError
from presswatch.settings import load_settings


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "pw.toml"
    cfg.write_text('[presswatch]\ntimeout = 7.5\nconcurrency = 3\nvantage = "file"\n')
    monkeypatch.delenv("PRESSWATCH_ALLOW_PRIVATE", raising=False)
    s = load_settings(cfg)
    assert (s.timeout, s.concurrency, s.vantage, s.allow_private) == (7.5, 3, "file", False)
    monkeypatch.setenv("PRESSWATCH_CONCURRENCY", "9")
    s = load_settings(cfg)
    assert (s.timeout, s.concurrency) == (7.5, 9)  # env beats the file
    s = load_settings(cfg, concurrency=11, data=tmp_path / "d")
    assert s.concurrency == 11 and s.data == tmp_path / "d"  # flags beat both
    assert s.db_url.startswith("sqlite:///") and s.db_url.endswith("d/presswatch.sqlite3")


def test_bad_config_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("timeout = [")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(bad)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('timeout = "soon"\n')
    with pytest.raises(ConfigError, match="invalid settings"):
        load_settings(wrong)
    with pytest.raises(ConfigError):
        load_settings(tmp_path / "missing.toml")


def test_bad_environment_value_is_a_clear_cli_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from presswatch.cli import app

    res = CliRunner().invoke(app, ["list"], env={"PRESSWATCH_DATA": str(tmp_path), "PRESSWATCH_TIMEOUT": "soon"})
    assert res.exit_code == 2
    assert "invalid PRESSWATCH_* environment setting" in res.output and "Traceback" not in res.output
