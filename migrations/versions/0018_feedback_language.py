"""language of each feedback item and of each theme

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-07 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # Existing items get their language at the next theme run (services.themes backfills it).
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.create_index('ix_feedback_language_received', ['language', 'received_on'], unique=False)
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_language_received')
        batch_op.drop_column('language')
