"""parent themes: related themes grouped under a parent row of the same table

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('theme', schema=None) as batch_op:
        # Existing themes are all fine themes.
        batch_op.add_column(sa.Column('is_parent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_theme_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_theme_parent_id_theme'), 'theme', ['parent_id'], ['id'])


def downgrade():
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_theme_parent_id_theme'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_theme_parent_id'))
        batch_op.drop_column('parent_id')
        batch_op.drop_column('is_parent')
