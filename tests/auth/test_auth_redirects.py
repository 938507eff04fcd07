"""``next=`` only leads to this site."""

from __future__ import annotations

import pytest

from spruce.auth.redirects import is_safe_redirect

HOST = "blog.example.com"

SAFE = [
    "/",
    "/posts/3",
    "/posts/3?tab=comments#c2",
    "/search?q=a%20b",
    "https://blog.example.com/posts",
    "http://BLOG.example.com/x",
]

UNSAFE = [
    "",
    "//evil.com",
    "///evil.com",
    "////evil.com",
    "https://evil.com",
    "http://evil.com/",
    "https://blog.example.com.evil.com/",
    "https://evil.com/?blog.example.com",
    "\\\\evil.com",
    "/\\evil.com",
    "\\/evil.com",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox",
    "/%2F%2Fevil.com",
    "%2F%2Fevil.com",
    "/%2f%2fevil.com",
    "%252F%252Fevil.com",
    "/%5Cevil.com",
    "/%5C%5Cevil.com",
    "%5C%5Cevil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "/%09/evil.com",
    "/%0d%0aSet-Cookie:x=1",
    " /posts",
    "/posts ",
    "https://blog.example.com@evil.com/",
    "https://user:pw@blog.example.com/",
    "http:evil.com",
    "https:/evil.com",
    "https:///evil.com",
    "ftp://blog.example.com/",
    "posts/3",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("url", SAFE)
def test_paths_and_urls_of_this_site_are_safe(url):
    assert is_safe_redirect(url, HOST)


@pytest.mark.parametrize("url", UNSAFE)
def test_anything_leaving_the_site_is_refused(url):
    assert not is_safe_redirect(url, HOST)


def test_pages_on_https_do_not_send_to_plain_http():
    assert is_safe_redirect("https://blog.example.com/x", HOST, require_https=True)
    assert not is_safe_redirect("http://blog.example.com/x", HOST, require_https=True)
    assert is_safe_redirect("/x", HOST, require_https=True)
