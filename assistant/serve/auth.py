"""Optional login for the app: the users of ``ASSISTANT_AUTH`` and which of them are admins.

``ASSISTANT_AUTH`` is either inline pairs or the path of a file of them::

    ASSISTANT_AUTH="alice:secret:admin,bob:hunter2"
    ASSISTANT_AUTH=/etc/article6/users.txt      # one user:password[:admin] per line, # comments

A password may contain ``:``; a trailing ``:admin`` marks an admin. When no users are
configured, login is off and the single local user may do everything.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConfigError

ADMIN_FLAG = "admin"


@dataclass(frozen=True)
class User:
    name: str
    password: str
    admin: bool = False

    def __repr__(self) -> str:  # never leak the password into logs or tracebacks
        return f"User(name={self.name!r}, admin={self.admin})"


@dataclass(frozen=True)
class UserTable:
    """The configured users. Empty means login is off."""

    users: tuple[User, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.users)

    def check(self, username: str, password: str) -> bool:
        """True when ``username``/``password`` match a configured user (constant-time)."""
        user = self._get(username)
        # Compare even for unknown names so timing does not reveal which names exist.
        expected = user.password if user else "\0" * max(len(password), 1)
        ok = hmac.compare_digest(expected.encode(), password.encode())
        return ok and user is not None

    def is_admin(self, username: str | None) -> bool:
        """Whether ``username`` may change the index. Everyone may when login is off."""
        if not self.enabled:
            return True
        user = self._get(username or "")
        return bool(user and user.admin)

    def _get(self, username: str) -> User | None:
        return next((u for u in self.users if u.name == username), None)


def parse_users(spec: str, *, source: str = "ASSISTANT_AUTH") -> UserTable:
    """Parse ``user:password[:admin]`` entries separated by commas or newlines.

    Raises:
        ConfigError: an entry without a password, an empty name or a duplicate name.
    """
    users: list[User] = []
    entries = [e.strip() for line in spec.splitlines() for e in line.split(",")]
    for n, entry in enumerate(entries, 1):
        if not entry or entry.startswith("#"):
            continue
        name, sep, rest = entry.partition(":")
        admin = False
        if rest.endswith(":" + ADMIN_FLAG):
            rest, admin = rest[: -len(ADMIN_FLAG) - 1], True
        if not sep or not name.strip() or not rest:
            raise ConfigError(
                f"{source}: entry {n} is not 'user:password' or 'user:password:admin'"
            )
        name = name.strip()
        if any(u.name == name for u in users):
            raise ConfigError(f"{source}: user '{name}' is listed twice")
        users.append(User(name, rest, admin))
    if not users:
        raise ConfigError(f"{source} is set but lists no users; unset it to turn login off")
    return UserTable(tuple(users))


def load_users(auth: str | None) -> UserTable:
    """The user table for a ``Settings.auth`` value: inline pairs, a file path, or None.

    Raises:
        ConfigError: the value names a file that does not exist, or an entry is malformed.
    """
    if auth is None or not auth.strip():
        return UserTable()
    auth = auth.strip()
    path = Path(auth).expanduser()
    if path.is_file():
        return parse_users(path.read_text(encoding="utf-8"), source=str(path))
    # A password may contain "/", so only a value without pairs or one that starts like a
    # path is taken for a (missing) file.
    if ":" not in auth or auth.startswith(("/", "~", "./", "../")):
        raise ConfigError(
            f"ASSISTANT_AUTH names a file that does not exist: {path}; "
            "give 'user:password[:admin]' pairs or the path of a file of them"
        )
    return parse_users(auth)
