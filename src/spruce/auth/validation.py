"""Password rules: length, common passwords, similarity to the user's name, all digits, NUL.

    problems = validate_password("dragon2024", username="ann")
    # ["This password is too common."]

Each rule is a small object with ``check(password, attributes) -> str | None`` (the problem, in
words a user understands, or None). ``default_validators(min_length, max_length)`` is what the
auth battery uses; pass your own list to ``Auth(password_validators=[...])``. There are no
composition rules ("one digit, one symbol"): NIST and OWASP advise against them; length and a
list of common passwords do more.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from difflib import SequenceMatcher
from importlib import resources
from typing import Protocol

__all__ = [
    "CommonPasswords",
    "LengthLimits",
    "NoNullCharacter",
    "NotAllNumeric",
    "PasswordValidator",
    "SimilarToAttributes",
    "default_validators",
    "validate_password",
]

_LABELS = {"username": "user name", "email": "e-mail address"}
# The similarity check compares at most this many characters (CVE-2021-45115: a huge password
# made Django's similarity check quadratic).
_SIMILARITY_WINDOW = 128


class PasswordValidator(Protocol):
    """One rule: ``check`` returns what is wrong with ``password``, or None."""

    def check(self, password: str, attributes: Mapping[str, str]) -> str | None:
        """``attributes`` are the user's other values (``username``, ``email``) by name."""
        ...


class LengthLimits:
    """At least ``minimum`` and at most ``maximum`` characters."""

    def __init__(self, minimum: int = 8, maximum: int = 1024) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def check(self, password: str, attributes: Mapping[str, str]) -> str | None:
        """Too short, too long, or None."""
        if len(password) < self.minimum:
            return f"This password is too short: use at least {self.minimum} characters."
        if len(password) > self.maximum:
            return f"This password is too long: use at most {self.maximum} characters."
        return None


class NoNullCharacter:
    """No NUL character: programs that read C strings would cut the password there."""

    def check(self, password: str, attributes: Mapping[str, str]) -> str | None:
        """A NUL character, or None."""
        if "\x00" in password:
            return "Remove the null character (\\0) from this password."
        return None


class NotAllNumeric:
    """Not only digits (a PIN is not a password)."""

    def check(self, password: str, attributes: Mapping[str, str]) -> str | None:
        """All digits, or None."""
        if password.isdigit():
            return "This password is only digits."
        return None


_LEET = str.maketrans(
    {
        "@": "a",
        "4": "a",
        "0": "o",
        "1": "i",
        "!": "i",
        "3": "e",
        "$": "s",
        "5": "s",
        "7": "t",
        "+": "t",
        "8": "b",
        "9": "g",
    }
)
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_ROWS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm")


@functools.cache
def _common_words() -> frozenset[str]:
    text = resources.files("spruce.auth").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _is_run(text: str) -> bool:
    """One character repeated, or a straight run along the alphabet, the digits or a keyboard
    row (either way): ``aaaaaaaa``, ``abcdefgh``, ``87654321``, ``qwertyui``."""
    if len(set(text)) == 1:
        return True
    return any(text in row or text in row[::-1] for row in _ROWS)


class CommonPasswords:
    """Not on the list of passwords people pick most (shipped with Spruce), even with
    capitals, digits or symbols around it, or letters swapped for look-alike symbols."""

    def __init__(self, words: Iterable[str] | None = None) -> None:
        self._words = frozenset(w.lower() for w in words) if words is not None else None

    @property
    def words(self) -> frozenset[str]:
        """The list in use."""
        return self._words if self._words is not None else _common_words()

    def is_common(self, password: str) -> bool:
        """True when ``password`` is a listed one or a trivial variant of one."""
        words = self.words
        lowered = password.lower()
        trimmed = _EDGES.sub("", lowered)
        candidates = {
            lowered,
            trimmed,
            lowered.translate(_LEET),
            _EDGES.sub("", lowered.translate(_LEET)),
        }
        candidates.discard("")
        if any(candidate in words for candidate in candidates):
            return True
        return _is_run(lowered) or (
            len(trimmed) >= 4 and _is_run(trimmed) and len(trimmed) * 2 >= len(lowered)
        )

    def check(self, password: str, attributes: Mapping[str, str]) -> str | None:
        """Too common, or None."""
        if self.is_common(password):
            return "This password is too common."
        return None


class SimilarToAttributes:
    """Not too close to the user's own values (``username``, ``email``...): not containing one
    of them, and not similar to one by more than ``max_similarity`` (0 to 1)."""

    def __init__(self, names: Sequence[str] = ("username", "email"), max_similarity: float = 0.7):
        self.names = tuple(names)
        self.max_similarity = max_similarity

    def check(self, password: str, attributes: Mapping[str, str]) -> str | None:
        """Too similar to an attribute (named in the message), or None."""
        lowered = password.lower()[:_SIMILARITY_WINDOW]
        for name in self.names:
            label = _LABELS.get(name, name.replace("_", " "))
            value = (attributes.get(name) or "").lower()[:_SIMILARITY_WINDOW]
            if not value:
                continue
            parts = {value, *(p for p in re.split(r"\W+", value) if len(p) >= 3)}
            trimmed = _EDGES.sub("", lowered)
            for part in parts:
                if (
                    len(part) >= 3
                    and part in lowered
                    and (len(part) * 2 >= len(lowered) or trimmed == part)
                ):
                    return f"This password is too similar to the {label}."
                matcher = SequenceMatcher(a=lowered, b=part)
                if matcher.quick_ratio() >= self.max_similarity and (
                    matcher.ratio() >= self.max_similarity
                ):
                    return f"This password is too similar to the {label}."
        return None


def default_validators(min_length: int = 8, max_length: int = 1024) -> list[PasswordValidator]:
    """The rules the auth battery applies unless told otherwise."""
    return [
        LengthLimits(min_length, max_length),
        CommonPasswords(),
        SimilarToAttributes(),
        NotAllNumeric(),
        NoNullCharacter(),
    ]


def validate_password(
    password: str,
    validators: Sequence[PasswordValidator] | None = None,
    **attributes: str | None,
) -> list[str]:
    """What is wrong with ``password`` (empty when it is acceptable). ``attributes`` are the
    user's values the similarity rule compares with: ``username=...``, ``email=...``."""
    rules = default_validators() if validators is None else validators
    values = {name: value for name, value in attributes.items() if value}
    problems: list[str] = []
    for rule in rules:
        problem = rule.check(password, values)
        if problem and problem not in problems:
            problems.append(problem)
    return problems
