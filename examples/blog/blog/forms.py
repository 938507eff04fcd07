"""The post form: built from the model, editing only ``title`` and ``body`` (the author comes from
the logged-in user, never from the request)."""

from __future__ import annotations

from pydantic import field_validator

from spruce.forms import InvalidInput, ModelForm, field

from .models import Post

__all__ = ["PostForm"]


class PostForm(ModelForm):
    """Title (required) and body."""

    body: str = field(default="", widget="textarea", max_length=20_000)

    class Meta:
        model = Post
        fields = ("title", "body")

    @field_validator("title", "body", check_fields=False)
    @classmethod
    def no_null_characters(cls, value: str) -> str:
        """Text with a NUL character is refused (PostgreSQL cannot store one; no one types it)."""
        if "\x00" in value:
            raise InvalidInput(
                "Remove the null character (\\0) from this text.", code="null_character"
            )
        return value
