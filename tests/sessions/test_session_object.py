"""The ``Session`` mapping on its own: which operations count as changes."""

from __future__ import annotations

import pytest

from spruce.sessions import Session


def session(data=None) -> Session:
    return Session(data, created=0.0, last_active=0.0)


def test_reading_is_not_a_change():
    s = session({"a": 1})
    assert s["a"] == 1
    assert s.get("b", 2) == 2
    assert "a" in s
    assert len(s) == 1
    assert list(s) == ["a"]
    assert dict(s.items()) == {"a": 1}
    assert s.setdefault("a", 5) == 1
    assert s.modified is False


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.__setitem__("b", 2),
        lambda s: s.__delitem__("a"),
        lambda s: s.pop("a"),
        lambda s: s.popitem(),
        lambda s: s.update(b=2),
        lambda s: s.setdefault("b", []),
    ],
)
def test_changes_are_noticed(change):
    s = session({"a": 1})
    change(s)
    assert s.modified is True
    assert s.rotate is False


def test_clear_forgets_and_rotates():
    s = session({"a": 1})
    s.clear()
    assert len(s) == 0
    assert s.modified and s.rotate


def test_regenerate_keeps_values_and_rotates():
    s = session({"a": 1})
    s.regenerate()
    assert s.to_dict() == {"a": 1}
    assert s.modified and s.rotate


def test_missing_key_raises_key_error():
    with pytest.raises(KeyError):
        session()["nope"]


def test_repr_shows_values_and_state():
    s = session({"a": 1})
    s["b"] = 2
    assert repr(s) == "<Session {'a': 1, 'b': 2} modified>"
