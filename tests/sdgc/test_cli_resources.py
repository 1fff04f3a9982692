"""``sdgc <resource> list|show|create`` and where the CLI finds the API and its key."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from sdgc import Client, config
from tests.sdgc.helpers import as_json, run_cli
from tests.support.suite import ADMIN_KEY, Suite


def test_create_show_and_list_a_contributor(suite: Suite, tmp_path: Path) -> None:
    name = f"Kazakhstan {uuid.uuid4().hex[:8]}"
    body = json.dumps({"name": name, "type": "host_country", "country": "KZ"})
    made = run_cli(suite, tmp_path, "-o", "json", "contributors", "create", "--data", body)
    assert made.returncode == 0, made.stderr
    record = as_json(made)
    shown = run_cli(suite, tmp_path, "-o", "json", "contributors", "show", str(record["id"]))
    assert as_json(shown) == record
    table = run_cli(suite, tmp_path, "contributors", "list", "--where", f"q={name}")
    assert table.returncode == 0 and name in table.stdout and "host_country" in table.stdout
    listed = run_cli(suite, tmp_path, "contributors", "list", "-w", f"q={name}", "-o", "json")
    assert [c["id"] for c in as_json(listed)] == [record["id"]]


def test_a_create_retried_with_its_key_creates_once(suite: Suite, tmp_path: Path) -> None:
    source = tmp_path / "org.json"
    source.write_text(json.dumps({"name": f"NGO {uuid.uuid4().hex[:8]}", "type": "22"}))
    args = (
        "-o",
        "json",
        "organisations",
        "create",
        "--file",
        str(source),
        "--idempotency-key",
        f"cli-{uuid.uuid4()}",
    )
    first, second = run_cli(suite, tmp_path, *args), run_cli(suite, tmp_path, *args)
    assert as_json(first)["id"] == as_json(second)["id"]


def test_a_refused_create_exits_1_naming_the_field(suite: Suite, tmp_path: Path) -> None:
    ran = run_cli(suite, tmp_path, "contributors", "create", "--data", '{"name": "X"}')
    assert ran.returncode == 1
    assert "422" in ran.stderr and "type" in ran.stderr


def test_the_url_and_key_come_from_a_config_file_when_neither_flag_nor_environment(
    suite: Suite, tmp_path: Path
) -> None:
    settings = tmp_path / "config" / "sdgc" / "config.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text(f'url = "{suite.gateway_url}"\napi_key = "{ADMIN_KEY}"\n')
    ran = run_cli(
        suite, tmp_path, "-o", "json", "rates", "list", "--limit", "1", SDGC_URL="", SDGC_API_KEY=""
    )
    assert ran.returncode == 0, ran.stderr
    wrong_key = run_cli(
        suite, tmp_path, "--api-key", "not-a-key", "rates", "list", SDGC_URL="", SDGC_API_KEY=""
    )
    assert wrong_key.returncode == 1 and "401" in wrong_key.stderr


def test_without_url_or_key_the_cli_says_where_to_put_them(suite: Suite, tmp_path: Path) -> None:
    ran = run_cli(suite, tmp_path, "rates", "list", SDGC_URL="", SDGC_API_KEY="")
    assert ran.returncode == 2 and "SDGC_URL" in ran.stderr


def test_flags_win_over_the_environment_which_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "config.toml"
    settings.write_text('url = "http://file"\napi_key = "file-key"\n')
    assert config.resolve(None, None, settings) == config.Settings("http://file", "file-key")
    assert config.resolve("http://flag/", None, settings) == config.Settings(
        "http://flag", "file-key"
    )
    with pytest.raises(config.ConfigError):
        config.resolve(None, None, tmp_path / "missing.toml")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nowhere"))
    monkeypatch.delenv("SDGC_CONFIG", raising=False)
    with pytest.raises(config.ConfigError, match="no URL"):
        config.resolve(None, "key", None)


def test_an_unreachable_api_exits_4(suite: Suite, tmp_path: Path) -> None:
    ran = run_cli(suite, tmp_path, "--url", "http://127.0.0.1:9", "rates", "list")
    assert ran.returncode == 4 and "could not be reached" in ran.stderr


def test_a_script_finds_the_url_and_key_as_the_cli_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "config.toml"
    settings.write_text('url = "http://file:8000/"\napi_key = "file-key"\n')
    monkeypatch.setenv("SDGC_CONFIG", str(settings))
    monkeypatch.setenv("SDGC_API_KEY", "env-key")
    monkeypatch.delenv("SDGC_URL", raising=False)
    with Client.from_config() as sdgc:
        assert str(sdgc.http.base_url) == "http://file:8000"
        assert sdgc.http.headers["authorization"] == "Bearer env-key"
