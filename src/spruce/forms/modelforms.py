"""``ModelForm``: a form built from a SQLAlchemy model, that saves itself.

::

    class PostForm(ModelForm):
        class Meta:
            model = Post
            fields = ("title", "body", "author", "tags")   # always an explicit list

    @app.route("/posts/new", methods=["GET", "POST"])
    async def new_post(form: PostForm, db: AsyncSession):
        if post := await form.save(db):
            return RedirectResponse(f"/posts/{post.id}", 303)
        return render("post_form.html", form=form)

    @app.route("/posts/{post_id}/edit", methods=["GET", "POST"])
    async def edit_post(post_id: int, form: PostForm, db: AsyncSession):
        await form.use_instance(await get_or_404(db, Post, post_id))
        if await form.save(db):
            return RedirectResponse(f"/posts/{post_id}", 303)
        return render("post_form.html", form=form)

Only the names in ``Meta.fields`` are read from the request and written to the model: a posted
``is_admin`` that the form does not list is ignored, so mass assignment is impossible by
construction. ``Meta.labels``, ``Meta.help_texts`` and ``Meta.widgets`` (dicts by field name)
adjust the generated fields; declaring a field on the class replaces the generated one (keep its
name in ``Meta.fields`` and it is still saved). Fields declared on the class but not listed are
form-only (a "confirm" box) and never saved.

Foreign keys and many-to-many relationships become selects whose options are the related rows:
a ``ModelForm`` parameter loads them (with a short session of the ``db`` battery) and checks that
the submitted keys exist. Outside a handler call ``await form.load_choices(session)``. An option
is labelled with ``str(row)`` when the model defines ``__str__``, else its ``name``, ``title``,
``label``, ``username`` or ``email`` column, else its primary key.

``save`` checks the unique columns first (a field error, not an exception), then inserts or
updates inside a savepoint; if another request wins the race for a unique value, the database's
refusal also becomes a field error. It returns ``None`` whenever the form is unbound or invalid,
so the handler's ``if`` covers every case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, Self, cast
from weakref import WeakKeyDictionary

from pydantic import PrivateAttr, create_model
from pydantic._internal._model_construction import ModelMetaclass
from sqlalchemy import and_, inspect, literal, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Mapper
from sqlalchemy.sql.schema import Column, UniqueConstraint

from ..exceptions import ImproperlyConfigured, RequestValidationError
from .fields import ChoiceList, choice_key
from .form import Form, form_option
from .messages import message_for
from .modelfields import ModelBinding, model_field, verbose_name

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ..requests import Request
    from .messages import LazyText

__all__ = ["ModelForm"]

_LABEL_COLUMNS = ("name", "title", "label", "username", "email")


@dataclass(slots=True)
class ModelInfo:
    """What a model form class knows about its model (read once, at class creation)."""

    model: type
    bindings: dict[str, ModelBinding] = dataclass_field(default_factory=dict)

    @property
    def relations(self) -> list[ModelBinding]:
        """The foreign-key and many-to-many fields."""
        return [b for b in self.bindings.values() if b.kind != "column"]


_MODELS: WeakKeyDictionary[type, ModelInfo] = WeakKeyDictionary()


class ModelFormMetaclass(ModelMetaclass):
    """Adds the fields a model form's ``Meta`` lists before pydantic reads the class."""

    def __new__(
        mcs,
        cls_name: str,
        bases: tuple[type[Any], ...],
        namespace: dict[str, Any],
        **kwargs: Any,
    ) -> type:
        meta = namespace.get("Meta")
        model = getattr(meta, "model", None)
        info: ModelInfo | None = None
        if model is not None:
            info, generated = _read_meta(cls_name, bases, namespace, meta, model)
            if generated is not None:
                bases = (generated,)
        cls = super().__new__(mcs, cls_name, bases, namespace, **kwargs)
        if info is not None:
            _MODELS[cls] = info
        return cls


def _read_meta(
    cls_name: str,
    bases: tuple[type[Any], ...],
    namespace: dict[str, Any],
    meta: Any,
    model: type,
) -> tuple[ModelInfo, type | None]:
    fields = getattr(meta, "fields", None)
    if fields == "__all__" or isinstance(fields, str) or not fields:
        raise ImproperlyConfigured(
            f"model form {cls_name}: Meta.fields must list the fields to edit, e.g. "
            'fields = ("title", "body"); there is no "all fields" (it would let a request set '
            "any column)"
        )
    try:
        inspect(model)
    except sa_exc.NoInspectionAvailable:
        raise ImproperlyConfigured(
            f"model form {cls_name}: Meta.model {model!r} is not a mapped SQLAlchemy model"
        ) from None
    declared = set(namespace.get("__annotations__", {}))
    info = ModelInfo(model)
    definitions: dict[str, Any] = {}
    for name in fields:
        annotation, field_info, binding = model_field(model, name, meta, cls_name)
        info.bindings[name] = binding
        if name not in declared:
            definitions[name] = (annotation, field_info)
    if not definitions:
        return info, None
    generated = create_model(
        f"{cls_name}Fields",
        __base__=bases,
        __module__=namespace.get("__module__", __name__),
        **definitions,
    )
    return info, cast(type, generated)


