"""sentiment learned from scored feedback: the model per run, and each item's sentiment source

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-07 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sentiment_source', sa.String(length=10), nullable=True))
    # Every sentiment so far was the lexicon's.
    op.execute("UPDATE feedback SET sentiment_source = 'lexicon' WHERE sentiment IS NOT NULL")
    with op.batch_alter_table('theme_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sentiment_model', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('sentiment_trained', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('theme_run', schema=None) as batch_op:
        batch_op.drop_column('sentiment_trained')
        batch_op.drop_column('sentiment_model')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('sentiment_source')
