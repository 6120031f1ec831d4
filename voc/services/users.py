"""Staff accounts: creation, sign-in and roles."""
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from voc.extensions import db
from voc.models import ROLES, User
from voc.services.errors import InvalidInput, NotFound

MIN_PASSWORD_LENGTH = 10


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def _normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidInput(("email", str(error))) from None


def create_user(
    email: str, role: str, name: str = "", password: str | None = None
) -> tuple[User, str | None]:
    """Make an account; returns it and the generated password when none was given."""
    email = _normalise_email(email)
    if role not in ROLES:
        raise InvalidInput(("role", f"Role must be one of: {', '.join(ROLES)}."))
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise InvalidInput(("email", "A user with that e-mail already exists."))
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            ("password", f"Use at least {MIN_PASSWORD_LENGTH} characters for the password.")
        )
    user = User(
        email=email,
        name=name.strip() or email.split("@")[0],
        role=role,
        password_hash=_hasher().hash(password),
    )
    db.session.add(user)
    db.session.commit()
    return user, generated


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        _hasher().hash(password)  # spend the same time, so timing does not reveal accounts
        return None
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
        db.session.commit()
    return user


def list_users() -> list[User]:
    """All accounts, by name."""
    return list(db.session.scalars(select(User).order_by(func.lower(User.name))))


def set_role(user_id: int, role: str, acting_user_id: int) -> User:
    """Change a user's role; an admin may not demote themselves and lock everyone out."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(("user", "That user does not exist."))
    if role not in ROLES:
        raise InvalidInput(("role", f"Role must be one of: {', '.join(ROLES)}."))
    if user.id == acting_user_id and role != "admin":
        raise InvalidInput(("role", "You cannot remove your own admin role."))
    user.role = role
    db.session.commit()
    return user
