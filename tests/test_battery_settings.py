"""spruce.battery_settings: the layers (defaults, environment and .env, app settings, arguments),
parsing of variables into the fields' types, unknown names, and no pydantic unless the
environment is read."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from spruce.battery_settings import environment_config, load_values, merge
from spruce.exceptions import ImproperlyConfigured

PREFIX = "SPRUCE_GADGET_"


@dataclass(frozen=True)
class GadgetConfig:
    name: str = "gadget"
    size: int = 3
    ratio: float = 0.5
    enabled: bool = True
    origins: tuple[str, ...] = ()
    label: str | None = "on"
    derived: bool = False  # worked out by the battery, never read


def load(*layers, environment=True, exclude=("derived",)) -> GadgetConfig:
    values = load_values(
        GadgetConfig,
        *layers,
        owner="Gadget()",
        env_prefix=PREFIX,
        environment=environment,
        exclude=exclude,
    )
    return GadgetConfig(**values)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No SPRUCE_GADGET_* variable from outside, and no .env file in the working folder."""
    for name in list(os.environ):
        if name.upper().startswith(PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_merge_lets_later_layers_win_and_none_hide_nothing():
    assert merge({"a": 1, "b": 2}, {"b": 3, "a": None}, {"c": None}) == {"a": 1, "b": 3}
    assert merge() == {}
    assert merge({"a": ""}, {"a": None}) == {"a": ""}  # "" is a value, None is not


def test_nothing_set_gives_the_defaults():
    assert load() == GadgetConfig()
    assert load({"size": None, "label": None}) == GadgetConfig()


def test_variables_are_parsed_as_the_fields_types(monkeypatch):
    variables = {
        "NAME": "widget",
        "SIZE": "12",
        "RATIO": "0.25",
        "ENABLED": "false",
        "ORIGINS": '["https://a.example", "https://b.example"]',  # lists and tuples are JSON
        "LABEL": "",  # empty is a value: "turn it off"
    }
    for name, value in variables.items():
        monkeypatch.setenv(PREFIX + name, value)
    assert load() == GadgetConfig(
        name="widget",
        size=12,
        ratio=0.25,
        enabled=False,
        origins=("https://a.example", "https://b.example"),
        label="",
    )


def test_later_layers_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("SPRUCE_GADGET_SIZE", "12")
    monkeypatch.setenv("SPRUCE_GADGET_NAME", "from-env")
    config = load({"size": 20, "name": "from-settings"}, {"size": 30, "name": None})
    assert (config.size, config.name) == (30, "from-settings")


def test_the_env_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("SPRUCE_GADGET_SIZE=7\nOTHER_THING=1\n", encoding="utf-8")
    assert load().size == 7
    assert load({"size": 8}).size == 8


def test_the_environment_is_left_alone_when_told(monkeypatch, tmp_path):
    monkeypatch.setenv("SPRUCE_GADGET_SIZE", "12")
    (tmp_path / ".env").write_text("SPRUCE_GADGET_NAME=env-file\n", encoding="utf-8")
    assert load(environment=False) == GadgetConfig()
    assert load({"size": 5}, environment=False).size == 5


def test_excluded_fields_are_neither_read_nor_accepted(monkeypatch):
    monkeypatch.setenv("SPRUCE_GADGET_DERIVED", "true")
    assert load().derived is False
    with pytest.raises(ImproperlyConfigured, match=r"Gadget\(\) got unknown settings: derived"):
        load({"derived": True})


def test_unknown_names_are_refused_by_name():
    with pytest.raises(ImproperlyConfigured) as caught:
        load({"size": 1, "colour": "red"}, {"weight": None})
    assert str(caught.value) == "Gadget() got unknown settings: colour, weight"


def test_a_bad_variable_names_the_field_but_not_the_value(monkeypatch):
    monkeypatch.setenv("SPRUCE_GADGET_SIZE", "twelve-secret")
    with pytest.raises(ValidationError) as caught:
        load()
    assert "size" in str(caught.value)
    assert "twelve-secret" not in str(caught.value)


def test_environment_config_for_a_settings_class(monkeypatch, tmp_path):
    class Gadget(BaseSettings):
        model_config = environment_config(PREFIX)
        size: int = 1
        name: str = "x"

    monkeypatch.setenv("SPRUCE_GADGET_SIZE", "4")
    monkeypatch.setenv("SPRUCE_GADGET_UNRELATED", "ignored")
    (tmp_path / ".env").write_text("SPRUCE_GADGET_NAME=from-file\n", encoding="utf-8")
    gadget = Gadget()
    assert (gadget.size, gadget.name) == (4, "from-file")
    monkeypatch.setenv("SPRUCE_GADGET_SIZE", "secret-value")
    with pytest.raises(ValidationError) as caught:
        Gadget()
    assert "secret-value" not in str(caught.value)


def test_no_pydantic_unless_the_environment_is_read(tmp_path):
    code = (
        "import sys\n"
        "from dataclasses import dataclass\n"
        "from spruce.battery_settings import load_values\n"
        "@dataclass\n"
        "class C:\n"
        "    size: int = 1\n"
        "values = load_values(C, {'size': 2}, owner='C()', env_prefix='X_', environment=False)\n"
        "assert values == {'size': 2}, values\n"
        "print([m for m in ('pydantic', 'pydantic_settings') if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert result.stdout.strip() == "[]"
