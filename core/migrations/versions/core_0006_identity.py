"""identity: server-side sessions, login throttle, password history, second factor

``user_session`` holds one row per login (the cookie carries only a random key
whose SHA-256 is stored); ``login_throttle`` counts failed logins per user name;
``password_history`` keeps the hashes of each user's newest passwords;
``user_totp`` and ``user_recovery_code`` hold the second factor;
``auth_role_policy`` says which roles need it (no row: admin and leader do).
``user_account.must_change_password`` forces a change after an administrator
set the password. Existing accounts start unflagged, with no history.

Revision ID: core_0006
Revises: core_0005
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN in place; a batch copy would rebuild user_account, which other tables refer to.
    op.add_column("user_account", sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                            nullable=False))
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=120), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_user_session_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_session_key_hash")),
    )
    op.create_index("ix_user_session_user_ended", "user_session", ["user_id", "ended_at"])
    op.create_index(op.f("ix_user_session_ended_at"), "user_session", ["ended_at"])
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_password_history_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_history")),
    )
    op.create_index(op.f("ix_password_history_user_id"), "password_history", ["user_id"])
    op.create_table(
        "user_totp",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_user_totp_user_id_user_account")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_totp")),
    )
    op.create_table(
        "user_recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_user_recovery_code_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_recovery_code")),
    )
    op.create_index(op.f("ix_user_recovery_code_user_id"), "user_recovery_code", ["user_id"])
    op.create_table(
        "auth_role_policy",
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("second_factor", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["changed_by_id"], ["user_account.id"],
                                name=op.f("fk_auth_role_policy_changed_by_id_user_account")),
        sa.PrimaryKeyConstraint("role", name=op.f("pk_auth_role_policy")),
    )


def downgrade():
    op.drop_table("auth_role_policy")
    op.drop_index(op.f("ix_user_recovery_code_user_id"), table_name="user_recovery_code")
    op.drop_table("user_recovery_code")
    op.drop_table("user_totp")
    op.drop_index(op.f("ix_password_history_user_id"), table_name="password_history")
    op.drop_table("password_history")
    op.drop_table("login_throttle")
    op.drop_index(op.f("ix_user_session_ended_at"), table_name="user_session")
    op.drop_index("ix_user_session_user_ended", table_name="user_session")
    op.drop_table("user_session")
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a batch copy, which would
    # drop and rebuild user_account while other tables refer to its rows.
    op.drop_column("user_account", "must_change_password")
