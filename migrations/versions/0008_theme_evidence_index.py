"""covering index for the themes page's evidence

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 08:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_theme_id')
        batch_op.create_index(
            'ix_feedback_theme_evidence',
            ['theme_id', 'channel', 'stage_id', 'received_on', 'customer_id', 'sentiment'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_theme_evidence')
        batch_op.create_index('ix_feedback_theme_id', ['theme_id'], unique=False)
