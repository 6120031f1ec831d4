"""customer look-up indexes: lower(email) for imports, lower(name) for the list and pickers

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index('ix_customer_email_lower', [sa.text('lower(email)')], unique=False)
        batch_op.create_index('ix_customer_name_lower', [sa.text('lower(name)'), 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_name_lower')
        batch_op.drop_index('ix_customer_email_lower')
