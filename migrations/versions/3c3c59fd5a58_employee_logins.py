"""employee logins: a user may be the login of one employee

Revision ID: 3c3c59fd5a58
Revises: a5f5217911a8
Create Date: 2026-11-29 07:54:39.767529

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c3c59fd5a58'
down_revision = 'a5f5217911a8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employee_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_employee_id'), ['employee_id'])
        batch_op.create_foreign_key(batch_op.f('fk_user_employee_id_employee'), 'employee', ['employee_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_employee_id_employee'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_user_employee_id'), type_='unique')
        batch_op.drop_column('employee_id')
