"""Reading form input the way browsers send it.

A browser posts strings (and files), and it has habits a JSON client does not: an unchecked
checkbox sends nothing, an empty input sends ``""``, a multi-select repeats its key, a file input
with no file chosen sends an empty part. ``read_input`` turns such data into what the pydantic
validator expects, field by field:

* only the form's own fields are read; anything else posted is ignored;
* surrounding whitespace is stripped (not from passwords, nor where ``strip=False``);
* an empty value is ``None`` for an optional field, missing for a required one (so the error is
  "This field is required."), ``""`` for a text field with a default, and the default otherwise;
* a checkbox is ``True`` when sent (with any value but ``""``, ``off``, ``false``, ``0``, ``no``)
  and ``False`` when not;
* several values are kept for multiple-choice fields (empty ones dropped), the last one for others;
* a choice is matched to its value by its HTML text (so ``"2"`` becomes the ``2`` of
  ``Literal[1, 2]``, ``"red"`` the member of the enum);
* uploads are checked for emptiness, ``max_size``, content type, and for images the first bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..uploads import UploadFile
from .errors import ErrorMessage
from .fields import FieldSpec, choice_key
from .messages import message_for

__all__ = ["BrowserInput", "is_checked", "read_input", "sniff_image"]

_FALSE = frozenset({"", "off", "false", "0", "no"})


def is_checked(texts: list[str]) -> bool:
    """Whether a checkbox that sent ``texts`` is checked (sent, with a value that is not
    ``""``, ``off``, ``false``, ``0`` or ``no``)."""
    return any(text.strip().lower() not in _FALSE for text in texts)


class MultiValued(Protocol):
    """What ``request.form()`` and ``request.query_params`` both are."""

    def getlist(self, key: str) -> list[Any]: ...

    def __contains__(self, key: object) -> bool: ...


@dataclass(slots=True)
class BrowserInput:
    """The result of reading submitted data for a form."""

    values: dict[str, Any] = field(default_factory=dict)
    """Input for the pydantic validator, by HTML name."""
    errors: dict[str, list[ErrorMessage]] = field(default_factory=dict)
    """Errors found before validation (uploads), by field name."""
    raw: dict[str, list[str]] = field(default_factory=dict)
    """The text submitted for each field, by HTML name, to show again on a re-render."""


def _values(data: MultiValued | Mapping[str, Any], key: str) -> list[Any]:
    getlist = getattr(data, "getlist", None)
    if getlist is not None:
        return list(getlist(key))
    if key not in data:
        return []
    value = data[key]  # type: ignore[index]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _error(code: str, **params: Any) -> ErrorMessage:
    message = message_for(code, params)
    assert message is not None
    return ErrorMessage(code, message, params)


def read_input(
    specs: Iterable[FieldSpec],
    data: MultiValued | Mapping[str, Any],
    image_heads: Mapping[str, bytes] | None = None,
) -> BrowserInput:
    """Turn browser-style ``data`` into validator input for the fields in ``specs``.

    ``image_heads`` are the first bytes of image uploads by HTML name, when the caller has read
    them already (asynchronously); otherwise they are read here.
    """
    result = BrowserInput()
    for spec in specs:
        submitted = _values(data, spec.html_name)
        if spec.is_file:
            _read_file(spec, submitted, result, (image_heads or {}).get(spec.html_name))
            continue
        texts = [value for value in submitted if isinstance(value, str)]
        if any("\x00" in text for text in texts):  # no database stores NUL in text columns
            result.errors.setdefault(spec.name, []).append(_error("null_characters"))
            result.raw[spec.html_name] = [text.replace("\x00", "") for text in texts]
            continue
        result.raw[spec.html_name] = texts
        if spec.kind == "bool" and not spec.choices:
            result.values[spec.html_name] = is_checked(texts)
            continue
        if spec.many:
            chosen = [_choice_value(spec, text.strip()) for text in texts if text.strip()]
            if chosen:
                result.values[spec.html_name] = chosen
            continue
        if not texts:
            continue
        text = texts[-1].strip() if spec.strip else texts[-1]
        if text == "":
            empty = _empty_value(spec)
            if empty is not _OMIT:
                result.values[spec.html_name] = empty
            continue
        result.values[spec.html_name] = _choice_value(spec, text) if spec.choices else text
    return result


_OMIT: Any = object()


def _empty_value(spec: FieldSpec) -> Any:
    if spec.nullable:
        return None
    if spec.required:
        return _OMIT  # "This field is required."
    if spec.is_text and spec.kind != "password":
        return ""
    return _OMIT  # the default


def _choice_value(spec: FieldSpec, text: str) -> Any:
    for value, _ in spec.choices or ():
        if choice_key(value) == text:
            return value
    return text


def _read_file(
    spec: FieldSpec, submitted: list[Any], result: BrowserInput, head: bytes | None
) -> None:
    uploads = [value for value in submitted if isinstance(value, UploadFile)]
    chosen = [upload for upload in uploads if upload.filename or upload.size]
    if not chosen:
        if spec.nullable:
            result.values[spec.html_name] = None
        return
    upload = chosen[0]
    problem = check_upload(spec, upload, head)
    if problem is not None:
        result.errors.setdefault(spec.name, []).append(problem)
        return
    result.values[spec.html_name] = upload


def check_upload(spec: FieldSpec, upload: UploadFile, head: bytes | None) -> ErrorMessage | None:
    """The first problem with ``upload`` for ``spec``, or ``None``."""
    if upload.size == 0:
        return _error("file_empty")
    if spec.max_size is not None and upload.size > spec.max_size:
        return _error("file_too_large", max_size=spec.max_size)
    declared = (upload.content_type or "").split(";", 1)[0].strip().lower()
    allowed = spec.content_types
    if allowed and not _type_allowed(declared, allowed):
        return _error("file_type", content_type=declared or "unknown")
    if spec.kind == "image":
        if head is None:
            head = _peek(upload)
        sniffed = sniff_image(head)
        if sniffed is None or (allowed and not _type_allowed(sniffed, allowed)):
            return _error("invalid_image")
    return None


def _type_allowed(content_type: str, allowed: Iterable[str]) -> bool:
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern == content_type or pattern in ("*", "*/*"):
            return True
        if pattern.endswith("/*") and content_type.startswith(pattern[:-1]):
            return True
    return False


HEAD_SIZE = 32
"""How many leading bytes ``sniff_image`` needs."""


def _peek(upload: UploadFile) -> bytes:
    position = upload.file.tell()
    upload.file.seek(0)
    head = upload.file.read(HEAD_SIZE)
    upload.file.seek(position)
    return head


def sniff_image(head: bytes) -> str | None:
    """The image type the first bytes of a file show (PNG, JPEG, GIF, WebP), or ``None``."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None
