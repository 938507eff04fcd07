"""The forms of the auth pages (``spruce.forms``; the CSRF field is added when they render).

Override a page's form by passing your own class to ``Auth(...)`` (``registration_form=``,
for instance one with an e-mail field: ``EmailRegistrationForm``). The password rules are
checked by the views, which know the user's name and address (``Auth.password_problems``).
"""

from __future__ import annotations

from typing import Self

from pydantic import SecretStr, model_validator

from ..forms import Email, Form, InvalidInput, field

__all__ = [
    "EmailRegistrationForm",
    "LoginForm",
    "PasswordChangeForm",
    "PasswordResetForm",
    "RegistrationForm",
    "SetPasswordForm",
]

# The longest password a form accepts (the battery's password_max_length is checked too).
PASSWORD_FIELD_LIMIT = 4096


class LoginForm(Form):
    """User name and password, and where to go afterwards."""

    username: str = field(label="User name", max_length=150, autocomplete="username")
    password: SecretStr = field(max_length=PASSWORD_FIELD_LIMIT, autocomplete="current-password")
    next: str = field(default="", widget="hidden", max_length=2000)


class RegistrationForm(Form):
    """A new account: user name and password (the Flask tutorial's two fields)."""

    username: str = field(
        label="User name",
        max_length=150,
        autocomplete="username",
        help_text="Letters, digits and @ . + - _ only.",
    )
    password: SecretStr = field(
        max_length=PASSWORD_FIELD_LIMIT,
        autocomplete="new-password",
        help_text="At least 8 characters; not a common password.",
    )


class EmailRegistrationForm(Form):
    """A new account with an e-mail address (for password resets)."""

    username: str = field(
        label="User name",
        max_length=150,
        autocomplete="username",
        help_text="Letters, digits and @ . + - _ only.",
    )
    email: Email = field(label="E-mail address", max_length=254, autocomplete="email")
    password: SecretStr = field(
        max_length=PASSWORD_FIELD_LIMIT,
        autocomplete="new-password",
        help_text="At least 8 characters; not a common password.",
    )


def _new_password_field(label: str) -> SecretStr:
    result: SecretStr = field(
        label=label, max_length=PASSWORD_FIELD_LIMIT, autocomplete="new-password"
    )
    return result


def _check_match(new: SecretStr, again: SecretStr) -> None:
    if new.get_secret_value() != again.get_secret_value():
        raise InvalidInput(
            "The two passwords do not match.", field="confirm_password", code="password_mismatch"
        )


class PasswordChangeForm(Form):
    """The current password, and the new one twice."""

    old_password: SecretStr = field(
        label="Current password",
        max_length=PASSWORD_FIELD_LIMIT,
        autocomplete="current-password",
    )
    new_password: SecretStr = _new_password_field("New password")
    confirm_password: SecretStr = _new_password_field("New password again")

    @model_validator(mode="after")
    def passwords_match(self) -> Self:
        """The two new passwords are the same."""
        _check_match(self.new_password, self.confirm_password)
        return self


class SetPasswordForm(Form):
    """A new password, twice (after following a reset link)."""

    new_password: SecretStr = _new_password_field("New password")
    confirm_password: SecretStr = _new_password_field("New password again")

    @model_validator(mode="after")
    def passwords_match(self) -> Self:
        """The two new passwords are the same."""
        _check_match(self.new_password, self.confirm_password)
        return self


class PasswordResetForm(Form):
    """The address to mail a reset link to."""

    email: Email = field(label="E-mail address", max_length=254, autocomplete="email")
