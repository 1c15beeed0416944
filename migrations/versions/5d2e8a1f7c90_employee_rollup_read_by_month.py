"""the employee roll-up read by month alone

An index that holds what HR's list of every employee reads from rollup_audit_employee (the
period's months, each employee and the measures), so that the ranking of 10,000 employees reads
the index alone instead of the table.

Revision ID: 5d2e8a1f7c90
Revises: 7c1f0e2ad5b3
Create Date: 2026-11-29 18:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d2e8a1f7c90'
down_revision = '7c1f0e2ad5b3'
branch_labels = None
depends_on = None

COLUMNS = ['month', 'employee_id', 'audits', 'scored', 'score_sum', 'passed', 'critical']


def upgrade():
    with op.batch_alter_table('rollup_audit_employee', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_audit_employee_month_employee', COLUMNS, unique=False)


def downgrade():
    with op.batch_alter_table('rollup_audit_employee', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_audit_employee_month_employee')
