"""Users recently loaded to check a token, kept in this process for a few seconds so that
a request does not read its caller from the database every time.

The bound, which every process serving requests shares: an account disabled, or given a
new password (both move its ``token_version``), by *another* process (another API
replica, the ``casework users`` command) still gets in here for at most
:data:`TTL_SECONDS`. In this process the change takes effect at once:
``accounts.disable_user`` and ``accounts.reset_password`` forget the user in every cache
of the process, when they change the row and again when its transaction commits.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from services.users.model import User

TTL_SECONDS = 5.0

_caches: weakref.WeakSet[RecentUsers] = weakref.WeakSet()


class RecentUsers:
    """Users by (name, token version), each for ``ttl`` seconds after it was read."""

    def __init__(
        self,
        *,
        ttl: float = TTL_SECONDS,
        max_users: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_users = max_users
        self.clock = clock
        self._users: OrderedDict[tuple[str, int], tuple[float, User]] = OrderedDict()
        self._forgotten = 0  # moves on every forget: a load that began before is not kept
        self._lock = threading.Lock()
        _caches.add(self)

    def user(self, username: str, version: int, load: Callable[[], User | None]) -> User | None:
        """The user named by a token of ``version``: kept, or else ``load()``-ed and kept."""
        key = (username, version)
        now = self.clock()  # before the read: what it returns is at least this old
        with self._lock:
            kept = self._users.get(key)
            if kept is not None and now - kept[0] < self.ttl:
                return kept[1]
            forgotten = self._forgotten
        user = load()
        with self._lock:
            if user is not None and forgotten == self._forgotten:
                self._users.pop(key, None)
                self._users[key] = (now, user)  # newest last
                while len(self._users) > self.max_users:
                    self._users.popitem(last=False)
        return user

    def forget(self, username: str) -> None:
        with self._lock:
            self._forgotten += 1
            for key in [key for key in self._users if key[0] == username]:
                del self._users[key]


def forget_user(session: Session, username: str) -> None:
    """Forget ``username`` in every cache of this process now and when ``session``
    commits (a request that read the old row in between is not kept either)."""
    _forget_everywhere(username)
    event.listen(session, "after_commit", lambda _s: _forget_everywhere(username), once=True)


def _forget_everywhere(username: str) -> None:
    for cache in list(_caches):
        cache.forget(username)
