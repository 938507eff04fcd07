"""Static files: app, router and battery folders; caching headers; collect; hashed URLs."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import brotli
import pytest
from click.testing import CliRunner

from spruce import Router, Spruce
from spruce.exceptions import ImproperlyConfigured, NoMatch
from spruce.settings import Settings
from spruce.staticfiles import StaticFiles, static_url
from spruce.staticfiles.collect import collect_static, hashed_name
from spruce.staticfiles.serving import IMMUTABLE, REVALIDATE
from spruce.templating import render

CSS = "body { background: url('../img/logo.png') no-repeat; }\n" + "p { color: #333; }\n" * 30
JS = "console.log('spruce');\n" * 40


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A project folder with a static/ folder."""
    write(tmp_path / "static" / "css" / "site.css", CSS)
    write(tmp_path / "static" / "js" / "app.min.js", JS)
    write(tmp_path / "static" / "img" / "logo.png", b"\x89PNG\r\n" + bytes(range(256)) * 4)
    write(tmp_path / "static" / "robots.txt", "User-agent: *\n")
    write(tmp_path / "static" / ".hidden" / "x.txt", "hidden")
    return tmp_path


def make_app(site: Path, **options) -> Spruce:
    app = Spruce(root_path=str(site), **options)

    @app.get("/")
    def home():
        return "home"

    return app


# -- serving from the source folders -------------------------------------------------------------
def test_serves_the_app_static_folder_with_validators(site):
    client = make_app(site).test_client()
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.text == CSS
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["cache-control"] == REVALIDATE
    assert response.headers["etag"].startswith('"')
    assert "last-modified" in response.headers
    assert response.headers["accept-ranges"] == "bytes"


