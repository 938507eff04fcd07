"""Addresses and header values: validation, IDNA domains, header injection refused."""

from __future__ import annotations

from email.headerregistry import Address

import pytest

from spruce.mail import HeaderInjectionError, InvalidAddressError, InvalidMessageError
from spruce.mail.addresses import check_header_name, parse_address, parse_addresses


@pytest.mark.parametrize(
    ("given", "formatted", "bare"),
    [
        ("ann@example.com", "ann@example.com", "ann@example.com"),
        ("  ann@example.com ", "ann@example.com", "ann@example.com"),
        ("Ann Example <ann@example.com>", "Ann Example <ann@example.com>", "ann@example.com"),
        ('"Doe, John" <john@example.com>', '"Doe, John" <john@example.com>', "john@example.com"),
        (("Doe, John", "john@example.com"), '"Doe, John" <john@example.com>', "john@example.com"),
        (Address("José", "jose", "example.com"), "José <jose@example.com>", "jose@example.com"),
        ("webmaster@localhost", "webmaster@localhost", "webmaster@localhost"),
        ("ann@bücher.de", "ann@xn--bcher-kva.de", "ann@xn--bcher-kva.de"),
    ],
)
def test_valid_addresses_are_normalised(given, formatted, bare) -> None:
    address = parse_address(given)
    assert str(address) == formatted
    assert address.addr_spec == bare


@pytest.mark.parametrize(
    "given",
    [
        "",
        "not an address",
        "ann@",
        "@example.com",
        "ann@@example.com",
        "a b@example.com",
        "ann@example..com",
        "Ann <ann@example.com> trailing",
        "ann@example.com, bob@example.com",
        "team: ann@example.com, bob@example.com;",
        "jöhn@example.com",
        "x" * 300 + "@example.com",
    ],
)
def test_invalid_addresses_are_refused_with_a_clear_error(given: str) -> None:
    with pytest.raises(InvalidAddressError) as caught:
        parse_address(given, "to")
    assert caught.value.field == "to"
    assert "to" in str(caught.value)
    assert isinstance(caught.value, ValueError)  # also a ValueError for generic handlers


def test_a_wrong_type_is_refused() -> None:
    with pytest.raises(InvalidAddressError, match="must be a string"):
        parse_address(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidAddressError, match="pair"):
        parse_address(("a", "b", "c"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "given",
    [
        "ann@example.com\r\nBcc: victim@example.com",
        "ann@example.com\nBcc: victim@example.com",
        "Ann\r <ann@example.com>",
        ("Ann\nBcc: victim@example.com", "ann@example.com"),
    ],
)
def test_line_breaks_in_addresses_are_header_injection(given) -> None:
    with pytest.raises(HeaderInjectionError, match="line break"):
        parse_address(given, "to")


def test_one_string_is_one_address_and_lists_are_lists() -> None:
    assert parse_addresses("ann@example.com", "to") == ["ann@example.com"]
    assert parse_addresses(["ann@example.com", ("Bob", "bob@example.com")], "to") == [
        "ann@example.com",
        "Bob <bob@example.com>",
    ]
    assert parse_addresses(("ann@example.com", "bob@example.com"), "to") == [
        "ann@example.com",
        "bob@example.com",
    ]
    assert parse_addresses(None, "cc") == []


@pytest.mark.parametrize("name", ["X Tag", "X:Tag", "", "X-Tag\r\nBcc", "Ünïcode"])
def test_header_names_must_be_field_names(name: str) -> None:
    with pytest.raises(InvalidMessageError):
        check_header_name(name)
    assert check_header_name("X-Campaign-Id") == "X-Campaign-Id"
