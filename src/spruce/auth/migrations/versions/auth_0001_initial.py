"""auth: groups, permissions, users, memberships, API tokens

Revision ID: auth_0001
Revises:
Create Date: written with the auth battery

The user tables are created only when the app uses Spruce's own ``User`` (see
``spruce.auth.migrations``).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from spruce.auth.migrations import default_models_in_use

revision: str = "auth_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("auth",)
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False, now: bool = False) -> sa.Column[Any]:
    default = sa.func.now() if now else None
    return sa.Column(name, sa.DateTime(timezone=True), server_default=default, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "auth_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_group")),
        sa.UniqueConstraint("name", name=op.f("uq_auth_group_name")),
    )
    op.create_table(
        "auth_permission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_permission")),
        sa.UniqueConstraint("name", name=op.f("uq_auth_permission_name")),
    )
    op.create_table(
        "auth_group_permissions",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("permission_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["auth_group.id"],
            name=op.f("fk_auth_group_permissions_group_id_auth_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["permission_id"],
            ["auth_permission.id"],
            name=op.f("fk_auth_group_permissions_permission_id_auth_permission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "group_id", "permission_id", name=op.f("pk_auth_group_permissions")
        ),
    )
    if not default_models_in_use():
        return
    op.create_table(
        "auth_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("is_staff", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_superuser", sa.Boolean(), server_default=sa.false(), nullable=False),
        _timestamp("date_joined", now=True),
        _timestamp("last_login", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_user")),
        sa.UniqueConstraint("username", name=op.f("uq_auth_user_username")),
    )
    op.create_index(op.f("ix_auth_user_email"), "auth_user", ["email"], unique=False)
    for kind, target in (("group", "auth_group"), ("permission", "auth_permission")):
        table = f"auth_user_{kind}s"
        op.create_table(
            table,
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column(f"{kind}_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["auth_user.id"],
                name=op.f(f"fk_{table}_user_id_auth_user"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                [f"{kind}_id"],
                [f"{target}.id"],
                name=op.f(f"fk_{table}_{kind}_id_{target}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("user_id", f"{kind}_id", name=op.f(f"pk_{table}")),
        )
    op.create_table(
        "auth_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        _timestamp("created_at", now=True),
        _timestamp("expires_at", nullable=True),
        _timestamp("last_used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_user.id"],
            name=op.f("fk_auth_token_user_id_auth_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_token")),
        sa.UniqueConstraint("digest", name=op.f("uq_auth_token_digest")),
    )
    op.create_index(op.f("ix_auth_token_user_id"), "auth_token", ["user_id"], unique=False)


def downgrade() -> None:
    if default_models_in_use():
        op.drop_index(op.f("ix_auth_token_user_id"), table_name="auth_token")
        op.drop_table("auth_token")
        op.drop_table("auth_user_permissions")
        op.drop_table("auth_user_groups")
        op.drop_index(op.f("ix_auth_user_email"), table_name="auth_user")
        op.drop_table("auth_user")
    op.drop_table("auth_group_permissions")
    op.drop_table("auth_permission")
    op.drop_table("auth_group")
