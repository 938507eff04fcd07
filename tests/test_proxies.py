"""Trusted proxies."""

import pytest

from spruce.proxies import TrustedProxies


def test_networks_and_addresses():
    proxies = TrustedProxies(["10.0.0.0/8", "::1", "192.168.1.5"])
    assert proxies.trusts("10.1.2.3") and proxies.trusts("::1") and proxies.trusts("192.168.1.5")
    assert not proxies.trusts("192.168.1.6") and not proxies.trusts("not-an-ip")
    assert not proxies.trusts(None)
    assert not TrustedProxies()


def test_client_is_right_most_untrusted_hop():
    proxies = TrustedProxies(["10.0.0.0/8"])
    assert proxies.client_from_forwarded_for("1.1.1.1, 2.2.2.2, 10.0.0.1", "10.0.0.2") == "2.2.2.2"
    assert proxies.client_from_forwarded_for("10.0.0.3", "10.0.0.2") == "10.0.0.3"


def test_invalid_entry_is_a_clear_error():
    with pytest.raises(ValueError, match="not an IP address or network"):
        TrustedProxies(["example.com"])
