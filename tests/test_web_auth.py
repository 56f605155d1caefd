"""Accounts and authorization of the web application, in-process against the real app on both databases:
argon2 sign-in, session cookies, CSRF on every form, the sign-in rate limit, roles, API tokens, public mode."""

from __future__ import annotations

import pytest
from websupport import client, csrf_of, open_core, sign_in

from presswatch.web.auth import InvalidUser, add_user, create_api_token, list_users


@pytest.fixture
def core(tmp_path, db_url):  # type: ignore[no-untyped-def]
    c = open_core(tmp_path, db_url)
    yield c
    c.close()


def test_passwords_are_argon2_hashes_and_bad_users_are_refused(core) -> None:  # type: ignore[no-untyped-def]
    from presswatch.record.web_models import User

    add_user(core, "Alice", "correct horse 1", "admin")
    with core.db.session() as s:
        u = s.query(User).one()
    assert u.name == "alice" and u.password_hash.startswith("$argon2id$") and "correct" not in u.password_hash
    with pytest.raises(InvalidUser, match="exists"):
        add_user(core, "alice", "another pass 2", "viewer")
    with pytest.raises(InvalidUser, match="8 characters"):
        add_user(core, "bob", "short", "viewer")
    with pytest.raises(InvalidUser, match="role"):
        add_user(core, "bob", "long enough 1", "root")
    assert [r["name"] for r in list_users(core)] == ["alice"]


def test_sign_in_sets_a_httponly_samesite_session_and_sign_out_ends_it(core) -> None:  # type: ignore[no-untyped-def]
    c = client(core)
    sign_in(c, core, "ed", "editor")
    cookie = next(h for h in c.cookies.jar if h.name == "pw_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.get_nonstandard_attr("SameSite") in ("lax", "Lax")
    assert not cookie.secure  # plain HTTP here; Secure is set over HTTPS
    page = c.get("/")
    assert "ed (editor)" in page.text
    me = c.get("/api/v1/me").json()
    assert me["role"] == "editor" and me["via"] == "session" and me["csrf_token"] == csrf_of(page.text)
    r = c.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    assert "ed (editor)" not in c.get("/").text


def test_secure_cookie_over_https(core) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from presswatch.web.app import create_app
    from presswatch.web.auth import add_user

    add_user(core, "sec", "correct horse 1", "viewer")
    c = TestClient(create_app(core), base_url="https://testserver", follow_redirects=False)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"name": "sec", "password": "correct horse 1", "csrf_token": token})
    assert r.status_code == 303
    header = r.headers["set-cookie"]
    assert "pw_session=" in header and "Secure" in header and "HttpOnly" in header


def test_wrong_password_and_rate_limit(core) -> None:  # type: ignore[no-untyped-def]
    add_user(core, "vic", "correct horse 1", "viewer")
    c = client(core)
    token = csrf_of(c.get("/login").text)
    for _ in range(core.settings.login_max_failures):
        r = c.post("/login", data={"name": "vic", "password": "wrong", "csrf_token": token})
        assert r.status_code == 401 and "wrong user name or password" in r.text
    r = c.post("/login", data={"name": "vic", "password": "correct horse 1", "csrf_token": token})
    assert r.status_code == 429 and "too many failed sign-ins" in r.text
    assert "pw_session" not in r.headers.get("set-cookie", "")


