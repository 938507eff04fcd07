"""Model forms on SQLite and PostgreSQL: fields from columns, selects loaded from the database,
unique checks (before the insert and after a lost race), create and update, no mass assignment."""

import contextlib
import datetime as dt
import decimal
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from forms_models import Article, Base, Room, Status, Tag, Writer
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from spruce import RedirectResponse, Spruce
from spruce.db import Database
from spruce.exceptions import ImproperlyConfigured
from spruce.forms import Form, field
from spruce.forms.modelforms import ModelForm


class ArticleForm(ModelForm):
    class Meta:
        model = Article
        fields = (
            "title",
            "slug",
            "body",
            "status",
            "price",
            "featured",
            "published_on",
            "writer",
            "editor_id",
            "tags",
        )
        labels = {"editor_id": "Second pair of eyes"}


class WriterForm(ModelForm):
    confirm_email: str = ""

    class Meta:
        model = Writer
        fields = ("name", "email")
        help_texts = {"email": "Where we write to you."}


class RoomForm(ModelForm):
    class Meta:
        model = Room
        fields = ("building", "number")


# -- fields from columns (no database needed) ------------------------------------------------------
def test_fields_come_from_the_columns():
    specs = ArticleForm._field_specs()
    assert list(specs) == list(ArticleForm.Meta.fields)  # in Meta's order
    assert (specs["title"].kind, specs["title"].required, specs["title"].constraints) == (
        "text",
        True,
        {"max_length": 80},
    )
    assert specs["body"].widget.template.endswith("textarea.html")
    assert specs["body"].nullable and not specs["body"].required
    assert specs["body"].help_text == "Markdown is fine."
    assert specs["status"].kind == "choice" and specs["status"].default is Status.DRAFT
    assert specs["price"].kind == "decimal"
    assert specs["price"].constraints == {"max_digits": 6, "decimal_places": 2}
    assert specs["featured"].kind == "bool" and specs["featured"].default is False
    assert specs["published_on"].kind == "date"
    assert specs["writer"].kind == "choice" and specs["writer"].required
    assert specs["editor_id"].kind == "choice" and specs["editor_id"].nullable
    assert specs["editor_id"].label == "Second pair of eyes"
    assert specs["writer"].label == "Writer"
    assert specs["tags"].kind == "multichoice"
    assert WriterForm._field_specs()["email"].help_text == "Where we write to you."
    assert "confirm_email" in WriterForm._field_specs()  # a form-only field


def test_rendered_attributes_follow_the_columns():
    html = ArticleForm.blank().__html__()
    assert 'maxlength="80"' in html and 'maxlength="40"' in html
    assert 'step="0.01"' in html
    assert '<option value="draft" selected>Draft</option>' in html


def test_a_declared_field_replaces_the_generated_one_and_is_still_saved():
    class ShortTitle(ModelForm):
        title: str = field(max_length=10, label="Headline")

        class Meta:
            model = Article
            fields = ("title", "slug", "writer")

    spec = ShortTitle._field_specs()["title"]
    assert spec.label == "Headline" and spec.constraints["max_length"] == 10
    assert list(ShortTitle._model_info().bindings) == ["title", "slug", "writer"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("__all__", "must list the fields"),
        ((), "must list the fields"),
        (("title", "nope"), "does not exist"),
        (("id",), "generated primary key"),
        (("articles",), "one-to-many"),
    ],
)
def test_meta_mistakes(fields, message):
    model = Writer if fields == ("articles",) else Article
    with pytest.raises(ImproperlyConfigured, match=message):

        class Bad(ModelForm):
            class Meta:
                pass

            Meta.model = model
            Meta.fields = fields


def test_meta_model_must_be_mapped():
    with pytest.raises(ImproperlyConfigured, match="not a mapped SQLAlchemy model"):

        class Bad(ModelForm):
            class Meta:
                model = dict
                fields = ("a",)


def test_a_model_form_without_a_model():
    class Abstract(ModelForm):
        pass

    with pytest.raises(ImproperlyConfigured, match="has no model"):
        Abstract._model_info()


