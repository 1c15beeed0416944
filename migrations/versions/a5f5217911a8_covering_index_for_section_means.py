"""covering index for section means

The reports' section means join section_score to the audits of a period; with this index the join
reads the index alone instead of every section_score row (85 % of a branch page's SQL before).

Revision ID: a5f5217911a8
Revises: 8704f6e64a0d
Create Date: 2026-11-25 04:12:26.526817

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a5f5217911a8'
down_revision = '8704f6e64a0d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('section_score', schema=None) as batch_op:
        batch_op.create_index('ix_section_score_audit_cover',
                              ['audit_id', 'section_key', 'score', 'section_id', 'position'], unique=False)


def downgrade():
    with op.batch_alter_table('section_score', schema=None) as batch_op:
        batch_op.drop_index('ix_section_score_audit_cover')
