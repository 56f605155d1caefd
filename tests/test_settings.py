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


def test_unknown_config_key_is_an_error_naming_the_closest(tmp_path: Path) -> None:
    cfg = tmp_path / "typo.toml"
    cfg.write_text("[presswatch]\ntimeot = 5\n")
    with pytest.raises(ConfigError, match=r"unknown setting 'timeot' \(did you mean 'timeout'\?\)"):
        load_settings(cfg)
    cfg.write_text("presswatch = 3\n")
    with pytest.raises(ConfigError, match="must be a table"):
        load_settings(cfg)


def test_unknown_environment_variable_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PRESSWATCH_CONFRIM_CHECKS", "5")
    monkeypatch.setenv("PRESSWATCH_TEST_PG", "postgresql://x")  # the test suite's own, not a setting
    with caplog.at_level("WARNING", logger="presswatch.settings"):
        s = load_settings(data=tmp_path)
    assert s.confirm_checks == 3
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [
        "unknown environment variable PRESSWATCH_CONFRIM_CHECKS is ignored; did you mean PRESSWATCH_CONFIRM_CHECKS?"
    ]


def test_every_setting_the_code_reads_is_a_field() -> None:
    """``settings.<name>`` anywhere in the package names a field or property of Settings."""
    import re

    import presswatch
    from presswatch.settings import Settings

    root = Path(presswatch.__file__).parent
    known = set(Settings.model_fields) | {n for n in dir(Settings) if not n.startswith("_")}
    used: set[tuple[str, str]] = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in re.findall(r"\bsettings\.([a-z_][a-z0-9_]*)", text):
            used.add((path.name, name))
        assert not re.search(r"getattr\(\s*(self\.)?(core\.)?settings\b", text), f"{path}: getattr on settings"
        assert "environ.get(\"PRESSWATCH_" not in text, f"{path} reads a PRESSWATCH_ variable directly"
    unknown = sorted((f, n) for f, n in used if n not in known)
    assert not unknown, unknown