def test_every_form_needs_its_csrf_token(core) -> None:  # type: ignore[no-untyped-def]
    c = client(core)
    assert c.post("/login", data={"name": "x", "password": "y"}).status_code == 403
    sign_in(c, core, "ed", "editor")
    before = c.get("/api/v1/watches").json()["total"]
    for path, data in (("/watches", {"url": "http://127.0.0.1:9/a"}), ("/demands/new", {"title": "t"}),
                       ("/incidents/new", {"title": "t"}), ("/logout", {})):
        r = c.post(path, data=data)
        assert r.status_code == 403, path
        r = c.post(path, data={**data, "csrf_token": "forged"})
        assert r.status_code == 403, path
    assert c.get("/api/v1/watches").json()["total"] == before
    # API writes with the session cookie need the header; with it they work
    assert c.post("/api/v1/watches", json={"url": "http://127.0.0.1:9/a"}).status_code == 403
    token = csrf_of(c.get("/").text)
    r = c.post("/api/v1/watches", json={"url": "http://127.0.0.1:9/a"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201


def test_viewer_cannot_write(core) -> None:  # type: ignore[no-untyped-def]
    c = client(core)
    sign_in(c, core, "val", "viewer")
    token = csrf_of(c.get("/logout").text)
    assert c.get("/demands/new").status_code == 403
    assert c.post("/watches", data={"url": "http://127.0.0.1:9/a", "csrf_token": token}).status_code == 403
    assert c.post("/demands/new", data={"title": "t", "csrf_token": token}).status_code == 403
    assert c.post("/api/v1/watches", json={"url": "http://127.0.0.1:9/a"},
                  headers={"X-CSRF-Token": token}).status_code == 403
    assert c.get("/api/v1/watches").json()["total"] == 0


def test_api_tokens_as_bearer(core) -> None:  # type: ignore[no-untyped-def]
    add_user(core, "bot", "correct horse 1", "editor")
    token = create_api_token(core, "bot", "script")
    c = client(core)
    h = {"Authorization": f"Bearer {token}"}
    r = c.post("/api/v1/watches", json={"url": "http://127.0.0.1:9/x", "tags": {"outlet": "O"}}, headers=h)
    assert r.status_code == 201, r.text
    wid = r.json()["id"]
    assert c.patch(f"/api/v1/watches/{wid}", json={"interval": 3600}, headers=h).json()["watch"]["interval"] == 3600
    assert c.delete(f"/api/v1/watches/{wid}", headers=h).status_code == 200
    assert c.get("/api/v1/watches", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert c.post("/api/v1/watches", json={"url": "http://127.0.0.1:9/y"}).status_code == 401
    assert c.get("/api/v1/probes", headers=h).status_code == 403  # editors are not admins


def test_adding_a_watch_goes_through_the_ssrf_guard(tmp_path, db_url) -> None:  # type: ignore[no-untyped-def]
    strict = open_core(tmp_path, db_url, allow_private=False)
    try:
        add_user(strict, "bot", "correct horse 1", "editor")
        h = {"Authorization": f"Bearer {create_api_token(strict, 'bot')}"}
        c = client(strict)
        for url in ("http://127.0.0.1/x", "http://10.0.0.1/y", "http://169.254.169.254/latest"):
            r = c.post("/api/v1/watches", json={"url": url}, headers=h)
            assert r.status_code == 422 and "refused" in r.json()["detail"][0]["msg"], url
        assert c.post("/api/v1/watches", json={"url": "not a url"}, headers=h).status_code == 422
        sign_in(c, strict, "ed", "editor")
        r = c.post("/watches", data={"url": "http://127.0.0.1/x", "csrf_token": csrf_of(c.get("/").text)})
        assert r.status_code == 422 and "127.0.0.1" in r.text
        assert c.get("/api/v1/watches", headers=h).json()["total"] == 0
    finally:
        strict.close()


def test_private_mode_needs_sign_in_everywhere_but_login_and_probes(tmp_path, db_url) -> None:  # type: ignore[no-untyped-def]
    closed = open_core(tmp_path, db_url, public_read=False)
    try:
        c = client(closed)
        assert c.get("/").status_code == 303 and c.get("/").headers["location"].startswith("/login")
        for path in ("/api/v1/watches", "/api/v1/events", "/api/v1/status", "/api/v1/measurements", "/docs"):
            assert c.get(path).status_code == 401, path
        assert c.get("/login").status_code == 200 and c.get("/static/style.css").status_code == 200
        assert c.post("/api/v1/probes/enroll", json={}).status_code != 401  # the probe protocol has its own auth
        sign_in(c, closed, "val", "viewer")
        assert c.get("/").status_code == 200 and c.get("/api/v1/watches").status_code == 200
    finally:
        closed.close()


def test_user_commands(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from runsupport import CLI, cli, cli_env

    env = cli_env(tmp_path / "data")
    add = subprocess.run([*CLI, "user", "add", "Alice", "--role", "admin", "--password-stdin"], env=env,
                         input="correct horse 1\n", capture_output=True, text=True, timeout=120)
    assert add.returncode == 0 and add.stdout.strip() == "1", add.stderr
    short = subprocess.run([*CLI, "user", "add", "bob", "--password-stdin"], env=env, input="short\n",
                           capture_output=True, text=True, timeout=120)
    assert short.returncode == 2 and "8 characters" in short.stderr and short.stdout == ""
    token = cli(["user", "token", "alice"], env)
    assert token.returncode == 0 and token.stdout.startswith("pwt_")
    listing = cli(["user", "list", "--json"], env)
    assert '"name": "alice"' in listing.stdout and '"role": "admin"' in listing.stdout
    assert '"api_tokens": 1' in listing.stdout
    assert cli(["user", "token", "nobody"], env).returncode == 2
