"""Password hashing with argon2id (argon2-cffi).

    hasher = PasswordHasher()                       # OWASP minimum: m=19 MiB, t=2, p=1
    stored = hasher.hash("correct horse battery")   # "$argon2id$v=19$m=19456,t=2,p=1$..."
    hasher.verify(stored, "correct horse battery")  # True
    hasher.needs_rehash(stored)                     # True once the parameters were raised

Hashing is deliberately slow (about a tenth of a second): the async methods ``hash_async`` and
``verify_async`` run it in Spruce's thread pool, so the event loop keeps serving other requests.

``verify_dummy(password)`` does the work of one verification against a hash that matches
nothing: login code calls it when the user name is unknown, so an unknown name takes as long to
refuse as a wrong password and the answer's timing does not tell whether an account exists.

An *unusable* password (``UNUSABLE_PREFIX`` followed by random text) is what accounts that may
only log in some other way get: nothing verifies against it.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from ..concurrency import run_sync

if TYPE_CHECKING:
    import argon2

__all__ = ["UNUSABLE_PREFIX", "PasswordHasher", "is_usable", "unusable_password"]

UNUSABLE_PREFIX = "!"


def unusable_password() -> str:
    """A stored value no password verifies against (for accounts without one)."""
    return UNUSABLE_PREFIX + secrets.token_urlsafe(30)


def is_usable(stored: str | None) -> bool:
    """True when ``stored`` is a password hash (not empty, not an unusable marker)."""
    return bool(stored) and not str(stored).startswith(UNUSABLE_PREFIX)


class PasswordHasher:
    """argon2id with fixed parameters: ``time_cost`` passes over ``memory_kib`` KiB in
    ``parallelism`` lanes. The defaults are OWASP's minimum; raise them as your servers allow
    (stored hashes are upgraded at the next login, see ``needs_rehash``)."""

    def __init__(
        self, *, time_cost: int = 2, memory_kib: int = 19456, parallelism: int = 1
    ) -> None:
        from argon2 import PasswordHasher as Argon2Hasher
        from argon2 import Type

        self.time_cost = time_cost
        self.memory_kib = memory_kib
        self.parallelism = parallelism
        self._argon2: argon2.PasswordHasher = Argon2Hasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        """The argon2id hash of ``password``, with a fresh random salt."""
        return self._argon2.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored``; False for a mismatch, an unusable or
        malformed hash (never an exception). A hash that cannot be checked still costs a
        verification, so it cannot be told apart by its timing."""
        from argon2.exceptions import InvalidHashError, VerificationError

        if not is_usable(stored) or not str(stored).startswith("$argon2"):
            self.verify_dummy(password)
            return False
        try:
            return self._argon2.verify(str(stored), password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_dummy(self, password: str) -> None:
        """Spend the time of one verification, for a user that does not exist."""
        from argon2.exceptions import VerificationError

        if self._dummy is None:
            self._dummy = self.hash(secrets.token_urlsafe(24))
        try:
            self._argon2.verify(self._dummy, password)
        except VerificationError:
            pass

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` was made with other parameters (or another algorithm) and
        should be hashed again the next time the password is known."""
        from argon2.exceptions import InvalidHashError

        if not is_usable(stored):
            return False
        try:
            return self._argon2.check_needs_rehash(stored)
        except InvalidHashError:
            return True

    async def hash_async(self, password: str) -> str:
        """``hash`` in the thread pool."""
        return await run_sync(self.hash, password)

    async def verify_async(self, stored: str | None, password: str) -> bool:
        """``verify`` in the thread pool."""
        return await run_sync(self.verify, stored, password)

    async def verify_dummy_async(self, password: str) -> None:
        """``verify_dummy`` in the thread pool."""
        await run_sync(self.verify_dummy, password)

    def __repr__(self) -> str:
        return (
            f"<PasswordHasher argon2id m={self.memory_kib} KiB t={self.time_cost} "
            f"p={self.parallelism}>"
        )
