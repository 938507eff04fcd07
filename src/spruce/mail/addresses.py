"""Validation of the values that become mail headers: addresses, subjects, header names.

Everything a user (or a form field) can put into a header passes through here before a message
exists: a line break is refused (no header injection), an address must parse as exactly one
mailbox, and a non-ASCII domain is converted to its ASCII (IDNA) form so every server accepts it.
Non-ASCII display names are fine; they are encoded (RFC 2047) when the message is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email import policy
from email.headerregistry import Address
from typing import Final

from .exceptions import HeaderInjectionError, InvalidAddressError

__all__ = [
    "DEFAULT_FROM",
    "AddressLike",
    "check_header_name",
    "check_header_value",
    "format_address",
    "parse_address",
    "parse_addresses",
]

AddressLike = str | tuple[str, str] | Address
"""An address as callers give it: ``"ann@example.com"``, ``"Ann <ann@example.com>"``,
``("Ann", "ann@example.com")`` or an ``email.headerregistry.Address``."""

DEFAULT_FROM: Final = "webmaster@localhost"
"""The sender of messages when nothing else is configured."""
MAX_ADDRESS_LENGTH: Final = 254  # RFC 5321's limit on a forward path
_HEADER_NAME = re.compile(r"[!-9;-~]+")  # printable ASCII except ':' (RFC 5322 field-name)
_LINE_BREAKS = ("\r", "\n")


def check_header_value(value: str, field: str) -> str:
    """Return ``value`` unchanged; raise ``HeaderInjectionError`` if it contains CR or LF."""
    if any(char in value for char in _LINE_BREAKS):
        raise HeaderInjectionError(
            f"the {field} contains a line break (CR or LF), which would let it add headers of "
            "its own; remove line breaks from header values (subjects, names, addresses)",
            field=field,
        )
    return value


def check_header_name(name: str) -> str:
    """Return ``name``; raise ``HeaderInjectionError`` unless it is a valid header field name."""
    if not _HEADER_NAME.fullmatch(name):
        raise HeaderInjectionError(
            f"{name!r} is not a valid header name: use printable ASCII without spaces or ':'",
            field="headers",
        )
    return name


def parse_address(value: AddressLike, field: str = "address") -> Address:
    """Return ``value`` as one validated ``Address``.

    Raises ``HeaderInjectionError`` for a line break and ``InvalidAddressError`` for anything
    that is not exactly one mailbox with a user name and a domain.
    """
    if isinstance(value, Address):
        name, addr_spec = value.display_name, value.addr_spec
    elif isinstance(value, tuple):
        if len(value) != 2 or not all(isinstance(part, str) for part in value):
            raise InvalidAddressError(
                f"the {field} {value!r} is not a (name, address) pair of strings", field=field
            )
        name, addr_spec = value
    elif isinstance(value, str):
        name, addr_spec = "", value
    else:
        raise InvalidAddressError(
            f"the {field} must be a string, a (name, address) pair or an Address, "
            f"not {type(value).__name__}",
            field=field,
        )
    check_header_value(name, f"{field} display name")
    check_header_value(addr_spec, field)
    mailbox = _single_mailbox(addr_spec, field)
    return Address(display_name=name or mailbox.display_name, addr_spec=mailbox.addr_spec)


def parse_addresses(values: str | Address | Iterable[AddressLike] | None, field: str) -> list[str]:
    """Validate ``values`` (one address or several) and return them formatted.

    A single string or ``Address`` is one address, not a list of characters; any other iterable
    (list, tuple) is a list of addresses, each of which may be a ``(name, address)`` pair;
    ``None`` is no address.
    """
    if values is None:
        return []
    items: Iterable[AddressLike] = [values] if isinstance(values, (str, Address)) else values
    return [format_address(parse_address(value, field)) for value in items]


def format_address(address: Address) -> str:
    """``Name <user@example.com>`` (quoted where needed), or ``user@example.com`` alone."""
    return str(address)


def _single_mailbox(text: str, field: str) -> Address:
    """Parse ``text`` with the standard library's RFC 5322 parser and insist on one mailbox."""
    stripped = text.strip()
    if not stripped:
        raise InvalidAddressError(f"the {field} is empty", field=field)
    if len(stripped) > MAX_ADDRESS_LENGTH * 2:
        raise InvalidAddressError(f"the {field} is too long to be an address", field=field)
    try:
        header = policy.default.header_factory("to", stripped)
        addresses = header.addresses
        groups = header.groups
        defects = header.defects
    except Exception:  # the parser raises odd errors (IndexError...) on some garbage
        raise InvalidAddressError(
            f"the {field} {stripped!r} is not a valid e-mail address", field=field
        ) from None
    if len(addresses) != 1 or len(groups) != 1 or groups[0].display_name is not None:
        raise InvalidAddressError(
            f"the {field} {stripped!r} must be exactly one address (give several as a list)",
            field=field,
        )
    address: Address = addresses[0]
    if defects or not address.username or not address.domain:
        raise InvalidAddressError(
            f"the {field} {stripped!r} is not a valid e-mail address (expected user@domain)",
            field=field,
        )
    if not address.username.isascii():
        raise InvalidAddressError(
            f"the {field} {stripped!r} has a non-ASCII user name, which needs SMTPUTF8 and is "
            "not supported",
            field=field,
        )
    domain = _ascii_domain(address.domain, stripped, field)
    if len(address.username) + 1 + len(domain) > MAX_ADDRESS_LENGTH:
        raise InvalidAddressError(
            f"the {field} {stripped!r} is longer than {MAX_ADDRESS_LENGTH} characters",
            field=field,
        )
    return Address(display_name=address.display_name, username=address.username, domain=domain)


def _ascii_domain(domain: str, text: str, field: str) -> str:
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidAddressError(
            f"the {field} {text!r} has a domain that is not a valid internationalized name",
            field=field,
        ) from None