# -- with a database -------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def running(database_url: str, app: Spruce) -> AsyncIterator[httpx.AsyncClient]:
    async with app.lifespan_context():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            yield client


@pytest.fixture
async def setup(database_url):
    database = Database(database_url, metadata=Base.metadata)
    app = Spruce(batteries=[database])

    @app.route("/articles/new", methods=["GET", "POST"])
    async def new_article(form: ArticleForm, db: AsyncSession):
        if article := await form.save(db):
            return RedirectResponse(f"/articles/{article.id}", 303)
        return form.render(submit="Create")

    @app.route("/articles/{article_id}/edit", methods=["GET", "POST"])
    async def edit_article(article_id: int, form: ArticleForm, db: AsyncSession):
        await form.use_instance(await db.get_one(Article, article_id))
        if await form.save(db):
            return RedirectResponse(f"/articles/{article_id}", 303)
        return form.render(submit="Save")

    @app.post("/api/articles")
    async def api_article(form: ArticleForm, db: AsyncSession):
        article = await form.save(db)
        return {"id": article.id} if article else {"errors": form.error_list()}

    async with running(database_url, app) as client:
        await database.create_all()
        async with database.session() as session:
            # fresh tables: these get the ids 1 and 2 on every backend
            session.add(Writer(name="Zoe", email="zoe@example.com"))
            session.add(Tag(label="python"))
            await session.flush()
            session.add(Writer(name="Adam", email="adam@example.com"))
            session.add(Tag(label="web"))
        yield app, database, client
    await database.dispose()


def csrf(html: str) -> dict[str, str]:
    """The CSRF field a rendered form carries (the security battery adds it), as form data."""
    found = re.search(r'<input type="hidden" name="([^"]+)" value="([^"]+)">', html)
    return {found.group(1): found.group(2)} if found else {}


VALID = {"title": "Hello", "slug": "hello", "status": "published", "writer": "1", "tags": ["2"]}


async def count(database, model) -> int:
    async with database.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_get_renders_selects_loaded_from_the_database(setup):
    _, _, client = setup
    html = (await client.get("/articles/new")).text
    # writers ordered by name, labelled by their name column
    assert html.index('<option value="2">Adam</option>') < html.index(
        '<option value="1">Zoe</option>'
    )
    assert '<option value="" selected>---------</option>' in html
    assert '<select id="id_tags" name="tags" multiple>' in html
    assert '<option value="1">#python</option>' in html  # Tag.__str__


async def test_create(setup):
    _, database, client = setup
    response = await client.post("/articles/new", data={**VALID, "price": "12.50", "body": " Hi "})
    assert response.status_code == 303
    async with database.session() as session:
        article = (await session.scalars(select(Article))).one()
        tags = await article.awaitable_attrs.tags
        assert (article.title, article.slug, article.status, article.price, article.body) == (
            "Hello",
            "hello",
            Status.PUBLISHED,
            decimal.Decimal("12.50"),
            "Hi",
        )
        assert article.writer_id == 1 and article.editor_id is None
        assert [tag.label for tag in tags] == ["web"]
        assert article.created_at is not None  # left to its default


async def test_mass_assignment_is_impossible(setup):
    _, database, client = setup
    response = await client.post(
        "/articles/new",
        data={**VALID, "is_admin_pick": "on", "id": "999", "created_at": "2000-01-01"},
    )
    assert response.status_code == 303
    async with database.session() as session:
        article = (await session.scalars(select(Article))).one()
        assert article.is_admin_pick is False
        assert article.id != 999
        assert article.created_at.year != 2000


async def test_unknown_references_are_field_errors(setup):
    _, database, client = setup
    response = await client.post(
        "/articles/new", data={**VALID, "writer": "99", "tags": ["1", "77"]}
    )
    assert response.status_code == 200
    html = response.text
    assert html.count("Select a valid choice.") == 2
    assert 'aria-describedby="id_writer_errors"' in html
    assert '<option value="1" selected>#python</option>' in html
    assert await count(database, Article) == 0


