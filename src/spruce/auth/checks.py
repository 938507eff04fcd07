"""What ``spruce check`` (and ``spruce check --deploy``) say about authentication."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["check_configuration", "check_deploy"]


def check_configuration(app: Spruce) -> Iterator[str]:
    """Settings that cannot work: rate limits the limiter cannot read."""
    from ..exceptions import ImproperlyConfigured
    from ..security.ratelimit import limiter_for
    from .battery import get_auth

    auth = get_auth(app)
    config = auth.config
    limiter = limiter_for(app)
    for name in (
        "login_failures_per_account",
        "login_failures_per_address",
        "registrations_per_address",
        "reset_requests_per_address",
        "reset_requests_per_email",
    ):
        try:
            limiter.parse(getattr(config, name))
        except ImproperlyConfigured as exc:
            yield f"auth {name}: {exc}"


def check_deploy(app: Spruce) -> Iterator[str]:
    """Production readiness: strong hashing, reset links that cannot be poisoned."""
    from .battery import get_auth

    auth = get_auth(app)
    config = auth.config
    if config.hashing_below_owasp_minimum:
        yield (
            f"auth: argon2id with m={config.argon2_memory_kib} KiB, t={config.argon2_time_cost} is "
            "weaker than OWASP's minimum (m=19456 KiB, t=2): raise SPRUCE_AUTH_ARGON2_MEMORY_KIB "
            "and SPRUCE_AUTH_ARGON2_TIME_COST"
        )
    if (
        auth.password_reset_enabled
        and "*" in app.config.allowed_hosts
        and not (app.config.server_name)
    ):
        yield (
            "auth: password-reset links are built from the request's Host header and "
            "allowed_hosts is '*': set SPRUCE_SERVER_NAME or list your host names in "
            "SPRUCE_ALLOWED_HOSTS, so nobody can make the app mail links to their own site"
        )
    if config.password_min_length < 8:
        yield (
            f"auth: passwords of {config.password_min_length} characters are accepted; "
            "use at least 8 (SPRUCE_AUTH_PASSWORD_MIN_LENGTH)"
        )
