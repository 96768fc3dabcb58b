from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.serve.auth import UserTable, load_users, parse_users


def test_no_auth_means_login_off_and_everyone_admin() -> None:
    for value in (None, "", "   "):
        users = load_users(value)
        assert not users.enabled
        assert users.is_admin(None)
        assert users.is_admin("anyone")


def test_inline_pairs_with_admin_flag() -> None:
    users = load_users("alice:secret:admin, bob:hunter2")
    assert users.enabled
    assert users.check("alice", "secret")
    assert users.check("bob", "hunter2")
    assert users.is_admin("alice")
    assert not users.is_admin("bob")


@pytest.mark.parametrize(
    ("user", "password", "ok"),
    [
        ("alice", "secret", True),
        ("alice", "wrong", False),
        ("alice", "", False),
        ("mallory", "secret", False),
        ("", "", False),
        ("Alice", "secret", False),  # names are case-sensitive
    ],
)
def test_check(user: str, password: str, ok: bool) -> None:
    assert load_users("alice:secret:admin").check(user, password) is ok


def test_password_may_contain_colons_and_slashes() -> None:
    users = load_users("carol:a:b/c:admin,dave:x:y")
    assert users.check("carol", "a:b/c") and users.is_admin("carol")
    assert users.check("dave", "x:y") and not users.is_admin("dave")


def test_users_file_with_comments(tmp_path: Path) -> None:
    f = tmp_path / "users.txt"
    f.write_text("# the admins\nalice:pw1:admin\n\nbob:pw2\n", encoding="utf-8")
    users = load_users(str(f))
    assert users.check("alice", "pw1") and users.is_admin("alice")
    assert users.check("bob", "pw2") and not users.is_admin("bob")


def test_unknown_user_is_not_admin_when_login_is_on() -> None:
    assert not load_users("alice:pw:admin").is_admin(None)
    assert not load_users("alice:pw:admin").is_admin("eve")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("/no/such/users.txt", "does not exist"),
        ("users.txt", "does not exist"),
        ("alice", "does not exist"),
        ("alice:", "not 'user:password'"),
        (":pw", "not 'user:password'"),
        ("alice:pw,alice:other", "listed twice"),
    ],
)
def test_malformed_values_fail_with_a_message(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_users(value)


def test_a_file_without_users_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "users.txt"
    f.write_text("# nobody yet\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="lists no users"):
        load_users(str(f))


def test_password_never_in_repr() -> None:
    users = parse_users("alice:topsecret:admin")
    assert "topsecret" not in repr(users)
    assert isinstance(users, UserTable)