async def test_invalid_input_is_re_rendered_escaped(setup):
    _, database, client = setup
    response = await client.post(
        "/articles/new", data={**VALID, "title": "<script>x</script>" * 10}
    )
    assert response.status_code == 200
    assert "<script>x" not in response.text
    assert "Ensure this value has at most 80 characters." in response.text
    assert await count(database, Article) == 0


async def test_unique_column_is_checked_before_the_insert(setup):
    _, database, client = setup
    assert (await client.post("/articles/new", data=VALID)).status_code == 303
    response = await client.post("/articles/new", data={**VALID, "title": "Other"})
    assert response.status_code == 200
    assert "Article with this slug already exists." in response.text
    assert await count(database, Article) == 1


async def test_update_keeps_its_own_unique_value_and_loads_the_instance(setup):
    _, database, client = setup
    await client.post("/articles/new", data={**VALID, "tags": ["1", "2"]})
    await client.post("/articles/new", data={**VALID, "slug": "second"})
    async with database.session() as session:
        first = (await session.scalars(select(Article).where(Article.slug == "hello"))).one()
    html = (await client.get(f"/articles/{first.id}/edit")).text
    assert 'value="hello"' in html
    assert '<option value="1" selected>#python</option>' in html
    assert '<option value="2" selected>#web</option>' in html
    assert '<option value="published" selected>' in html
    token = csrf(html)  # the GET gave this browser a CSRF cookie: the posts need the field
    response = await client.post(
        f"/articles/{first.id}/edit", data={**VALID, "title": "New", "tags": [], **token}
    )
    assert response.status_code == 303
    taken = await client.post(
        f"/articles/{first.id}/edit", data={**VALID, "slug": "second", **token}
    )
    assert "Article with this slug already exists." in taken.text
    async with database.session() as session:
        article = await session.get_one(Article, first.id)
        assert article.title == "New" and article.slug == "hello"
        assert await article.awaitable_attrs.tags == []


async def test_json_requests_get_422_for_unknown_references(setup):
    _, _, client = setup
    response = await client.post("/api/articles", json={**VALID, "writer": 42, "tags": []})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "location": "body",
            "field": "writer",
            "message": "Select a valid choice.",
            "type": "invalid_choice",
        }
    ]
    ok = await client.post("/api/articles", json={**VALID, "writer": 2, "tags": [1]})
    assert ok.status_code == 200 and "id" in ok.json()
    again = await client.post("/api/articles", json={**VALID, "writer": 2, "tags": []})
    assert again.json()["errors"][0]["type"] == "unique"


async def test_the_race_for_a_unique_value_gives_a_field_error(setup):
    """Another writer takes the email between the check and the insert: still a field error."""
    _, database, _ = setup

    def sneak_in(mapper, connection, target):
        connection.execute(insert(Writer).values(name="Sneaky", email=target.email))

    form = WriterForm.bind({"name": "Ann", "email": "ann@example.com"})
    event.listen(Writer, "before_insert", sneak_in)
    try:
        async with database.session() as session:
            assert await form.save(session) is None
            # the session is still usable after the failed insert (a savepoint was rolled back)
            session.add(Tag(label="after-race"))
    finally:
        event.remove(Writer, "before_insert", sneak_in)
    assert [(e.code, str(e)) for e in form.errors["email"]] == [
        ("unique", "Writer with this email already exists.")
    ]
    assert await count(database, Tag) == 3


async def test_save_and_load_choices_outside_a_request(setup):
    _, database, _ = setup
    async with database.session() as session:
        assert await WriterForm.blank().save(session) is None  # unbound
        assert await WriterForm.bind({"name": ""}).save(session) is None  # invalid
        writer = await WriterForm.bind({"name": "Bea", "email": "bea@example.com"}).save(session)
        assert writer.id is not None
        form = ArticleForm.bind({**VALID, "tags": ["1"]})
        article = await form.save(session)  # loads the choices itself
        assert article.writer_id == 1
        form = ArticleForm.blank()
        await form.load_choices(session)
        assert [option.label for option in form["writer"].options] == [
            "---------",
            "Adam",
            "Bea",
            "Zoe",
        ]