def test_conditional_get_and_head(site):
    client = make_app(site).test_client()
    first = client.get("/static/robots.txt")
    again = client.get("/static/robots.txt", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    since = client.get(
        "/static/robots.txt", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304
    head = client.head("/static/robots.txt")
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len("User-agent: *\n"))
    assert head.content == b""


def test_range_requests(site):
    client = make_app(site).test_client()
    response = client.get("/static/js/app.min.js", headers={"Range": "bytes=0-6"})
    assert response.status_code == 206
    assert response.text == "console"
    assert response.headers["content-range"] == f"bytes 0-6/{len(JS)}"
    tail = client.get("/static/js/app.min.js", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.text == JS[-10:]
    unsatisfiable = client.get("/static/js/app.min.js", headers={"Range": "bytes=99999-"})
    assert unsatisfiable.status_code == 416


def test_missing_files_directories_and_other_methods(site):
    client = make_app(site).test_client()
    assert client.get("/static/nope.css").status_code == 404
    assert client.get("/static/css").status_code == 404
    assert client.get("/static/css/").status_code == 404
    assert client.post("/static/robots.txt").status_code == 405
    assert client.get("/").text == "home"


def test_no_static_folder_means_no_route(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    assert client.get("/static/x.css").status_code == 404
    assert not any(route.name == "static" for route in app.mounted_routes())
    with pytest.raises(NoMatch):
        app.url_for("static", path="x.css")
    assert static_url(app, "x.css") == "/static/x.css"  # the URL is still known
    assert app.commands == []  # no static folder: the CLI group is not registered


def test_url_for_static_after_start(site):
    app = make_app(site)
    app.test_client().get("/")
    assert app.url_for("static", path="css/site.css") == "/static/css/site.css"


def test_static_url_path_and_folder_can_change(tmp_path):
    write(tmp_path / "assets" / "a.txt", "asset")
    app = Spruce(root_path=str(tmp_path), static_folder="assets")
    app.static_url_path = "/files/"
    client = app.test_client()
    assert client.get("/files/a.txt").text == "asset"
    assert static_url(app, "a.txt") == "/files/a.txt"


# -- routers and batteries -----------------------------------------------------------------------
def test_router_static_folder_is_served_under_its_mount(site, tmp_path_factory):
    blog_root = tmp_path_factory.mktemp("blog")
    write(blog_root / "static" / "blog.css", "blog css")
    blog = Router("/blog", name="blog", static_folder="static", root_path=str(blog_root))

    @blog.get("/")
    def blog_home():
        return "blog"

    app = make_app(site)
    app.include(blog, prefix="/v1")
    client = app.test_client()
    assert client.get("/v1/blog/static/blog.css").text == "blog css"
    assert client.get("/static/blog.css").status_code == 404
    assert app.url_for("blog.static", path="blog.css") == "/v1/blog/static/blog.css"


def test_router_static_url_path_is_relative_to_its_mount(tmp_path):
    write(tmp_path / "public" / "x.js", "x")
    shop = Router(
        "/shop", static_folder="public", static_url_path="/assets", root_path=str(tmp_path)
    )
    app = Spruce(root_path=str(tmp_path / "nothing"))
    app.include(shop)
    assert app.test_client().get("/shop/assets/x.js").text == "x"


def test_routers_without_prefix_share_static_and_the_app_wins(site, tmp_path_factory):
    other = tmp_path_factory.mktemp("other")
    write(other / "static" / "robots.txt", "router robots")
    write(other / "static" / "only-router.txt", "from the router")
    router = Router(static_folder="static", root_path=str(other))
    app = make_app(site)
    app.include(router)
    client = app.test_client()
    assert client.get("/static/robots.txt").text == "User-agent: *\n"
    assert client.get("/static/only-router.txt").text == "from the router"


def test_add_static_dir_namespace_and_prefix(site, tmp_path_factory):
    battery = tmp_path_factory.mktemp("battery")
    write(battery / "admin.css", "admin css")
    write(battery / "robots.txt", "battery robots")
    media = tmp_path_factory.mktemp("media")
    write(media / "photo.txt", "photo")
    app = make_app(site)
    app.add_static_dir("spruce/admin", battery)
    app.add_static_dir("/media", str(media))
    write(site / "static" / "spruce" / "admin" / "robots.txt", "overridden by the app")
    client = app.test_client()
    assert client.get("/static/spruce/admin/admin.css").text == "admin css"
    assert client.get("/static/spruce/admin/robots.txt").text == "overridden by the app"
    assert client.get("/media/photo.txt").text == "photo"
    assert client.get("/static/admin.css").status_code == 404
    with pytest.raises(ImproperlyConfigured, match="after the application has started"):
        app.add_static_dir("late", battery)


def test_static_dir_registers_the_cli_group_once(tmp_path):
    app = Spruce(root_path=str(tmp_path))
    assert app.commands == []
    app.add_static_dir("a", tmp_path)
    app.add_static_dir("b", tmp_path)
    assert [factory().name for factory in app.commands] == ["static"]


# -- templates and code --------------------------------------------------------------------------
def test_static_in_templates_and_code(site):
    write(site / "templates" / "page.html", '<link href="{{ static("css/site.css") }}">')
    app = make_app(site)

    @app.get("/page")
    def page():
        return render("page.html")

    @app.get("/url")
    def url():
        return static_url(app, "/js/app.min.js")

    client = app.test_client()
    assert client.get("/page").text == '<link href="/static/css/site.css">'
    assert client.get("/url").text == "/static/js/app.min.js"


# -- collect -------------------------------------------------------------------------------------
def test_hashed_name():
    assert hashed_name("static/css/site.css", b"a") == "static/css/site.{}.css".format(
        hashed_name("x.y", b"a").split(".")[1]
    )
    assert hashed_name("static/app.min.js", b"a").startswith("static/app.min.")
    assert hashed_name("static/LICENSE", b"a").startswith("static/LICENSE.")
    assert hashed_name("a.css", b"a") != hashed_name("a.css", b"b")


def test_collect_writes_hashed_copies_precompressed_files_and_a_manifest(site, tmp_path_factory):
    dest = tmp_path_factory.mktemp("collected")
    report = collect_static(make_app(site), dest)
    assert report.files == 4  # hidden files are not collected
    manifest = json.loads((dest / "staticfiles.json").read_text())
    assert manifest["version"] == 1
    assert manifest["mounts"] == ["/static"]
    files = manifest["files"]
    assert set(files) == {
        "static/css/site.css",
        "static/js/app.min.js",
        "static/img/logo.png",
        "static/robots.txt",
    }
    hashed_js = files["static/js/app.min.js"]
    assert (dest / hashed_js).read_text() == JS
    assert (dest / "static/js/app.min.js").read_text() == JS
    assert gzip.decompress((dest / (hashed_js + ".gz")).read_bytes()).decode() == JS
    assert brotli.decompress((dest / (hashed_js + ".br")).read_bytes()).decode() == JS
    assert manifest["compressed"][hashed_js] == ["br", "gzip"]
    # the PNG is already compressed, robots.txt is too small
    assert "static/img/logo.png" not in manifest["compressed"]
    assert not (dest / "static/robots.txt.gz").exists()
    assert not (dest / "static/.hidden").exists()
    # CSS references point at the hashed image
    css = (dest / files["static/css/site.css"]).read_text()
    logo = files["static/img/logo.png"].rsplit("/", 1)[1]
    assert f"url('../img/{logo}')" in css


def test_collect_is_reproducible(site, tmp_path_factory):
    first, second = tmp_path_factory.mktemp("one"), tmp_path_factory.mktemp("two")
    collect_static(make_app(site), first)
    collect_static(make_app(site), second)
    assert (first / "staticfiles.json").read_text() == (second / "staticfiles.json").read_text()
    name = json.loads((first / "staticfiles.json").read_text())["files"]["static/js/app.min.js"]
    assert (first / (name + ".gz")).read_bytes() == (second / (name + ".gz")).read_bytes()


def test_collect_needs_a_destination_outside_the_sources(site):
    app = make_app(site)
    with pytest.raises(ImproperlyConfigured, match="SPRUCE_STATIC_ROOT"):
        collect_static(app)
    with pytest.raises(ImproperlyConfigured, match="overlaps"):
        collect_static(app, site / "static" / "out")


def test_collect_gathers_routers_and_battery_folders(site, tmp_path_factory):
    battery = tmp_path_factory.mktemp("battery")
    write(battery / "admin.js", JS)
    blog_root = tmp_path_factory.mktemp("blog")
    write(blog_root / "static" / "blog.css", "b")
    app = make_app(site)
    app.add_static_dir("admin", battery)
    app.include(Router("/blog", name="blog", static_folder="static", root_path=str(blog_root)))
    dest = tmp_path_factory.mktemp("collected")
    collect_static(app, dest)
    manifest = json.loads((dest / "staticfiles.json").read_text())
    assert manifest["mounts"] == ["/static", "/blog/static"]
    assert "static/admin/admin.js" in manifest["files"]
    assert (dest / "blog/static/blog.css").read_text() == "b"


def test_cli_collect_and_list(site, tmp_path_factory):
    dest = tmp_path_factory.mktemp("collected")
    app = make_app(site)
    group = app.commands[0]()
    runner = CliRunner()
    result = runner.invoke(group, ["collect", "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    assert "Collected 4 files" in result.output
    assert (dest / "staticfiles.json").exists()
    listed = runner.invoke(group, ["list"])
    assert listed.exit_code == 0
    assert "/static" in listed.output and str(site / "static") in listed.output
    missing = runner.invoke(group, ["collect"])
    assert missing.exit_code == 2
    assert "SPRUCE_STATIC_ROOT" in missing.output


def test_cli_collect_through_the_spruce_command(site, tmp_path_factory, monkeypatch):
    from spruce.cli import AppLoader, cli

    dest = tmp_path_factory.mktemp("collected")
    app = make_app(site, settings=Settings(static_root=str(dest)))
    result = CliRunner().invoke(cli, ["static", "collect"], obj=AppLoader(app=app))
    assert result.exit_code == 0, result.output
    assert (dest / "staticfiles.json").exists()


# -- serving the collected files -----------------------------------------------------------------
@pytest.fixture
def collected_app(site, tmp_path_factory):
    dest = tmp_path_factory.mktemp("collected")
    collect_static(make_app(site), dest)
    return make_app(site, settings=Settings(static_root=str(dest), debug=False)), dest


def test_static_returns_hashed_urls_once_collected(collected_app):
    app, dest = collected_app
    manifest = json.loads((dest / "staticfiles.json").read_text())
    assert static_url(app, "css/site.css") == "/" + manifest["files"]["static/css/site.css"]
    assert static_url(app, "unknown.css") == "/static/unknown.css"


def test_hashed_files_are_immutable_others_revalidate(collected_app):
    app, _ = collected_app
    client = app.test_client()
    hashed = client.get(static_url(app, "img/logo.png"))
    assert hashed.status_code == 200
    assert hashed.headers["cache-control"] == IMMUTABLE
    plain = client.get("/static/img/logo.png")
    assert plain.headers["cache-control"] == REVALIDATE
    assert plain.content == hashed.content
    assert client.get("/static/missing.png").status_code == 404


def test_precompressed_variants_by_accept_encoding(collected_app):
    app, _ = collected_app
    client = app.test_client()
    url = static_url(app, "js/app.min.js")

    def raw(headers):
        with client.stream("GET", url, headers=headers) as response:
            return response, b"".join(response.iter_raw())

    response, body = raw({"Accept-Encoding": "gzip, br"})
    assert response.headers["content-encoding"] == "br"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["vary"] == "Accept-Encoding"
    assert brotli.decompress(body).decode() == JS
    response, body = raw({"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(body).decode() == JS
    response, body = raw({"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"
    assert body.decode() == JS
    # a byte range is taken from the identity file
    response, body = raw({"Accept-Encoding": "gzip", "Range": "bytes=0-6"})
    assert response.status_code == 206
    assert "content-encoding" not in response.headers
    assert body == b"console"


def test_compressed_etag_differs_and_conditional_get_works(collected_app):
    app, _ = collected_app
    client = app.test_client()
    url = static_url(app, "js/app.min.js")
    br = client.get(url, headers={"Accept-Encoding": "br"})
    identity = client.get(url, headers={"Accept-Encoding": "identity"})
    assert br.headers["etag"] != identity.headers["etag"]
    again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": br.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == IMMUTABLE


def test_debug_mode_ignores_the_manifest(site, tmp_path_factory):
    dest = tmp_path_factory.mktemp("collected")
    collect_static(make_app(site), dest)
    app = make_app(site, settings=Settings(static_root=str(dest), debug=True))
    assert static_url(app, "css/site.css") == "/static/css/site.css"
    write(site / "static" / "new.txt", "not collected yet")
    assert app.test_client().get("/static/new.txt").text == "not collected yet"


def test_collected_mounts_are_served_without_source_folders(site, tmp_path_factory):
    dest = tmp_path_factory.mktemp("collected")
    collect_static(make_app(site), dest)
    empty = tmp_path_factory.mktemp("deployed")
    app = make_app(empty, settings=Settings(static_root=str(dest)))
    assert app.test_client().get("/static/robots.txt").text == "User-agent: *\n"


def test_a_damaged_manifest_stops_the_start(site, tmp_path_factory):
    dest = tmp_path_factory.mktemp("collected")
    write(dest / "staticfiles.json", "{not json")
    app = make_app(site, settings=Settings(static_root=str(dest)))
    with pytest.raises(ImproperlyConfigured, match="spruce static collect"):
        app.freeze()
    write(dest / "staticfiles.json", json.dumps({"version": 99}))
    app = make_app(site, settings=Settings(static_root=str(dest)))
    with pytest.raises(ImproperlyConfigured, match="version 1"):
        app.freeze()


def test_static_manifest_setting(site, tmp_path_factory):
    dest = tmp_path_factory.mktemp("collected")
    manifest = tmp_path_factory.mktemp("elsewhere") / "manifest.json"
    app = make_app(site, settings=Settings(static_root=str(dest), static_manifest=str(manifest)))
    report = collect_static(app)
    assert report.manifest_path == str(manifest)
    assert not (dest / "staticfiles.json").exists()
    assert StaticFiles.of(app).collected is not None
    assert static_url(app, "robots.txt").startswith("/static/robots.")


def test_settings_from_the_environment(site, tmp_path_factory, monkeypatch):
    dest = tmp_path_factory.mktemp("collected")
    monkeypatch.setenv("SPRUCE_STATIC_ROOT", str(dest))
    app = make_app(site)
    assert StaticFiles.of(app).static_root == os.path.abspath(dest)


def test_gzip_middleware_compresses_source_files_and_keeps_validators(site):
    from spruce.middleware.gzip import GZipMiddleware

    app = make_app(site)
    app.add_middleware(GZipMiddleware, use_brotli=False)
    client = app.test_client()
    response = client.get("/static/js/app.min.js", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == JS
    assert response.headers["etag"].startswith('W/"')
    again = client.get(
        "/static/js/app.min.js",
        headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304
    ranged = client.get(
        "/static/js/app.min.js", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-6"}
    )
    assert ranged.status_code == 206
    assert "content-encoding" not in ranged.headers
    assert ranged.text == "console"


def test_gzip_middleware_leaves_precompressed_files_alone(collected_app):
    from spruce.middleware.gzip import GZipMiddleware

    app, dest = collected_app
    app.add_middleware(GZipMiddleware)
    client = app.test_client()
    url = static_url(app, "js/app.min.js")
    with client.stream("GET", url, headers={"Accept-Encoding": "br"}) as response:
        body = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "br"
    assert body == (dest / (url[1:] + ".br")).read_bytes()


def test_templates_get_hashed_urls(site, tmp_path_factory):
    dest = tmp_path_factory.mktemp("collected")
    collect_static(make_app(site), dest)
    write(site / "templates" / "page.html", '{{ static("css/site.css") }}')
    app = make_app(site, settings=Settings(static_root=str(dest)))

    @app.get("/page")
    def page():
        return render("page.html")

    hashed = static_url(app, "css/site.css")
    assert hashed != "/static/css/site.css"
    assert app.test_client().get("/page").text == hashed
