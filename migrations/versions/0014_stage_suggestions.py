"""suggested journey stage and its confidence on feedback

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 13:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suggested_stage_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stage_confidence', sa.Float(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_feedback_suggested_stage_id_stage'), 'stage', ['suggested_stage_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feedback_suggested_stage_id_stage'), type_='foreignkey')
        batch_op.drop_column('stage_confidence')
        batch_op.drop_column('suggested_stage_id')
