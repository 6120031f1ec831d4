"""surveys, their responses, and the response that links a respondent's answers

Revision ID: 0020
Revises: 0014
Create Date: 2026-12-07 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=43), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('intro', sa.Text(), nullable=False),
        sa.Column('score_kind', sa.String(length=10), nullable=True),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('stage_id', sa.Integer(), nullable=True),
        sa.Column('segment', sa.String(length=100), nullable=True),
        sa.Column('thanks_name', sa.String(length=120), nullable=False),
        sa.Column('thanks_text', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('closes_on', sa.Date(), nullable=True),
        sa.Column('max_responses', sa.Integer(), nullable=True),
        sa.Column('embed_origins', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_survey_status')),
        sa.CheckConstraint("score_kind IS NULL OR score_kind IN ('nps', 'csat')",
                           name=op.f('ck_survey_score_kind')),
        sa.CheckConstraint('max_responses IS NULL OR max_responses > 0', name=op.f('ck_survey_max_responses')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_survey_created_by_id_user')),
        sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], name=op.f('fk_survey_stage_id_stage')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey')),
        sa.UniqueConstraint('token', name=op.f('uq_survey_token')),
    )
    op.create_table(
        'survey_response',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('submission_key', sa.String(length=36), nullable=False),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('consent_quote', sa.Boolean(), nullable=False),
        sa.Column('consent_contact', sa.Boolean(), nullable=False),
        sa.Column('consent_version', sa.String(length=20), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                                name=op.f('fk_survey_response_customer_id_customer')),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_response_survey_id_survey')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
        sa.UniqueConstraint('submission_key', name=op.f('uq_survey_response_submission_key')),
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_survey_id'), ['survey_id'], unique=False)
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_response_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_feedback_survey_response_id'), ['survey_response_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_feedback_survey_response_id_survey_response'), 'survey_response',
            ['survey_response_id'], ['id'],
        )


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feedback_survey_response_id_survey_response'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_feedback_survey_response_id'))
        batch_op.drop_column('survey_response_id')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_response_customer_id'))
    op.drop_table('survey_response')
    op.drop_table('survey')