class ModelForm(Form, metaclass=ModelFormMetaclass):
    """A form for a SQLAlchemy model: ``class Meta: model = ...; fields = (...)``."""

    _instance: Any = PrivateAttr(default=None)
    _loaded: bool = PrivateAttr(default=False)

    @classmethod
    def _model_info(cls) -> ModelInfo:
        info = _MODELS.get(cls)
        if info is None:
            for base in cls.__mro__[1:]:
                info = _MODELS.get(base)
                if info is not None:
                    break
        if info is None:
            raise ImproperlyConfigured(
                f"model form {cls.__name__} has no model: add class Meta: model = ...; "
                "fields = (...)"
            )
        return info

    # -- the request ----------------------------------------------------------------------------
    @classmethod
    async def __spruce_body__(cls, request: Request) -> Self:
        """Read the form from ``request`` (as ``Form`` does), then load the options of its
        relation fields and check the submitted keys (a JSON request with unknown keys gets
        422)."""
        form = await super().__spruce_body__(request)
        if cls._model_info().relations:
            from ..db import get_database

            async with get_database(request.app).session(commit=False) as session:
                await form.load_choices(session)
            content_type = request.content_type
            is_json = content_type == "application/json" or content_type.endswith("+json")
            if is_json and form.errors:
                raise RequestValidationError(form.error_list())
        return form

    # -- the instance ---------------------------------------------------------------------------
    @property
    def instance(self) -> Any:
        """The model object ``save`` updates (``None``: ``save`` creates one)."""
        return self._instance

    async def use_instance(self, instance: Any) -> None:
        """Edit ``instance``: ``save`` will update it, and an unbound form shows its values."""
        info = self._model_info()
        if not isinstance(instance, info.model):
            raise TypeError(
                f"{type(self).__name__} edits {info.model.__name__} objects, not "
                f"{type(instance).__name__}"
            )
        self._instance = instance
        if self.is_bound:
            return
        for name, binding in info.bindings.items():
            if binding.kind == "many_to_many":
                related = await _loaded_collection(instance, binding.attribute)
                self.__dict__[name] = [_primary_key(item) for item in related]
            else:
                self.__dict__[name] = getattr(instance, binding.attribute)

    # -- relations ------------------------------------------------------------------------------
    async def load_choices(self, session: AsyncSession) -> None:
        """Load the options of the relation fields from the database and check that the keys a
        bound form holds exist (an ``invalid_choice`` error otherwise)."""
        for binding in self._model_info().relations:
            assert binding.target is not None
            rows = (await session.scalars(_options_query(binding.target))).all()
            choices: ChoiceList = tuple((_primary_key(row), _row_label(row)) for row in rows)
            self._choices[binding.field] = choices
            if self.is_bound and binding.field not in self.errors:
                self._check_keys(binding, {choice_key(key) for key, _ in choices})
        self._loaded = True

    def _check_keys(self, binding: ModelBinding, known: set[str]) -> None:
        if binding.field not in self.__dict__:
            return
        value = self.__dict__[binding.field]
        keys = value if binding.kind == "many_to_many" else [value]
        if any(key is not None and choice_key(key) not in known for key in keys):
            self._add_coded_error(binding.field, "invalid_choice")

    def _add_coded_error(self, target: str | None, code: str, **params: Any) -> None:
        message = message_for(code, params)
        assert message is not None
        self.add_error(target, message, code=code, **params)

    # -- saving ---------------------------------------------------------------------------------
    async def save(self, session: AsyncSession) -> Any:
        """Create (or update, after ``use_instance``) the model object from the form and flush
        it; return it, or ``None`` when the form is unbound or invalid (including a unique value
        taken, checked before writing and again by the database). Committing is the session's
        business (a request's session commits when the handler returns)."""
        if not self.is_valid:
            return None
        info = self._model_info()
        if info.relations and not self._loaded:
            await self.load_choices(session)
        if not self.is_valid or not await self._check_unique(session, info):
            return None
        instance = self._instance if self._instance is not None else info.model()
        await self._assign(session, info, instance)
        try:
            async with session.begin_nested():
                session.add(instance)
                await session.flush()
        except sa_exc.IntegrityError as exc:
            self._report_violation(exc, info)
            return None
        return instance

    async def _assign(self, session: AsyncSession, info: ModelInfo, instance: Any) -> None:
        for name, binding in info.bindings.items():
            value = self.__dict__.get(name)
            if binding.kind == "many_to_many":
                assert binding.target is not None
                related = await _rows_by_key(session, binding.target, value or [])
                if inspect(instance).persistent:
                    await _loaded_collection(instance, binding.attribute)
                setattr(instance, binding.attribute, related)
            elif value is None and binding.keep_when_empty:
                continue
            else:
                setattr(instance, binding.attribute, value)

    async def _check_unique(self, session: AsyncSession, info: ModelInfo) -> bool:
        for columns in _unique_sets(info.model):
            fields = [_field_for(info, column) for column in columns]
            if any(name is None for name in fields):
                continue
            names = cast(list[str], fields)
            values = [self.__dict__.get(name) for name in names]
            if any(value is None for value in values):
                continue
            instance = self._instance
            if instance is not None and all(
                getattr(instance, info.bindings[name].attribute) == value
                for name, value in zip(names, values, strict=True)
            ):
                continue  # unchanged
            query = select(literal(1)).select_from(columns[0].table)
            query = query.where(and_(*(c == v for c, v in zip(columns, values, strict=True))))
            if instance is not None:
                query = query.where(_not_this_row(info.model, instance))
            if await session.scalar(query.limit(1)) is not None:
                self._unique_error(info, names)
        return self.is_valid

    def _unique_error(self, info: ModelInfo, names: Sequence[str]) -> None:
        model = _model_label(info.model, type(self))
        if len(names) == 1:
            label = str(self[names[0]].label).lower()
            self._add_coded_error(names[0], "unique", model=model, field_label=label)
        else:
            *first, last = [str(self[name].label).lower() for name in names]
            labels = f"{', '.join(first)} and {last}"
            self._add_coded_error(None, "unique_together", model=model, field_labels=labels)

    def _report_violation(self, exc: sa_exc.IntegrityError, info: ModelInfo) -> None:
        from ..db.translate import integrity_violation

        violation = integrity_violation(exc)
        columns = [_field_for_name(info, name) for name in violation.columns]
        fields = [name for name in columns if name is not None]
        code = {
            "unique": "unique",
            "foreign_key": "invalid_choice",
            "not_null": "missing",
        }.get(violation.kind, "integrity")
        if code == "unique" and fields:
            self._unique_error(info, fields)
        elif len(fields) == 1:
            self._add_coded_error(fields[0], code)
        else:
            self._add_coded_error(None, "integrity")