async def test_unique_together_is_a_form_error(setup):
    _, database, _ = setup
    async with database.session() as session:
        assert await RoomForm.bind({"building": "A", "number": "1"}).save(session)
        taken = RoomForm.bind({"building": "A", "number": "1"})
        assert await taken.save(session) is None
        assert [(e.code, str(e)) for e in taken.non_field_errors] == [
            ("unique_together", "Room with this building and number already exists.")
        ]
        assert await RoomForm.bind({"building": "B", "number": "1"}).save(session)


async def test_use_instance_checks_the_model(setup):
    form = WriterForm.blank()
    with pytest.raises(TypeError, match="edits Writer objects"):
        await form.use_instance(Tag(label="x"))


async def test_an_invalid_form_still_renders_its_choices(setup):
    _, _, client = setup
    html = (await client.post("/articles/new", data={"title": ""})).text
    assert "This field is required." in html
    assert '<option value="2">Adam</option>' in html


async def test_dates_and_nullable_fields_round_trip(setup):
    _, database, client = setup
    response = await client.post(
        "/articles/new",
        data={**VALID, "published_on": "2024-05-01", "editor_id": "2", "featured": "on"},
    )
    assert response.status_code == 303
    async with database.session() as session:
        article = (await session.scalars(select(Article))).one()
        assert article.published_on == dt.date(2024, 5, 1)
        assert article.editor_id == 2 and article.featured is True
    edit = (await client.get(f"/articles/{article.id}/edit")).text
    client.cookies.clear()
    assert 'value="2024-05-01"' in edit
    assert 'id="id_featured" name="featured" type="checkbox" checked' in edit


def test_a_plain_form_is_not_a_model_form():
    assert not issubclass(Form, ModelForm)


@pytest.mark.postgres
async def test_a_real_race_on_postgresql(postgres_url):
    """Two transactions insert the same email: the loser waits on the winner's row lock, passes
    the pre-check (the winner had not committed), and gets a field error, not a 500."""
    import asyncio

    from sqlalchemy import text

    database = Database(postgres_url, metadata=Base.metadata)
    try:
        await database.drop_all()
        await database.create_all()
        form = WriterForm.bind({"name": "Loser", "email": "race@example.com"})
        async with database.session() as winner, database.session() as loser:
            winner.add(Writer(name="Winner", email="race@example.com"))
            await winner.flush()  # holds the unique index entry, not yet committed
            saving = asyncio.create_task(form.save(loser))
            async with database.engine.connect() as watcher:
                for _ in range(200):  # until the loser's insert waits for the winner
                    waiting = await watcher.scalar(
                        text("select count(*) from pg_locks where not granted")
                    )
                    if waiting:
                        break
                    await asyncio.sleep(0.01)
                assert waiting, "the second insert never waited for the first"
            await winner.commit()
            assert await saving is None
        assert [error.code for error in form.errors["email"]] == ["unique"]
        assert await count(database, Writer) == 1
    finally:
        await database.drop_all()
        await database.dispose()


def test_a_foreign_key_column_is_labelled_without_its_id_suffix():
    class Minimal(ModelForm):
        class Meta:
            model = Article
            fields = ("title", "editor_id")

    assert Minimal._field_specs()["editor_id"].label == "Editor"


async def test_verbose_name_names_the_model_in_messages(setup):
    class AuthorForm(ModelForm):
        class Meta:
            model = Writer
            fields = ("name", "email")
            verbose_name = "An author"

    _, database, _ = setup
    async with database.session() as session:
        form = AuthorForm.bind({"name": "Z", "email": "zoe@example.com"})
        assert await form.save(session) is None
        assert str(form.errors["email"][0]) == "An author with this email already exists."
