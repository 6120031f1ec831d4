"""each theme's impact on NPS and CSAT, kept at run time

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-07 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'theme_impact',
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('points', sa.Float(), nullable=False),
        sa.Column('low', sa.Float(), nullable=False),
        sa.Column('high', sa.Float(), nullable=False),
        sa.Column('responses', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_impact_theme_id_theme')),
        sa.PrimaryKeyConstraint('theme_id', 'kind', name=op.f('pk_theme_impact')),
    )


def downgrade():
    op.drop_table('theme_impact')
