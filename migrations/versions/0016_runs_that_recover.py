"""theme runs remember their queue job; uploads are stored in the database for every app server;
large web imports are queued as import jobs

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
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
    op.create_table(
        'import_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('upload_key', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('message', sa.String(length=500), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('job_id', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_import_job_status')),
        sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_job_batch_id_import_batch')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_import_job_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job')),
    )


def downgrade():
    op.drop_table('import_job')
    with op.batch_alter_table('stored_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_upload_expires_at'))
    op.drop_table('stored_upload')
    with op.batch_alter_table('theme_run', schema=None) as batch_op:
        batch_op.drop_column('job_id')
