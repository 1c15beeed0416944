"""Photos: client_id (a retried API upload is stored once per audit) and sha256 of the stored bytes

Revision ID: 6ab04ff61195
Revises: 70ea2eedbbf3
Create Date: 2026-11-29 08:14:40.319637

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6ab04ff61195'
down_revision = '70ea2eedbbf3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_photo_audit_client_id', ['audit_id', 'client_id'])


def downgrade():
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_constraint('uq_photo_audit_client_id', type_='unique')
        batch_op.drop_column('sha256')
        batch_op.drop_column('client_id')
