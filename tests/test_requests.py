"""Request: URL parts, headers, cookies, client address behind proxies, bodies and limits."""

import pytest

from spruce import Request, Spruce
from spruce.config import CoreConfig
from spruce.proxies import TrustedProxies


def make_app(**config) -> Spruce:
    app = Spruce()
    if config:
        app._config = CoreConfig().replace(**config)

    @app.get("/info")
    def info(request: Request):
        return {
            "method": request.method,
            "path": request.path,
            "url": str(request.url),
            "scheme": request.scheme,
            "host": request.host,
            "query": request.query_params.multi_items(),
            "tags": request.query_params.getlist("tag"),
            "accept": request.headers.getlist("x-multi"),
            "cookies": request.cookies,
            "client": request.client.host if request.client else None,
        }

    @app.post("/echo")
    async def echo(request: Request):
        return {"body": (await request.body()).decode()}

    @app.post("/json")
    async def json(request: Request):
        return {"json": await request.json()}

    @app.post("/form")
    async def form(request: Request):
        data = await request.form()
        upload = data.get("file")
        return {
            "name": data.get("name"),
            "file": (await upload.read()).decode()
            if upload is not None and hasattr(upload, "read")
            else None,
        }

    @app.post("/stream")
    async def stream(request: Request):
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
        return {"total": total}

    return app


def test_url_parts_query_headers_cookies():
    client = make_app().test_client()
    response = client.get(
        "/info?tag=a&tag=b&x=1",
        headers=[("X-Multi", "1"), ("X-Multi", "2"), ("Cookie", "a=1; b=two")],
    )
    data = response.json()
    assert data["method"] == "GET"
    assert data["path"] == "/info"
    assert data["url"] == "http://localhost/info?tag=a&tag=b&x=1"
    assert data["query"] == [["tag", "a"], ["tag", "b"], ["x", "1"]]
    assert data["tags"] == ["a", "b"]
    assert data["accept"] == ["1", "2"]
    assert data["cookies"] == {"a": "1", "b": "two"}


def test_forwarded_headers_ignored_without_trusted_proxy():
    client = make_app().test_client()
    data = client.get(
        "/info", headers={"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"}
    ).json()
    assert data["client"] != "1.2.3.4"
    assert data["scheme"] == "http"


def test_forwarded_headers_believed_from_trusted_proxy():
    app = make_app(
        trusted_proxies=TrustedProxies(["127.0.0.0/8", "10.0.0.0/8"]),
        allowed_hosts=("localhost", "example.com"),
    )
    client = app.test_client()
    data = client.get(
        "/info",
        headers={
            "X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.0.0.2",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "example.com",
        },
    ).json()
    assert data["client"] == "203.0.113.9"  # right-most untrusted hop; the spoofed first is ignored
    assert data["scheme"] == "https"
    assert data["host"] == "example.com"
    assert data["url"].startswith("https://example.com/info")


def test_body_and_json():
    client = make_app().test_client()
    assert client.post("/echo", content=b"hello").json() == {"body": "hello"}
    assert client.post("/json", json={"a": [1, 2]}).json() == {"json": {"a": [1, 2]}}
    response = client.post("/json", content=b"[1,", headers={"content-type": "application/json"})
    assert response.status_code == 400


def test_body_limit_checks_content_length_first():
    client = make_app(max_body_size=10).test_client()
    response = client.post("/echo", content=b"x" * 11)
    assert response.status_code == 413
    assert "limit 10 bytes" in response.json()["detail"]


def test_body_limit_without_content_length():
    client = make_app(max_body_size=10).test_client()

    def chunks():
        yield b"x" * 6
        yield b"x" * 6

    response = client.post("/echo", content=chunks())
    assert response.status_code == 413


def test_bad_content_length_is_400():
    client = make_app().test_client()
    response = client.post("/echo", content=b"abc", headers={"content-length": "abc"})
    assert response.status_code == 400


def test_form_and_upload():
    client = make_app().test_client()
    response = client.post("/form", data={"name": "n"}, files={"file": ("a.txt", b"content")})
    assert response.json() == {"name": "n", "file": "content"}
    assert client.post("/form", data={"name": "n"}).json() == {"name": "n", "file": None}


def test_form_limits_give_413():
    from spruce.formparsers import FormLimits

    client = make_app(form_limits=FormLimits(max_fields=2)).test_client()
    response = client.post("/form", data={"a": "1", "b": "2", "c": "3"})
    assert response.status_code == 413


def test_form_with_wrong_content_type_is_415():
    client = make_app().test_client()
    response = client.post("/form", content=b"{}", headers={"content-type": "application/json"})
    assert response.status_code == 415


def test_stream():
    client = make_app().test_client()
    assert client.post("/stream", content=b"a" * 100_000).json() == {"total": 100_000}


def test_oversized_headers_are_rejected():
    client = make_app(max_header_size=1000).test_client()
    response = client.get("/info", headers={f"x-h{i}": "v" * 100 for i in range(20)})
    assert response.status_code == 431
    one_big = client.get("/info", headers={"x-big": "v" * 1000})  # few headers count too
    assert one_big.status_code == 431
    assert "limit 1000 bytes" in one_big.json()["detail"]
    assert client.get("/info", headers={"x-small": "v" * 500}).status_code == 200


@pytest.mark.parametrize("depth", [10, 64])
def test_json_depth_within_limit(depth):
    client = make_app().test_client()
    body = b"[" * depth + b"]" * depth
    response = client.post("/json", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200


def test_json_depth_counts_only_structure_outside_strings():
    from spruce.requests import check_json_depth

    check_json_depth(b'["' + b"[" * 500 + b'"]', 10)  # brackets inside a string do not nest
    with pytest.raises(Exception, match="nested deeper"):
        check_json_depth(b"[" * 11 + b"]" * 11, 10)


def test_several_host_headers_are_refused_not_joined():
    # RFC 9112: a request with more than one Host is a 400; the first is what the host check
    # saw, so a second one must not reach the links the app builds.
    client = make_app().test_client()
    response = client.get("/info", headers=[("Host", "localhost"), ("Host", "evil.example")])
    assert response.status_code == 400
    assert response.json()["detail"] == "The request has more than one Host header."


@pytest.mark.parametrize("host", ["[::1", "a b", "x@y", "a:1:2", "exa_mple.com"])
def test_a_malformed_host_is_a_400_even_when_every_host_is_allowed(host):
    client = make_app(allowed_hosts=("*",)).test_client()
    response = client.get("/info", headers={"Host": host})
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid Host header: not a host name or address."


def test_without_a_host_header_the_server_address_is_the_host():
    from spruce.requests import HTTPConnection

    app = make_app()
    for server, expected in [(("::1", 8000), "[::1]:8000"), (("10.0.0.1", 80), "10.0.0.1:80")]:
        scope = {"type": "http", "path": "/", "headers": [], "server": server, "app": app}
        connection = HTTPConnection(scope, app=app)
        assert connection.host == expected
        assert connection.url.hostname == expected.rpartition(":")[0].strip("[]")
    assert HTTPConnection({"type": "http", "headers": []}, app=app).host == ""
