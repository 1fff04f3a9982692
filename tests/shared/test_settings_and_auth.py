"""Settings guards and the signed identity, without any server."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.funding.settings import Settings as FundingSettings
from shared.auth import Identity, sign_identity, verify_identity
from shared.problems import ProblemError

SECRET = "s" * 40
IDENTITY = Identity(key_id="k1", actor="kz-mfa", scopes=frozenset({"funding:read"}))


def test_production_refuses_sqlite_and_the_default_secret() -> None:
    with pytest.raises(ValidationError) as error:
        FundingSettings(environment="production")
    assert "SQLite" in str(error.value)
    assert "SDGC_IDENTITY_SECRET" in str(error.value)


def test_production_starts_with_postgresql_and_a_real_secret() -> None:
    settings = FundingSettings(
        environment="production",
        database_url="postgresql+psycopg://app@db/funding",
        identity_secret=SECRET,
    )
    assert not settings.is_sqlite


def test_settings_read_the_app_prefix_and_the_suite_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FUNDING_DATABASE_URL", "sqlite:///var/elsewhere.db")
    monkeypatch.setenv("SDGC_IDENTITY_SECRET", SECRET)
    settings = FundingSettings()
    assert settings.database_url == "sqlite:///var/elsewhere.db"
    assert settings.identity_secret.get_secret_value() == SECRET


def test_default_database_is_a_sqlite_file_named_after_the_app() -> None:
    assert FundingSettings().database_url == "sqlite:///var/funding.db"


def _headers(**overrides: str) -> dict[str, str]:
    headers = {
        k.lower(): v
        for k, v in sign_identity(SECRET, "GET", "/api/v1/x", IDENTITY, now=1000).items()
    }
    headers.update({k.lower(): v for k, v in overrides.items()})
    return headers


def test_valid_signature_yields_the_identity() -> None:
    identity = verify_identity(SECRET, "GET", "/api/v1/x", _headers(), max_age_seconds=30, now=1010)
    assert identity == IDENTITY


@pytest.mark.parametrize(
    ("method", "path", "overrides", "now"),
    [
        ("GET", "/api/v1/x", {}, 1100),  # expired
        ("POST", "/api/v1/x", {}, 1000),  # other method
        ("GET", "/api/v1/y", {}, 1000),  # other path
        ("GET", "/api/v1/x", {"X-SDGC-Scopes": "admin"}, 1000),  # escalated scopes
        ("GET", "/api/v1/x", {"X-SDGC-Actor": "someone"}, 1000),  # other actor
        ("GET", "/api/v1/x", {"X-SDGC-Timestamp": "soon"}, 1000),  # garbage
    ],
)
def test_tampered_or_stale_signature_is_refused(
    method: str, path: str, overrides: dict[str, str], now: float
) -> None:
    with pytest.raises(ProblemError) as error:
        verify_identity(SECRET, method, path, _headers(**overrides), max_age_seconds=30, now=now)
    assert error.value.status == 401


def test_wrong_secret_is_refused() -> None:
    with pytest.raises(ProblemError):
        verify_identity("other" * 10, "GET", "/api/v1/x", _headers(), max_age_seconds=30, now=1000)


def test_admin_holds_every_scope() -> None:
    admin = Identity(key_id="a", actor="a", scopes=frozenset({"admin"}))
    assert admin.allows("funding:write") and admin.allows_any(["projects:read"])
    assert not IDENTITY.allows("funding:write")


def test_services_accept_the_previous_secret_during_a_rotation(tmp_path: object) -> None:
    from fastapi.testclient import TestClient

    from services.funding.main import create_app
    from shared.auth import SignedIdentityAuth

    new, old = "n" * 40, "o" * 40
    app = create_app(
        FundingSettings(
            environment="test",
            identity_secret=new,
            identity_secret_previous=old,
            database_url="sqlite:///:memory:",
        )
    )
    with TestClient(app) as client:
        for secret, expected in ((new, 404), (old, 404), ("x" * 40, 401)):
            client.auth = SignedIdentityAuth(secret, IDENTITY)
            assert client.get("/api/v1/nowhere").status_code == expected, secret
