"""``Mail``: the ``mail`` battery.

::

    mail = Mail()                        # SPRUCE_MAIL_* settings; console in debug, else SMTP
    app = Spruce(batteries=[mail])

    @app.post("/invite")
    async def invite(data: Invite, mailer: Mailer) -> dict:
        await mailer.send_mail("You are invited", "Join us!", to=[data.email])
        return {"sent": True}

The battery is itself the app's ``Mailer``: handlers receive it by type, other batteries find it
as ``app.extensions["mail"]`` or with ``get_mailer(app)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..exceptions import ImproperlyConfigured
from .addresses import AddressLike, parse_address
from .backends import BACKEND_NAMES
from .backends.base import MailBackend
from .exceptions import InvalidAddressError
from .mailer import Mailer

if TYPE_CHECKING:
    from ..app import Spruce
    from ..templating import Templates
    from .settings import MailSettings

__all__ = ["Mail"]


class Mail(Mailer):
    """The ``mail`` battery: the app's ``Mailer``, configured from ``SPRUCE_MAIL_*``.

    ``backend`` is a backend object (``SMTPBackend(...)``, your own) or the name of a built-in
    one (``"smtp"``, ``"console"``, ``"file"``, ``"memory"``); unset, ``SPRUCE_MAIL_BACKEND``
    decides, else the console in debug mode and SMTP otherwise. ``default_from`` wins over
    ``SPRUCE_MAIL_DEFAULT_FROM``. ``settings`` replaces the settings read from the environment.
    """

    name: ClassVar[str] = "mail"
    requires: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        backend: MailBackend | str | None = None,
        *,
        default_from: AddressLike | None = None,
        settings: MailSettings | None = None,
    ) -> None:
        super().__init__(None if isinstance(backend, str) else backend, default_from=default_from)
        if isinstance(backend, str) and backend.strip().lower() not in BACKEND_NAMES:
            raise ImproperlyConfigured(
                f"unknown mail backend {backend!r}: use one of {', '.join(BACKEND_NAMES)}, or "
                "pass a backend object (any object with async send_messages(messages))"
            )
        self._backend_choice = backend
        self._sender_given = default_from is not None
        self._settings = settings
        self.app: Spruce | None = None

    def install(self, app: Spruce) -> None:
        """Make this mailer the app's: injection by type, extension, checks, commands."""
        from .checks import check_configuration, check_deploy
        from .commands import mail_commands

        self.app = app
        app.extensions[self.name] = self
        app.add_provider(Mailer, self._provide)
        app.add_check(check_configuration)
        app.add_check(check_deploy, deploy=True)
        app.add_command(mail_commands(self))
        app.on_startup(self._configure)

    def _provide(self, request: Any) -> Mail:
        return self

    def _configure(self) -> None:
        """Resolve settings and backend at startup, so a mistake stops the app there."""
        self.backend  # noqa: B018 - resolving raises ImproperlyConfigured on a bad setting
        self.default_from  # noqa: B018

    @property
    def settings(self) -> MailSettings:
        """The resolved settings (arguments, the app's ``mail_*`` settings, the environment)."""
        if self._settings is None:
            from .settings import load_settings

            app_settings = self.app.settings if self.app is not None else None
            self._settings = load_settings({}, app_settings)
        return self._settings

    @property
    def backend_name(self) -> str:
        """The built-in backend in use (``"smtp"``, ``"console"``...), ``"custom"`` for an
        object given as ``backend``."""
        choice = self._backend_choice
        if isinstance(choice, str):
            return choice.strip().lower()
        if choice is not None:
            return "custom"
        if self.settings.backend is not None:
            return self.settings.backend
        debug = self.app.debug if self.app is not None else True
        return "console" if debug else "smtp"

    @property
    def sender_configured(self) -> bool:
        """True when the default sender was set (argument or setting), not left as
        ``webmaster@localhost``."""
        return self._sender_given or self.settings.default_from is not None

    @property
    def templates(self) -> Templates | None:
        """The app's template engine (``None`` before the battery is installed)."""
        return self.app.templates if self.app is not None else self._templates

    def _make_backend(self) -> MailBackend:
        from .backends import backend_from_settings

        return backend_from_settings(self.settings, self.backend_name)

    def _configured_sender(self) -> str:
        try:
            return str(parse_address(self.settings.sender, "default sender"))
        except InvalidAddressError as exc:
            raise ImproperlyConfigured(
                f"SPRUCE_MAIL_DEFAULT_FROM is not a valid sender: {exc}; use an address such as "
                "'Example <noreply@example.com>'"
            ) from None
