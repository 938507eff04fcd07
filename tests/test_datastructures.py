"""Headers, query strings, cookies parsing, URLs."""

from spruce.datastructures import URL, Headers, QueryParams, parse_cookie_header


def test_headers_case_insensitive_and_multi_valued():
    headers = Headers([(b"x-a", b"1"), (b"X-A", b"2"), (b"content-type", b"text/plain")])
    assert headers["X-A"] == "1, 2"
    assert headers.getlist("x-a") == ["1", "2"]
    assert headers.get("Content-Type") == "text/plain"
    assert headers.get("missing", "d") == "d"
    assert "CONTENT-TYPE" in headers and 1 not in headers
    assert len(headers) == 2


def test_query_params():
    query = QueryParams(b"a=1&a=2&b=&c=%20x+y")
    assert query["a"] == "2"
    assert query.getlist("a") == ["1", "2"]
    assert query["b"] == ""
    assert query["c"] == " x y"
    assert query.multi_items() == [("a", "1"), ("a", "2"), ("b", ""), ("c", " x y")]
    assert str(QueryParams([("q", "a b")])) == "q=a+b"
    assert QueryParams("") == QueryParams(b"")


def test_cookie_header_parsing_is_lenient():
    assert parse_cookie_header('a=1; b="quoted"; junk; c=%20x; a=second') == {
        "a": "1",
        "b": "quoted",
        "c": " x",
    }
    assert parse_cookie_header("") == {}


def test_url_parts():
    url = URL("https://example.com:8443/p/a?x=1#frag")
    assert (url.scheme, url.hostname, url.port, url.path, url.query, url.fragment) == (
        "https",
        "example.com",
        8443,
        "/p/a",
        "x=1",
        "frag",
    )
    assert str(url.replace(query="")) == "https://example.com:8443/p/a#frag"
    scope = {
        "scheme": "http",
        "path": "/x",
        "query_string": b"a=1",
        "headers": [],
        "server": ("127.0.0.1", 80),
    }
    assert str(URL.from_scope(scope)) == "http://127.0.0.1/x?a=1"
