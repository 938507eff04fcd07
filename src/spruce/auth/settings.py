"""The auth battery's settings: ``Auth(...)`` arguments, else ``SPRUCE_AUTH_*`` variables.

| variable (``SPRUCE_AUTH_`` + ...) | default | meaning |
|---|---|---|
| ``PREFIX`` | ``/auth`` | where the login, logout, registration and password pages live |
| ``API_PREFIX`` | ``/auth/api`` | where the JSON endpoints live (``""``: no API) |
| ``REGISTRATION`` | ``true`` | offer ``/auth/register`` (and ``POST /auth/api/register``) |
| ``LOGIN_REDIRECT`` | ``/`` | where a login goes without a ``next=`` |
| ``LOGOUT_REDIRECT`` | ``/`` | where a logout goes |
| ``PASSWORD_MIN_LENGTH`` | 8 | shortest password accepted |
| ``PASSWORD_MAX_LENGTH`` | 1024 | longest password accepted (hashing is bounded) |
| ``ARGON2_TIME_COST`` | 2 | argon2id passes (OWASP minimum: 2 with 19 MiB) |
| ``ARGON2_MEMORY_KIB`` | 19456 | argon2id memory, KiB (19 MiB) |
| ``ARGON2_PARALLELISM`` | 1 | argon2id lanes |
| ``RESET_TIMEOUT`` | 3600 | seconds a password-reset link works |
| ``TOKEN_LIFETIME`` | 2592000 | seconds an API token works (30 days; 0: until revoked) |
| ``LOGIN_FAILURES_PER_ACCOUNT`` | ``5 per 15 minutes`` | failed logins allowed per user name |
| ``LOGIN_FAILURES_PER_ADDRESS`` | ``30 per 15 minutes`` | failed logins allowed per client address |
| ``REGISTRATIONS_PER_ADDRESS`` | ``10 per hour`` | accounts one address may create |
| ``RESET_REQUESTS_PER_ADDRESS`` | ``10 per hour`` | reset mails one address may ask for |
| ``RESET_REQUESTS_PER_EMAIL`` | ``3 per hour`` | reset mails one address may receive |

Limits are written for the ``limits`` library (``"5 per 15 minutes"``, ``"5/minute;50/day"``) and
counted by the security battery's rate limiter (memory, or Redis with
``SPRUCE_RATE_LIMIT_STORAGE``). The environment is read only when a ``SPRUCE_*`` variable or a
``.env`` file exists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..battery_settings import load_values
from ..config import environment_configures_spruce
from ..exceptions import ImproperlyConfigured

__all__ = ["OWASP_MINIMUM", "AuthConfig", "load_config"]

OWASP_MINIMUM = {"time_cost": 2, "memory_kib": 19456, "parallelism": 1}
"""The weakest argon2id parameters OWASP accepts (m=19 MiB, t=2, p=1)."""


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """The resolved auth settings (see the module docstring for each one)."""

    prefix: str = "/auth"
    api_prefix: str = "/auth/api"
    registration: bool = True
    login_redirect: str = "/"
    logout_redirect: str = "/"
    password_min_length: int = 8
    password_max_length: int = 1024
    argon2_time_cost: int = OWASP_MINIMUM["time_cost"]
    argon2_memory_kib: int = OWASP_MINIMUM["memory_kib"]
    argon2_parallelism: int = OWASP_MINIMUM["parallelism"]
    reset_timeout: int = 3600
    token_lifetime: int = 30 * 24 * 3600
    login_failures_per_account: str = "5 per 15 minutes"
    login_failures_per_address: str = "30 per 15 minutes"
    registrations_per_address: str = "10 per hour"
    reset_requests_per_address: str = "10 per hour"
    reset_requests_per_email: str = "3 per hour"

    @property
    def hashing_below_owasp_minimum(self) -> bool:
        """True when the argon2id parameters are weaker than OWASP's minimum."""
        return (
            self.argon2_memory_kib < OWASP_MINIMUM["memory_kib"]
            or self.argon2_time_cost < OWASP_MINIMUM["time_cost"]
        )

    def replace(self, **changes: Any) -> AuthConfig:
        """A copy with some values changed (and checked)."""
        return _validated(replace(self, **changes))


def load_config(arguments: dict[str, Any]) -> AuthConfig:
    """The settings: ``arguments`` that are not None win over ``SPRUCE_AUTH_*`` variables,
    which win over the defaults. ``ImproperlyConfigured`` names a value that cannot work."""
    values = load_values(
        AuthConfig,
        arguments,
        owner="Auth()",
        env_prefix="SPRUCE_AUTH_",
        environment=environment_configures_spruce(),
    )
    return _validated(AuthConfig(**values))


def _validated(config: AuthConfig) -> AuthConfig:
    for name in ("prefix", "api_prefix"):
        value = getattr(config, name)
        if value and (not value.startswith("/") or value.endswith("/")):
            raise ImproperlyConfigured(
                f"auth {name}={value!r}: write a path that starts with '/' and does not end "
                "with one, e.g. '/auth'"
            )
    if config.password_min_length < 1 or config.password_max_length < config.password_min_length:
        raise ImproperlyConfigured(
            "auth password_min_length must be at least 1 and at most password_max_length"
        )
    if config.password_max_length > 4096:
        raise ImproperlyConfigured(
            "auth password_max_length is over 4096: very long passwords make hashing and the "
            "similarity check an easy way to tie up the server"
        )
    if min(config.argon2_time_cost, config.argon2_memory_kib, config.argon2_parallelism) < 1:
        raise ImproperlyConfigured("auth argon2 parameters must be positive numbers")
    if config.argon2_memory_kib < 8 * config.argon2_parallelism:
        raise ImproperlyConfigured("auth argon2_memory_kib must be at least 8 x argon2_parallelism")
    if config.reset_timeout < 60:
        raise ImproperlyConfigured("auth reset_timeout must be at least 60 seconds")
    if config.token_lifetime < 0:
        raise ImproperlyConfigured("auth token_lifetime must be 0 (until revoked) or seconds")
    for redirect in ("login_redirect", "logout_redirect"):
        target = getattr(config, redirect)
        if not target.startswith("/") or target.startswith(("//", "/\\")):
            raise ImproperlyConfigured(
                f"auth {redirect}={target!r}: use a path on this site, such as '/'"
            )
    return config
