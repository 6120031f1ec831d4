"""Staff accounts: creation, sign-in with lockout, and roles."""

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from voc.extensions import db
from voc.models import ROLES, LoginThrottle, User, utcnow
from voc.services import audit
from voc.services.errors import InvalidInput, LockedOut, NotAllowed, NotFound

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
    email: str, role: str, name: str = "", password: str | None = None, actor: audit.Actor | None = None
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
    _strong_enough(password)
    user = User(
        email=email,
        name=name.strip() or email.split("@")[0],
        role=role,
        password_hash=_hasher().hash(password),
    )
    db.session.add(user)
    db.session.flush()
    audit.add_event("create_user", actor or audit.Actor(), "user", user.id, f"{email} as {role}")
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


@dataclass(frozen=True)
class LoginLimits:
    """How many failures in `minutes` lock an account, or an address, for that long."""

    per_account: int = 5
    per_ip: int = 20
    minutes: int = 15


MISMATCH = "That e-mail and password do not match an active account."


def _account_key(email: str) -> str:
    """An account's counter key: the e-mail is kept only as a hash."""
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def _throttles(email: str, ip: str | None, limits: LoginLimits) -> dict[str, tuple[LoginThrottle, int]]:
    """The counters this attempt touches, with their limits."""
    keys = {_account_key(email): limits.per_account}
    if ip:
        keys[f"ip:{ip}"] = limits.per_ip
    return {
        key: (db.session.get(LoginThrottle, key) or LoginThrottle(key=key, failures=0), limit)
        for key, limit in keys.items()
    }


def _lock_message(key: str, minutes: int) -> str:
    where = "this account" if key.startswith("account:") else "this network address"
    return (
        f"Too many failed sign-ins for {where}: it is locked for "
        f"{minutes} more minute{'' if minutes == 1 else 's'}."
    )


def sign_in(
    email: str,
    password: str,
    ip: str | None,
    limits: LoginLimits = LoginLimits(),
    now: dt.datetime | None = None,
) -> User:
    """The user with these credentials, counting failures and refusing locked accounts and addresses."""
    now = now or utcnow()
    email = email.strip().lower()
    throttles = _throttles(email, ip, limits)
    known = db.session.scalar(select(User.id).where(User.email == email))
    locks = {k: t.locked_until for k, (t, _) in throttles.items() if t.locked_until and t.locked_until > now}
    if locks:
        key, until = max(locks.items(), key=lambda pair: pair[1])
        minutes = math.ceil((until - now).total_seconds() / 60)
        audit.record("sign_in_locked", audit.Actor(None, ip), "user", known)
        raise LockedOut(minutes, ("password", _lock_message(key, minutes)))
    user = authenticate(email, password)
    if user is None:
        locked = _count_failure(throttles, now, limits)
        audit.add_event(
            "sign_in_failed", audit.Actor(None, ip), "user", known, "" if known else "no such account"
        )
        _commit_counters()
        if locked:
            message = f"{MISMATCH} {_lock_message(locked, limits.minutes)}"
            raise LockedOut(limits.minutes, ("password", message))
        raise InvalidInput(("password", MISMATCH))
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == _account_key(email)))
    audit.add_event("sign_in", audit.Actor(user.id, ip), "user", user.id)
    _commit_counters()
    return user


def _count_failure(throttles, now: dt.datetime, limits: LoginLimits) -> str | None:
    """Add one failure to each counter; returns the key that just got locked, if any."""
    window = dt.timedelta(minutes=limits.minutes)
    # Counters for any address or e-mail anyone types would pile up: drop those that ran out.
    db.session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_start <= now - window,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
            LoginThrottle.key.not_in(list(throttles)),
        )
    )
    locked = None
    for key, (throttle, limit) in throttles.items():
        if throttle.window_start is None or throttle.window_start <= now - window:
            throttle.failures, throttle.window_start = 0, now
        throttle.failures += 1
        if throttle.failures >= limit:
            throttle.failures, throttle.window_start, throttle.locked_until = 0, now, now + window
            locked = locked or key
        db.session.add(throttle)
    return locked


def _commit_counters() -> None:
    """Commit; two first failures at once may both insert a counter, and one failure is then not counted."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def locked_accounts(now: dt.datetime | None = None) -> dict[int, dt.datetime]:
    """Users whose account is locked after failed sign-ins, with when the lock ends."""
    now = now or utcnow()
    locks = dict(
        db.session.execute(
            select(LoginThrottle.key, LoginThrottle.locked_until).where(LoginThrottle.locked_until > now)
        ).all()
    )
    return (
        {
            user_id: locks[_account_key(email)]
            for user_id, email in db.session.execute(select(User.id, User.email))
            if _account_key(email) in locks
        }
        if locks
        else {}
    )


def unlock(user_id: int, actor: audit.Actor) -> User:
    """Lift a lockout early, e.g. once the person has been reached by phone; logged."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(("user", "That user does not exist."))
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == _account_key(user.email)))
    audit.add_event("unlock", actor, "user", user.id)
    db.session.commit()
    return user


def _strong_enough(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput((field, f"Use at least {MIN_PASSWORD_LENGTH} characters for the password."))


def change_password(user_id: int, current: str, new: str, confirm: str, actor: audit.Actor) -> User:
    """A person changes their own password, proving the current one; logged."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(("user", "That user does not exist."))
    try:
        _hasher().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise InvalidInput(("current", "That is not your current password.")) from None
    _strong_enough(new, "new")
    if new != confirm:
        raise InvalidInput(("confirm", "The two new passwords differ."))
    if new == current:
        raise InvalidInput(("new", "Choose a password other than the current one."))
    user.password_hash = _hasher().hash(new)
    user.must_change_password = False
    audit.add_event("password_change", actor, "user", user.id)
    db.session.commit()
    return user


def reset_password(email: str, password: str | None, actor: audit.Actor) -> tuple[User, str | None]:
    """Set a password for someone locked out of theirs (the command line); returns the generated one.

    Also lifts any lockout, and the person must choose their own password at their next sign-in.
    """
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(("email", f"There is no user {email}."))
    return user, _reset(user, password, actor)


def force_reset(user_id: int, actor: audit.Actor) -> tuple[User, str]:
    """An admin gives someone a one-time password they must replace at their next sign-in; logged."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(("user", "That user does not exist."))
    return user, _reset(user, None, actor)


def _reset(user: User, password: str | None, actor: audit.Actor) -> str | None:
    """Give the user a new password (generated when None) to replace at sign-in; the generated one."""
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    _strong_enough(password)
    user.password_hash = _hasher().hash(password)
    user.must_change_password = True
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == _account_key(user.email)))
    audit.add_event("password_reset", actor, "user", user.id)
    db.session.commit()
    return generated


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
    if role != user.role:
        audit.add_event("role_change", audit.Actor(acting_user_id), "user", user.id, f"{user.role} → {role}")
        user.role = role
    db.session.commit()
    return user


def default_importer() -> User:
    """The user the CLI records as importer when none is named: the first admin."""
    user = db.session.scalar(
        select(User).where(User.role == "admin", User.active.is_(True)).order_by(User.id).limit(1)
    )
    if user is None:
        raise NotFound(("user", "No admin exists yet; name the importer with --user."))
    return user


def user_named(email: str) -> User:
    """The user with this e-mail (the CLI's --user), who must be allowed to import."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise NotFound(("user", f"There is no user {email}."))
    if not user.has_role("contributor"):
        raise NotAllowed(("user", f"{email} is a viewer; importing needs a contributor or above."))
    return user
