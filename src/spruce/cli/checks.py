"""The core's deploy checks and the runner behind ``spruce check``.

A check is ``func(app)`` yielding problem descriptions; batteries add theirs with
``app.add_check(func, deploy=...)``. Deploy checks only run for ``spruce check --deploy``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..app import MIN_SECRET_LENGTH, Check, is_weak_secret
from ..exceptions import SpruceError

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = [
    "CORE_CHECKS",
    "check_allowed_hosts",
    "check_debug",
    "check_secret_key",
    "check_security_battery",
    "run_checks",
]

SECRET_KEY_HINT = (
    "Set SPRUCE_SECRET_KEY to at least 32 random characters, e.g. the output of: "
    'python -c "import secrets; print(secrets.token_urlsafe(48))"'
)


def check_debug(app: Spruce) -> Iterator[str]:
    """Debug mode must be off in production."""
    if app.debug:
        yield (
            "security.W001 debug mode is on: error pages show tracebacks, code and settings to anyone. "
            "Unset SPRUCE_DEBUG (or set it to 0) in production."
        )


def check_secret_key(app: Spruce) -> Iterator[str]:
    """The secret key must be set and strong (the rule the app applies at startup)."""
    key = app.config.secret_key
    if key is None:
        yield f"security.W002 no secret key is set: signed cookies, sessions and tokens need one. {SECRET_KEY_HINT}"
    elif is_weak_secret(key):
        yield (
            f"security.W002 the secret key is too weak (shorter than {MIN_SECRET_LENGTH} characters or a "
            f"well-known value): signatures made with it can be forged. {SECRET_KEY_HINT}"
        )


def check_allowed_hosts(app: Spruce) -> Iterator[str]:
    """``allowed_hosts`` must not accept every host name."""
    if "*" in app.config.allowed_hosts:
        yield (
            "security.W003 allowed_hosts contains '*': any Host header is accepted, which lets attackers "
            "poison links built from it (password reset e-mails, caches). List your domain "
            "names in SPRUCE_ALLOWED_HOSTS instead."
        )


def check_security_battery(app: Spruce) -> Iterator[str]:
    """The security battery (CSRF, security headers, allowed hosts) must be installed."""
    if "security" not in app.batteries:
        yield (
            "security.W004 the security battery is off (Spruce(security=False)): no CSRF "
            "checks, no security headers, no allowed-hosts check. Remove security=False; turn "
            "single protections off with Security(...) settings instead."
        )


CORE_CHECKS = (
    Check(check_debug, deploy=True),
    Check(check_secret_key, deploy=True),
    Check(check_allowed_hosts, deploy=True),
    Check(check_security_battery, deploy=True),
)


def run_checks(app: Spruce, *, deploy: bool = False) -> list[str]:
    """The problems found by the app's checks and the core's (deploy ones only with ``deploy``),
    then whether the app can start (routes and handler signatures compile). Duplicates are
    reported once; a check that raises is reported as a problem."""
    problems: list[str] = []
    for check in (*CORE_CHECKS, *app.checks):
        if check.deploy and not deploy:
            continue
        for problem in _problems_of(check, app):
            if problem not in problems:
                problems.append(problem)
    problems.extend(_startup_problems(app))
    return problems


def _problems_of(check: Check, app: Spruce) -> Iterable[str]:
    name = getattr(check.func, "__qualname__", repr(check.func))
    try:
        return [str(problem) for problem in check.func(app)]
    except Exception as exc:
        return [f"the check {name} failed: {type(exc).__name__}: {exc}"]


def _startup_problems(app: Spruce) -> list[str]:
    """Freeze the app the way a server would at startup; report why it would not start."""
    if app.started:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            app.freeze()
        except SpruceError as exc:
            return [f"the app cannot start: {exc}"]
    return []
