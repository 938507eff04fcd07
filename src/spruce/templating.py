"""Templates on Jinja2: ``render("page.html", title="Home")`` in a handler returns the page.

::

    from spruce import Spruce, render

    app = Spruce()

    @app.get("/")
    def home():
        return render("home.html", title="Home")

Where templates are found, first match wins: the app's ``templates/`` folder, then each included
router's ``template_folder``, then the packages batteries register with
``app.templates.add_package``. So any built-in template can be overridden by a file of the same
name in the app's folder.

Autoescaping is always on for ``.html``, ``.htm``, ``.xhtml``, ``.xml``, ``.svg``, ``.jinja``,
``.jinja2``, ``.j2`` and for templates made from strings; plain-text templates (``.txt``,
``.md``, ``.csv``, ``.eml``) are not escaped; any other extension is. In debug mode templates
reload when their file changes and an undefined variable is an error that names it; in production
templates are compiled once and an undefined variable renders as nothing.

Every template sees ``request``, ``url_for``, ``static``, ``get_flashed_messages`` and what the
context processors batteries register add (``csrf_token`` with the security battery).

Jinja2 is imported when the first template is rendered, not before.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .requests import current_request
from .responses import HTMLResponse

if TYPE_CHECKING:
    import jinja2

    from .app import Spruce
    from .requests import HTTPConnection
    from .routing.router import Router

__all__ = [
    "AUTOESCAPE_EXTENSIONS",
    "ContextProcessor",
    "Templates",
    "render",
    "render_block",
    "render_to_string",
]

F = TypeVar("F", bound=Callable[..., Any])
ContextProcessor = Callable[["HTTPConnection"], Mapping[str, Any]]
P = TypeVar("P", bound=ContextProcessor)
TemplateName = str | Sequence[str]

AUTOESCAPE_EXTENSIONS = ("html", "htm", "xhtml", "xml", "svg", "jinja", "jinja2", "j2")
PLAIN_TEXT_EXTENSIONS = ("txt", "text", "md", "csv", "eml")


class Templates:
    """An app's template engine: search path, filters, globals and context processors.

    Reach it as ``app.templates``. Registration (``add_package``, ``add_filter``...) never imports
    Jinja2; the environment is built on first use.
    """

    def __init__(self, app: Spruce) -> None:
        self.app = app
        self._packages: list[tuple[str, str]] = []
        self._folders: list[str] = []
        self._filters: dict[str, Callable[..., Any]] = {}
        self._tests: dict[str, Callable[..., Any]] = {}
        self._globals: dict[str, Any] = {}
        self._processors: list[ContextProcessor] = []
        self._env: jinja2.Environment | None = None
        self._parent_cache: weakref.WeakKeyDictionary[jinja2.Template, list[str]] = (
            weakref.WeakKeyDictionary()
        )
        self._search_path_final = False

    # -- registration ---------------------------------------------------------------------------
    def add_package(self, package: str, folder: str = "templates") -> None:
        """Search ``folder`` inside the importable ``package`` (``add_package("spruce.auth")``),
        after the app's and the routers' folders, so the app can override its templates."""
        self._packages.append((package, folder))
        self._refresh_loader()

    def add_folder(self, path: str | os.PathLike[str]) -> None:
        """Search another folder, after the app's and the routers' and before the packages'."""
        self._folders.append(os.fspath(path))
        self._refresh_loader()

    def add_filter(self, func: Callable[..., Any], name: str | None = None) -> None:
        """Make ``func`` usable as ``{{ value | name }}`` (``name`` defaults to the function's)."""
        key = name or func.__name__
        self._filters[key] = func
        if self._env is not None:
            self._env.filters[key] = func

    def add_test(self, func: Callable[..., Any], name: str | None = None) -> None:
        """Make ``func`` usable as ``{% if value is name %}``."""
        key = name or func.__name__
        self._tests[key] = func
        if self._env is not None:
            self._env.tests[key] = func

    def add_global(self, name: str, value: Any) -> None:
        """Make ``value`` (a function, a constant...) visible in every template as ``name``.

        Replaces a built-in of the same name: the static files feature registers ``static``
        this way."""
        self._globals[name] = value
        if self._env is not None:
            self._env.globals[name] = value

    def add_context_processor(self, processor: P) -> P:
        """Call ``processor(request)`` for each template rendered during a request and add the
        names it returns to the template's context (the template's own variables win).
        Returns ``processor``, so it also works as a decorator."""
        self._processors.append(processor)
        return processor

    @overload
    def filter(self, name: F) -> F: ...
    @overload
    def filter(self, name: str | None = None) -> Callable[[F], F]: ...
    def filter(self, name: str | F | None = None) -> F | Callable[[F], F]:
        """Decorator: ``@app.templates.filter`` or ``@app.templates.filter("money")``."""
        if callable(name):
            self.add_filter(name)
            return name
        label = name

        def register(func: F) -> F:
            self.add_filter(func, label)
            return func

        return register

    @overload
    def function(self, name: F) -> F: ...
    @overload
    def function(self, name: str | None = None) -> Callable[[F], F]: ...
    def function(self, name: str | F | None = None) -> F | Callable[[F], F]:
        """Decorator: make a function callable from every template (a global),
        ``@app.templates.function`` or ``@app.templates.function("now")``."""
        if callable(name):
            self.add_global(name.__name__, name)
            return name
        label = name

        def register(func: F) -> F:
            self.add_global(label or func.__name__, func)
            return func

        return register

    # -- the environment ------------------------------------------------------------------------
    def search_path(self) -> list[str]:
        """The folders searched, in order (the packages' folders come after them)."""
        folders: list[str] = []
        app = self.app
        if app.template_folder:
            folders.append(os.path.join(app.root_path, app.template_folder))
        folders.extend(_router_folders(app, set()))
        folders.extend(self._folders)
        return list(dict.fromkeys(folders))

    def _loader(self) -> jinja2.BaseLoader:
        import jinja2

        from .exceptions import ImproperlyConfigured

        loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(self.search_path())]
        for package, folder in self._packages:
            try:
                loaders.append(jinja2.PackageLoader(package, folder))
            except (ImportError, ValueError) as exc:
                raise ImproperlyConfigured(
                    f"templates: cannot use folder {folder!r} of package {package!r}: {exc}"
                ) from exc
        return jinja2.ChoiceLoader(loaders)

    def _refresh_loader(self) -> None:
        if self._env is not None:
            self._env.loader = self._loader()

    @property
    def environment(self) -> jinja2.Environment:
        """The ``jinja2.Environment`` (built on first use)."""
        env = self._env
        if env is None:
            env = self._env = self._build()
            self._search_path_final = self.app.started
        elif not self._search_path_final and self.app.started:
            # routers included after the first render (before start-up) join the search path
            self._search_path_final = True
            env.loader = self._loader()
        return env

    def _build(self) -> jinja2.Environment:
        import jinja2

        debug = self.app.debug
        env = jinja2.Environment(
            loader=self._loader(),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=AUTOESCAPE_EXTENSIONS,
                disabled_extensions=PLAIN_TEXT_EXTENSIONS,
                default_for_string=True,
                default=True,
            ),
            undefined=jinja2.StrictUndefined if debug else jinja2.ChainableUndefined,
            auto_reload=debug,
        )
        env.globals.update(_builtin_globals(self.app))
        env.globals.update(self._globals)
        env.filters.update(self._filters)
        env.tests.update(self._tests)
        return env

    def get_template(self, name: TemplateName) -> jinja2.Template:
        """The compiled template ``name`` (or the first that exists of a list of names).

        A missing template raises ``jinja2.TemplateNotFound`` naming the folders searched."""
        import jinja2

        env = self.environment
        try:
            return env.get_or_select_template(name)  # type: ignore[arg-type]
        except jinja2.TemplateNotFound as exc:
            packages = [f"{p}/{f}" for p, f in self._packages]
            searched = ", ".join([*self.search_path(), *packages]) or "no folder"
            raise jinja2.TemplateNotFound(
                exc.name or str(name), f"template {exc.name or name!r} not found in: {searched}"
            ) from None
        except jinja2.TemplatesNotFound as exc:
            names = [str(n) for n in exc.templates]
            raise jinja2.TemplatesNotFound(
                names, f"none of the templates {names} was found"
            ) from None

    # -- rendering ------------------------------------------------------------------------------
    def context(
        self, request: HTTPConnection | None, *sources: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """The variables a template sees: the context processors' (when there is a request),
        ``request``, then each of ``sources`` in order."""
        values: dict[str, Any] = {}
        if request is not None:
            for processor in self._processors:
                values.update(processor(request))
            values["request"] = request
        for source in sources:
            if source:
                values.update(source)
        return values

    def render_to_string(
        self,
        name: TemplateName,
        context: Mapping[str, Any] | None = None,
        /,
        *,
        request: HTTPConnection | None = None,
        **variables: Any,
    ) -> str:
        """Render template ``name`` with ``context`` and ``variables`` to a string."""
        template = self.get_template(name)
        return template.render(self.context(request, context, variables))

    def render_block_to_string(
        self,
        name: TemplateName,
        block: str,
        context: Mapping[str, Any] | None = None,
        /,
        *,
        request: HTTPConnection | None = None,
        **variables: Any,
    ) -> str:
        """Render only ``{% block <block> %}`` of template ``name`` (a partial, for htmx).

        The block may be defined in the template or in a template it extends by name."""
        template = self.get_template(name)
        jinja_context = template.new_context(self.context(request, context, variables))
        for parent_name in self._parent_names(template):  # as {% extends %} would, for super()
            for block_name, render_block in self.get_template(parent_name).blocks.items():
                jinja_context.blocks.setdefault(block_name, []).append(render_block)
        renderers = jinja_context.blocks.get(block)
        if not renderers:
            known = ", ".join(sorted(jinja_context.blocks)) or "none"
            raise LookupError(
                f"template {template.name!r} has no block {block!r} (blocks: {known})"
            )
        return self.environment.concat(renderers[0](jinja_context))

    def _parent_names(self, template: jinja2.Template) -> list[str]:
        """The names of the templates ``template`` extends by a literal name, nearest first
        (found by parsing; remembered for as long as the compiled template lives)."""
        names: list[str] | None = self._parent_cache.get(template)
        if names is None:
            from jinja2 import nodes

            env = self.environment
            names = []
            seen = {template.name}
            current = template
            while current.name is not None:
                assert env.loader is not None
                source, _, _ = env.loader.get_source(env, current.name)
                extends = env.parse(source).find(nodes.Extends)
                if extends is None or not isinstance(extends.template, nodes.Const):
                    break
                parent = str(extends.template.value)
                if parent in seen:  # a cycle: Jinja reports it when the page renders
                    break
                seen.add(parent)
                names.append(parent)
                current = self.get_template(parent)
            self._parent_cache[template] = names
        return names

    def response(
        self,
        name: TemplateName,
        context: Mapping[str, Any] | None = None,
        /,
        *,
        request: HTTPConnection | None = None,
        block: str | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        **variables: Any,
    ) -> HTMLResponse:
        """An ``HTMLResponse`` with the rendered template (or only its ``block``)."""
        if block is None:
            html = self.render_to_string(name, context, request=request, **variables)
        else:
            html = self.render_block_to_string(name, block, context, request=request, **variables)
        return HTMLResponse(html, status_code, headers)

    def __repr__(self) -> str:
        return f"<Templates search_path={self.search_path()!r}>"


def _router_folders(router: Router, seen: set[int]) -> Iterator[str]:
    for child, _ in router.children:
        if id(child) in seen:
            continue
        seen.add(id(child))
        if child.template_folder:
            yield os.path.join(child.root_path, child.template_folder)
        yield from _router_folders(child, seen)


def _builtin_globals(app: Spruce) -> dict[str, Any]:
    """``url_for``, ``static`` and ``get_flashed_messages``, aware of the request being
    rendered for."""
    from jinja2 import pass_context
    from jinja2.runtime import Context

    @pass_context
    def url_for(context: Context, name: str, /, **params: Any) -> str:
        request = context.get("request")
        if request is not None:
            return str(request.url_for(name, **params))
        return app.url_for(name, **params)

    @pass_context
    def static(context: Context, path: str) -> str:
        request = context.get("request")
        root = request.scope.get("root_path", "") if request is not None else ""
        return f"{root}/static/{path.lstrip('/')}"

    @pass_context
    def get_flashed_messages(
        context: Context, with_categories: bool = False, category_filter: Sequence[str] = ()
    ) -> list[Any]:
        request = context.get("request")
        if request is None or "spruce.session" not in request.scope:
            return []
        from .flash import get_flashed_messages as take

        return take(request, with_categories=with_categories, category_filter=category_filter)

    return {
        "url_for": url_for,
        "static": static,
        "get_flashed_messages": get_flashed_messages,
    }


# -- the functions handlers call ------------------------------------------------------------------
def _templates_for(variables: dict[str, Any]) -> tuple[Templates, HTTPConnection | None]:
    request = variables.pop("request", None) or current_request()
    if request is None:
        raise RuntimeError(
            "render() needs the request being handled and was called outside one; pass "
            "request=..., or use app.templates.render_to_string(...) in scripts and tasks"
        )
    return request.app.templates, request


def render(
    template_name: TemplateName,
    context: Mapping[str, Any] | None = None,
    /,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **variables: Any,
) -> HTMLResponse:
    """The ``HTMLResponse`` for ``template_name`` rendered with ``context`` and ``variables``.

    Call it while handling a request (sync or async handler, hook or error handler): the app and
    the request are found from there. ``status_code`` and ``headers`` are for the response; to
    pass template variables with those names, put them in ``context``.
    """
    templates, request = _templates_for(variables)
    return templates.response(
        template_name,
        context,
        request=request,
        status_code=status_code,
        headers=headers,
        **variables,
    )


def render_block(
    template_name: TemplateName,
    block: str,
    context: Mapping[str, Any] | None = None,
    /,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **variables: Any,
) -> HTMLResponse:
    """The ``HTMLResponse`` for one block of ``template_name`` (an htmx partial)."""
    templates, request = _templates_for(variables)
    return templates.response(
        template_name,
        context,
        request=request,
        block=block,
        status_code=status_code,
        headers=headers,
        **variables,
    )


def render_to_string(
    template_name: TemplateName, context: Mapping[str, Any] | None = None, /, **variables: Any
) -> str:
    """``template_name`` rendered to a string, during a request (see ``render``)."""
    templates, request = _templates_for(variables)
    return templates.render_to_string(template_name, context, request=request, **variables)
