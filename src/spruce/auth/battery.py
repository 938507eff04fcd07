"""``Auth``: the battery that knows who is making each request.

    app = Spruce(batteries=[Sessions(), Database(), Mail(), Auth()])

gives the app ``request.user`` (and ``current_user`` in templates), ``login_required`` and
``permission_required``, the pages under ``/auth`` (login, logout, registration, password change,
password reset by mail when the mail battery is installed), the JSON endpoints under
``/auth/api`` (tokens for scripts and mobile apps), ``spruce auth createuser``, and the tables
with their migration (``spruce db upgrade`` creates them). See ``docs/auth.md``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..exceptions import ImproperlyConfigured
from .forms import LoginForm, RegistrationForm

if TYPE_CHECKING:
    from ..app import Spruce
    from ..db import Database
    from ..forms import Form
    from ..requests import HTTPConnection
    from ..routing.routes import Route
    from .passwords import PasswordHasher
    from .settings import AuthConfig
    from .validation import PasswordValidator

__all__ = ["MIGRATIONS_FOLDER", "Auth", "get_auth"]

MIGRATIONS_FOLDER = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "migrations", "versions"
)
"""The auth tables' migrations, run by ``spruce db upgrade`` with the app's own."""


class Auth:
    """Users, logins, permissions and API tokens.

    ``user_model`` / ``token_model``: your own models (classes or ``"module:Class"``), built on
    ``AbstractUser`` / ``AbstractAPIToken`` (see ``spruce.auth.models``); default ``User`` and
    ``APIToken``. ``password_validators``: the password rules (default: length, common
    passwords, similarity to the user name and address, not only digits).
    ``login_form`` / ``registration_form``: the forms of those pages. Other keyword arguments
    are settings (``prefix="/account"``, ``registration=False``, ``argon2_memory_kib=65536``...;
    see ``spruce.auth.settings``), which otherwise come from ``SPRUCE_AUTH_*`` variables.
    """

    name: ClassVar[str] = "auth"
    requires: ClassVar[tuple[str, ...]] = ("db", "sessions", "security")

    def __init__(
        self,
        *,
        user_model: type | str | None = None,
        token_model: type | str | None = None,
        password_validators: Sequence[PasswordValidator] | None = None,
        login_form: type[Form] = LoginForm,
        registration_form: type[Form] = RegistrationForm,
        **settings: Any,
    ) -> None:
        from .settings import load_config

        self._config: AuthConfig = load_config(settings)
        self._user_model_choice = user_model
        self._token_model_choice = token_model
        self._validators = list(password_validators) if password_validators is not None else None
        self.login_form = login_form
        self.registration_form = registration_form
        self._hasher: PasswordHasher | None = None
        self._user_model: type | None = None
        self._token_model: type | None = None
        self.app: Spruce | None = None

    # -- the battery ----------------------------------------------------------------------------
    def install(self, app: Spruce) -> None:
        """Plug authentication into ``app``."""
        from ..db.migrations import add_battery_migrations
        from .checks import check_configuration, check_deploy

        self.app = app
        app.extensions[self.name] = self
        self._resolve_models()
        self.database.add_models(*self._model_modules())  # tables for migrations, create_all
        add_battery_migrations(app, MIGRATIONS_FOLDER)  # spruce db upgrade creates them
        app.use_secret_key("auth")  # session hashes and password-reset links are signed
        app.add_route_wrapper(self._guard_route)  # request.user, login_required, permissions
        app.templates.add_package("spruce.auth")  # pages and mails, overridable
        app.templates.add_context_processor(_template_context)  # current_user
        self._include_routes(app)  # /auth pages and /auth/api endpoints
        app.add_command(_commands)  # spruce auth createuser (click loads when the CLI runs)
        app.add_check(check_configuration)
        app.add_check(check_deploy, deploy=True)

    def _include_routes(self, app: Spruce) -> None:
        from .api import api_router
        from .views import pages_router

        config = self.config
        app.include(pages_router(self), prefix=config.prefix)
        if config.api_prefix:
            app.include(api_router(self), prefix=config.api_prefix)

    def _guard_route(self, route: Route, handler: Any) -> Any:
        from .loading import guard_route

        return guard_route(self, route, handler)

    # -- models ---------------------------------------------------------------------------------
    def _resolve_models(self) -> None:
        choice, token_choice = self._user_model_choice, self._token_model_choice
        if choice is None and token_choice is None:
            from .default_models import APIToken, User

            self._user_model, self._token_model = User, APIToken
            return
        if choice is None:
            raise ImproperlyConfigured(
                "Auth(token_model=...) needs user_model= too: a token model belongs to your own "
                "user model"
            )
        self._user_model = _load_class(choice, "user_model")
        if token_choice is None:
            if self.config.api_prefix:
                raise ImproperlyConfigured(
                    "Auth(user_model=...) with the API on needs token_model= too: define a model "
                    "on AbstractAPIToken whose user_id points at your user table, or turn the "
                    "API off with Auth(..., api_prefix='')"
                )
            return
        self._token_model = _load_class(token_choice, "token_model")

    def _model_modules(self) -> list[str]:
        modules = ["spruce.auth.models"]
        for model in (self._user_model, self._token_model):
            if model is not None and model.__module__ not in modules:
                modules.append(model.__module__)
        return modules

    @property
    def uses_default_models(self) -> bool:
        """True when the app uses Spruce's ``User`` (its migration creates ``auth_user``)."""
        return self._user_model_choice is None

    @property
    def user_model(self) -> Any:
        """The user model class."""
        if self._user_model is None:
            self._resolve_models()
        return self._user_model

    @property
    def token_model(self) -> Any:
        """The API token model class (``ImproperlyConfigured`` when there is none)."""
        if self._token_model is None and self._user_model is None:
            self._resolve_models()
        if self._token_model is None:
            raise ImproperlyConfigured("API tokens need Auth(token_model=...) with your user model")
        return self._token_model

    # -- settings and tools ---------------------------------------------------------------------
    @property
    def config(self) -> AuthConfig:
        """The resolved settings."""
        return self._config

    @property
    def database(self) -> Database:
        """The app's database (the db battery)."""
        from ..db import get_database

        if self.app is None:
            raise ImproperlyConfigured("the auth battery is not installed on an app")
        return get_database(self.app)

    @property
    def hasher(self) -> PasswordHasher:
        """The argon2id hasher, with the configured parameters."""
        if self._hasher is None:
            from .passwords import PasswordHasher

            config = self.config
            self._hasher = PasswordHasher(
                time_cost=config.argon2_time_cost,
                memory_kib=config.argon2_memory_kib,
                parallelism=config.argon2_parallelism,
            )
        return self._hasher

    @property
    def password_validators(self) -> list[PasswordValidator]:
        """The password rules in force."""
        if self._validators is None:
            from .validation import default_validators

            config = self.config
            self._validators = default_validators(
                config.password_min_length, config.password_max_length
            )
        return self._validators

    def password_problems(self, password: str, **attributes: str | None) -> list[str]:
        """What is wrong with a new ``password`` for a user with these ``attributes``
        (``username=``, ``email=``); empty when it is acceptable."""
        from .validation import validate_password

        return validate_password(password, self.password_validators, **attributes)

    @property
    def login_path(self) -> str:
        """The path of the login page."""
        return f"{self.config.prefix}/login"

    @property
    def password_reset_enabled(self) -> bool:
        """True when reset links can be mailed (the mail battery is installed)."""
        return self.app is not None and "mail" in self.app.extensions

    def reset_link(self, request: HTTPConnection, token: str) -> str:
        """The absolute URL of a reset link: on ``server_name`` when it is set, else on the
        request's host (which the security battery checked against ``allowed_hosts``)."""
        assert self.app is not None
        if self.app.config.server_name:
            return self.app.url_for(
                "auth.password_reset_confirm",
                token=token,
                _external=True,
                _scheme=request.scheme,
            )
        return request.url_for("auth.password_reset_confirm", token=token, _external=True)

    def __repr__(self) -> str:
        model = self._user_model.__name__ if self._user_model is not None else "User"
        return f"<Auth {model} at {self.config.prefix}>"


def _load_class(choice: type | str, what: str) -> type:
    if isinstance(choice, type):
        return choice
    module_name, _, attribute = choice.partition(":")
    if not module_name or not attribute:
        raise ImproperlyConfigured(f"Auth({what}={choice!r}): write 'package.module:ClassName'")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ImproperlyConfigured(f"Auth({what}={choice!r}) cannot be imported: {exc}") from exc
    if not isinstance(found, type):
        raise ImproperlyConfigured(f"Auth({what}={choice!r}) is not a class")
    return found


def get_auth(app: Spruce) -> Auth:
    """The ``Auth`` battery installed on ``app``; ``ImproperlyConfigured`` if there is none."""
    auth = app.extensions.get(Auth.name)
    if not isinstance(auth, Auth):
        raise ImproperlyConfigured(
            "the auth battery is not installed: create the app with "
            "Spruce(batteries=[Sessions(), Database(), Auth()]) (from spruce.auth import Auth)"
        )
    return auth


def _commands() -> Any:
    from .commands import auth_commands

    return auth_commands


def _template_context(request: HTTPConnection) -> dict[str, Any]:
    from .access import current_user

    return {"current_user": current_user(request)}
