"""The optional battery, the package's import cost, and aliases (a field named in HTML and JSON
differently from Python)."""

import subprocess
import sys

from spruce import Spruce
from spruce.forms import Form, Forms, field


def test_the_battery_registers_the_templates_at_install(tmp_path):
    (tmp_path / "templates" / "spruce" / "forms").mkdir(parents=True)
    (tmp_path / "templates" / "spruce" / "forms" / "label.html").write_text(
        "<b>{{ field.label }}</b>"
    )
    app = Spruce(batteries=[Forms()], root_path=str(tmp_path))
    assert "forms" in app.batteries
    assert app.extensions["spruce.forms.templates"] is True
    assert app.templates.get_template("spruce/forms/input.html") is not None

    class Named(Form):
        name: str

    @app.get("/")
    def page():
        return Named.blank().render()

    assert "<b>Name</b>" in app.test_client().get("/").text


def test_forms_work_without_the_battery():
    class Named(Form):
        name: str

    app = Spruce()

    @app.get("/")
    def page():
        return Named.blank().render()

    assert '<label for="id_name">Name</label>' in app.test_client().get("/").text
    assert "forms" not in app.batteries


def test_importing_forms_loads_neither_sqlalchemy_nor_jinja2_and_the_core_not_forms():
    code = (
        "import sys, spruce; assert 'spruce.forms' not in sys.modules; "
        "import spruce.forms; "
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy'; "
        "assert 'jinja2' not in sys.modules, 'jinja2'; "
        "from spruce.forms import ModelForm; assert 'sqlalchemy' in sys.modules"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


class Aliased(Form):
    class_: str = field(alias="class", max_length=3)


def test_aliases_name_the_html_and_json_fields():
    form = Aliased.bind({"class": "4b"})
    assert form.is_valid and form.class_ == "4b"
    assert 'name="class"' in str(form["class_"])
    assert str(form["class"]) == str(form["class_"])
    invalid = Aliased.bind({"class": "long"})
    assert invalid.error_list() == [
        {
            "location": "body",
            "field": "class",
            "message": "Ensure this value has at most 3 characters.",
            "type": "string_too_long",
        }
    ]
    assert Aliased.blank(class_="1a")["class_"].value == "1a"
