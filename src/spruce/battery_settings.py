"""How batteries load their settings: arguments over the app's settings over the environment.

Every battery reads its settings the same way. From weakest to strongest:

1. the defaults of the battery's settings dataclass;
2. environment variables named ``<prefix><FIELD>`` (``SPRUCE_AUTH_PREFIX``, ``DATABASE_URL``)
   and the same names in a ``.env`` file, parsed as the fields' types by pydantic-settings;
3. values from the app's own settings class (``database_url``, ``mail_host``...);
4. the arguments given to the battery's constructor.

``None`` means "not given" in every layer, so an argument left at ``None`` never hides a
variable. For a battery whose settings are a frozen dataclass::

    values = load_values(
        AuthConfig, arguments, owner="Auth()", env_prefix="SPRUCE_AUTH_",
        environment=environment_configures_spruce(),
    )
    config = AuthConfig(**values)

pydantic-settings is imported only when the environment is read, so a hello world (whose
default batteries pass ``environment=False`` when no ``SPRUCE_*`` variable or ``.env`` file
exists) never loads pydantic.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from .exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from pydantic_settings import SettingsConfigDict

__all__ = ["environment_config", "load_values", "merge"]


def environment_config(prefix: str) -> SettingsConfigDict:
    """The ``model_config`` of a pydantic-settings class whose fields are read from
    ``<prefix><FIELD>`` variables and the ``.env`` file, with unknown names ignored and values
    kept out of error messages (they may be secrets)."""
    from pydantic_settings import SettingsConfigDict

    return SettingsConfigDict(
        env_prefix=prefix,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
    )


def merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of ``layers`` in one dict, later layers winning; a ``None`` value is
    "not given" and never hides an earlier one."""
    values: dict[str, Any] = {}
    for layer in layers:
        values.update({name: value for name, value in layer.items() if value is not None})
    return values


def load_values(
    config_class: type,
    *layers: Mapping[str, Any],
    owner: str,
    env_prefix: str,
    environment: bool = True,
    exclude: Collection[str] = (),
) -> dict[str, Any]:
    """The values for ``config_class(**values)``: ``layers`` (weakest first, usually the app's
    settings then the constructor's arguments) over the ``<env_prefix><FIELD>`` variables.

    ``config_class`` is a dataclass; its fields, less ``exclude``, are the settings. The
    environment is read only when ``environment`` is true. A name in ``layers`` that is not a
    setting raises ``ImproperlyConfigured`` naming ``owner`` (``"Auth()"``). A variable that
    does not parse raises pydantic's ``ValidationError`` (its value is not shown).
    """
    names = [field.name for field in dataclasses.fields(config_class) if field.name not in exclude]
    unknown = sorted({name for layer in layers for name in layer} - set(names))
    if unknown:
        raise ImproperlyConfigured(f"{owner} got unknown settings: {', '.join(unknown)}")
    found = _read_environment(config_class, names, env_prefix) if environment else {}
    return merge(found, *layers)


def _read_environment(config_class: type, names: list[str], prefix: str) -> dict[str, Any]:
    """The ``<prefix><NAME>`` variables that are set (``.env`` included), each parsed as the
    type of its field (lists and tuples from JSON, as pydantic-settings does)."""
    from pydantic import create_model
    from pydantic_settings import BaseSettings

    hints = typing.get_type_hints(config_class)

    class Environment(BaseSettings):
        model_config = environment_config(prefix)

    fields: dict[str, Any] = {name: (hints[name] | None, None) for name in names}
    model = create_model(f"{config_class.__name__}Environment", __base__=Environment, **fields)
    # exclude_none only: "" is a value (SPRUCE_FRAME_OPTIONS= turns the header off)
    values: dict[str, Any] = model().model_dump(exclude_none=True)
    return values
