"""imports count rows skipped as placeholder answers; a reset password must be replaced

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skipped', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_column('skipped')