# -- helpers -------------------------------------------------------------------------------------
def _primary_key(row: Any) -> Any:
    identity = inspect(row).identity
    if identity is None or len(identity) != 1:
        raise ValueError(f"{row!r} has no single-column primary key")
    return identity[0]


def _label_column(model: type) -> Column[Any] | None:
    mapper: Mapper[Any] = inspect(model)
    for name in _LABEL_COLUMNS:
        prop = mapper.column_attrs.get(name)
        if prop is not None:
            return cast("Column[Any]", prop.columns[0])
    return None


def _options_query(model: type) -> Any:
    mapper: Mapper[Any] = inspect(model)
    order = _label_column(model)
    query: Any = select(model)
    if order is not None:
        return query.order_by(order, *mapper.primary_key)
    return query.order_by(*mapper.primary_key)


def _row_label(row: Any) -> str:
    model = type(row)
    if getattr(model, "__str__", None) is not object.__str__:
        return str(row)
    column = _label_column(model)
    if column is not None:
        value = getattr(row, inspect(model).get_property_by_column(column).key)
        if value is not None:
            return str(value)
    return f"{verbose_name(model).capitalize()} {_primary_key(row)}"


async def _rows_by_key(session: AsyncSession, model: type, keys: Sequence[Any]) -> list[Any]:
    if not keys:
        return []
    mapper: Mapper[Any] = inspect(model)
    key_column = mapper.primary_key[0]
    rows: Sequence[Any] = (
        await session.scalars(select(model).where(key_column.in_(list(keys))))
    ).all()
    by_key = {_primary_key(row): row for row in rows}
    return [by_key[key] for key in keys if key in by_key]


async def _loaded_collection(instance: Any, attribute: str) -> list[Any]:
    awaitable_attrs = getattr(instance, "awaitable_attrs", None)
    if awaitable_attrs is not None:
        return list(await getattr(awaitable_attrs, attribute))
    return list(getattr(instance, attribute))


def _unique_sets(model: type) -> list[list[Column[Any]]]:
    mapper: Mapper[Any] = inspect(model)
    table = mapper.local_table
    sets: list[list[Column[Any]]] = []
    for constraint in getattr(table, "constraints", ()):
        if isinstance(constraint, UniqueConstraint):
            sets.append(list(constraint.columns))
    for index in getattr(table, "indexes", ()):
        if index.unique:
            columns = [c for c in index.columns if isinstance(c, Column)]
            if len(columns) == len(index.expressions):
                sets.append(columns)
    return sets


def _field_for(info: ModelInfo, column: Column[Any]) -> str | None:
    for name, binding in info.bindings.items():
        if binding.column is column:
            return name
    return None


def _field_for_name(info: ModelInfo, column_name: str) -> str | None:
    for name, binding in info.bindings.items():
        if binding.column is not None and binding.column.name == column_name:
            return name
    return None


def _not_this_row(model: type, instance: Any) -> Any:
    mapper: Mapper[Any] = inspect(model)
    identity = inspect(instance).identity
    if identity is None:
        return literal(True)
    return ~and_(*(c == v for c, v in zip(mapper.primary_key, identity, strict=True)))


def _model_label(model: type, form_class: type) -> str | LazyText:
    label: str | LazyText | None = form_option(form_class, "verbose_name", None)
    return label if label is not None else verbose_name(model).capitalize()
