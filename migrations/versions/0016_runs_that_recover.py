"""theme runs remember their queue job; uploads are stored in the database for every app server

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('theme_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.String(length=120), nullable=True))
    op.create_table(
        'stored_upload',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_upload')),
    )
    with op.batch_alter_table('stored_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_upload_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('stored_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_upload_expires_at'))
    op.drop_table('stored_upload')
    with op.batch_alter_table('theme_run', schema=None) as batch_op:
        batch_op.drop_column('job_id')
