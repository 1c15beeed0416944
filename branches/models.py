from sqlalchemy import Boolean, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import manager_branches
from extensions import db


class Branch(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(80), default="")
    region: Mapped[str] = mapped_column(String(80), default="", index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Optional: where the branch is, for the evidence flag of a check-in far from it (audits/flags.py).
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    employees = relationship("Employee", back_populates="branch", order_by="Employee.name")
    managers = relationship("User", secondary=manager_branches, back_populates="branches")

    def __repr__(self):
        return f"<Branch {self.code}>"


class Employee(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    position: Mapped[str] = mapped_column(String(80), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    branch = relationship("Branch", back_populates="employees")

    def __repr__(self):
        return f"<Employee {self.code}>"
