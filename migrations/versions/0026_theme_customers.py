"""each theme's distinct customers, kept instead of counted on every page

Revision ID: 0026
Revises: 0020
Create Date: 2026-12-07 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('theme') as batch:
        batch.add_column(sa.Column('customers', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('theme') as batch:
        batch.alter_column('customers', server_default=None)
    # Counted once here; from now on runs, moves, merges and splits keep it.
    op.execute(
        "UPDATE theme SET customers = (SELECT count(DISTINCT f.customer_id) FROM feedback f "
        "WHERE f.theme_id = theme.id) WHERE NOT is_parent"
    )
    op.execute(
        "UPDATE theme SET customers = (SELECT count(DISTINCT f.customer_id) FROM feedback f "
        "JOIN theme child ON child.id = f.theme_id WHERE child.parent_id = theme.id AND NOT child.retired) "
        "WHERE is_parent"
    )


def downgrade():
    with op.batch_alter_table('theme') as batch:
        batch.drop_column('customers')
