import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.forms import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH  # noqa: F401  (read here by accounts)
from core.i18n import LANGUAGES  # noqa: F401  (read here by accounts and the API)
from core.timeutil import utcnow
from extensions import db

# "employee": a login for an employee of a branch; it has no rights yet beyond its profile page.
ROLES = ("admin", "manager", "auditor", "hr", "employee")

_hasher = PasswordHasher()

# Accounts sit below branches (branches import accounts' permissions and this table); the User's
# relationships name Branch and Employee by string so that accounts never imports branches.
manager_branches = Table(
    "manager_branches",
    db.metadata,
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("branch_id", Integer, ForeignKey("branch.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Changing it logs out every session of the user (password reset, deactivation).
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # An employee login's employee; unique: one login per employee.
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"), unique=True)

    branches = relationship("Branch", secondary=manager_branches, back_populates="managers",
                            order_by="Branch.name")
    tokens = relationship("ApiToken", back_populates="user", cascade="all, delete-orphan")
    employee = relationship("Employee")

    def get_id(self):
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self):
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def branch_ids(self) -> set[int]:
        return {b.id for b in self.branches}

    @classmethod
    def related_class(cls, name: str):
        """The class behind a relationship (Branch, Employee) without importing the branches package."""
        return getattr(cls, name).property.mapper.class_

    def __repr__(self):
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    """A personal access token; only its SHA-256 is stored, the secret is shown once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user = relationship("User", back_populates="tokens")

    PREFIX = "vz_"

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, user: "User", name: str) -> tuple["ApiToken", str]:
        secret = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls(user=user, name=name, token_hash=cls.hash(secret), prefix=secret[:10])
        db.session.add(token)
        return token, secret
