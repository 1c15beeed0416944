"""Coaching sessions: a manager's session with an employee on some criteria (docs/coaching.md)

Revision ID: 516375a5508a
Revises: abe4cffe8b01
Create Date: 2026-11-29 11:07:38.038557

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '516375a5508a'
down_revision = 'abe4cffe8b01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coaching_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['user.id'], name=op.f('fk_coaching_session_coach_id_user')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_coaching_session_employee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_session'))
    )
    with op.batch_alter_table('coaching_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coaching_session_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coaching_session_held_on'), ['held_on'], unique=False)



def downgrade():
    with op.batch_alter_table('coaching_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coaching_session_held_on'))
        batch_op.drop_index(batch_op.f('ix_coaching_session_employee_id'))

    op.drop_table('coaching_session')
