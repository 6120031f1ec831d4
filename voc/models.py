"""Tables and relationships of voc."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voc.extensions import db
from voc.vocabulary import CHANNELS

ROLES = ("viewer", "contributor", "triager", "admin")
# Where an item's sentiment came from: its own score, the model learned from scored items, the lexicon.
SENTIMENT_SOURCES = ("score", "learned", "lexicon")
INT_MAX = 2**31 - 1  # the largest id or number a 32-bit integer column holds (PostgreSQL's integer)


def utcnow() -> dt.datetime:
    """Timestamps are stored in UTC without tz info, the same on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):
    """A member of staff who signs in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by a reset: the one-time password must be replaced before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in for deactivated users
        return self.active

    def has_role(self, role: str) -> bool:
        """Roles are ranked: each one may do everything the ones below it may."""
        return ROLES.index(self.role) >= ROLES.index(role)


class Stage(db.Model):
    """A customer-journey stage; feedback and hits are read in stage order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Customer(db.Model):
    """A person (or account) whose words we keep, with their consent choices."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    segment: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    consent_quote: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # right to erasure exercised

    feedback: Mapped[list[Feedback]] = relationship(back_populates="customer")
    interviews: Mapped[list[Interview]] = relationship(back_populates="customer")

    __table_args__ = (
        # Imports and the e-mail check find people by address whatever its case.
        Index("ix_customer_email_lower", func.lower(email)),
        # The customers page and the pickers list people by name, a page at a time.
        Index("ix_customer_name_lower", func.lower(name), "id"),
    )


class Interview(db.Model):
    """A field conversation with one customer; its quotes are feedback items."""

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    submission_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="interviews")
    interviewer: Mapped[User] = relationship()
    quotes: Mapped[list[Feedback]] = relationship(back_populates="interview", order_by="Feedback.id")

    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration"),)


class Feedback(db.Model):
    """One thing a customer told us, from any channel."""

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
    received_on: Mapped[dt.date] = mapped_column(Date)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id"))
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interview.id"), index=True)
    # A survey response's answers share it, so its score counts once however many questions it answered.
    survey_response_id: Mapped[int | None] = mapped_column(ForeignKey("survey_response.id"), index=True)
    score: Mapped[int | None] = mapped_column(Integer)
    score_kind: Mapped[str | None] = mapped_column(String(10))
    submission_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Imports: the batch that brought the item in, the survey response it shares with its
    # sibling answers, and every unmapped column of the source row.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    response_key: Mapped[str | None] = mapped_column(String(200))
    extras: Mapped[dict | None] = mapped_column(JSON)
    # Themes: compound sentiment (-1..+1), the theme, whether staff pinned it there,
    # and the terms that put it there.
    sentiment: Mapped[float | None] = mapped_column(Float)
    sentiment_source: Mapped[str | None] = mapped_column(String(10))  # SENTIMENT_SOURCES
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"))
    theme_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    theme_terms: Mapped[list | None] = mapped_column(JSON)
    # A theme run's guess at the stage of an item without one, never counted as its stage until a
    # triager accepts it (docs/stages.md); cleared once the item has a stage.
    suggested_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id"))
    stage_confidence: Mapped[float | None] = mapped_column(Float)
    # ISO 639-1 code read from the text when it is written (voc/themes/languages.py); None when the
    # text has no letters to read (only numbers, links or emoji).
    language: Mapped[str | None] = mapped_column(String(8))
    # Erasure and retention replace the text but keep the item, so counts stay true.
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    customer: Mapped[Customer | None] = relationship(back_populates="feedback")
    stage: Mapped[Stage | None] = relationship(foreign_keys=[stage_id])
    suggested_stage: Mapped[Stage | None] = relationship(foreign_keys=[suggested_stage_id])
    interview: Mapped[Interview | None] = relationship(back_populates="quotes")
    theme: Mapped[Theme | None] = relationship(back_populates="items")
    survey_response: Mapped[SurveyResponse | None] = relationship(back_populates="answers")

    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_feedback_source_external_id"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        CheckConstraint(
            "(score IS NULL AND score_kind IS NULL) OR "
            "(score_kind = 'nps' AND score BETWEEN 0 AND 10) OR "
            "(score_kind = 'csat' AND score BETWEEN 1 AND 5)",
            name="score",
        ),
        # The list and every dashboard read newest first, often narrowed by one column.
        Index("ix_feedback_received", "received_on", "id"),
        Index("ix_feedback_channel_received", "channel", "received_on"),
        Index("ix_feedback_stage_received", "stage_id", "received_on"),
        Index("ix_feedback_customer_received", "customer_id", "received_on"),
        Index("ix_feedback_language_received", "language", "received_on"),
        # Covers the themes page's evidence (per theme: channels, stages, trend, customers,
        # sentiment), so ranking reads the index alone instead of every row.
        Index(
            "ix_feedback_theme_evidence",
            "theme_id",
            "channel",
            "stage_id",
            "received_on",
            "customer_id",
            "sentiment",
        ),
        # Covers every column the journey dashboard aggregates, so its GROUP BYs read the index only.
        Index(
            "ix_feedback_dashboard",
            "received_on",
            "stage_id",
            "theme_id",
            "sentiment",
            "score_kind",
            "score",
            "channel",
            "customer_id",
        ),
    )


class Theme(db.Model):
    """A group of feedback saying the same thing, found by clustering and kept across re-runs."""

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))  # from the latest run's distinctive terms
    name: Mapped[str | None] = mapped_column(String(200))  # staff's rename wins over the label
    keywords: Mapped[list] = mapped_column(JSON, default=list)  # [[term, weight], ...]
    quote_ids: Mapped[list] = mapped_column(JSON, default=list)  # representative feedback ids
    size: Mapped[int] = mapped_column(Integer, default=0)
    # Distinct customers among its items (a parent: among its children's), kept at each run, move,
    # merge and split, so the themes page reads a figure instead of sorting every item's customer.
    customers: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str | None] = mapped_column(String(8))  # the language most of its items are in
    noise: Mapped[bool] = mapped_column(Boolean, default=False)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)  # vanished or merged away
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"))
    # A parent groups related themes and holds no items itself; its children point at it.
    is_parent: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    items: Mapped[list[Feedback]] = relationship(back_populates="theme")
    parent: Mapped[Theme | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def title(self) -> str:
        return self.name or self.label

    @staticmethod
    def counting_for(theme_id):
        """SQL condition: the themes whose items count for theme_id, itself or a parent's children."""
        return or_(Theme.id == theme_id, Theme.parent_id == theme_id)


class ThemeRun(db.Model):
    """One clustering run: who asked, with which settings, how it went and what changed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    n_items: Mapped[int | None] = mapped_column(Integer)
    n_themes: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column(Float)
    quality: Mapped[dict | None] = mapped_column(JSON)
    changes: Mapped[dict | None] = mapped_column(JSON)
    model: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # Sentiment learned from the scored items at this run (voc/themes/learned.py), and how many.
    sentiment_model: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    sentiment_trained: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    job_id: Mapped[str | None] = mapped_column(String(120))  # its RQ job, when it went to the queue

    requested_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),)


class StoredUpload(db.Model):
    """An uploaded file waiting for its import, in the database so every app server finds it."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the bytes
    filename: Mapped[str] = mapped_column(String(255))  # as the browser sent it; shown, never a path
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class ThemeImpact(db.Model):
    """A theme's impact on NPS or mean CSAT as the latest theme run found it (voc/themes/impact.py).

    Kept at run time so that the themes page and the dashboard never read every scored item.
    """

    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # "nps" or "csat"
    points: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    responses: Mapped[int] = mapped_column(Integer)


class ImportBatch(db.Model):
    """One uploaded file's import: who, when, what file, which mapping, and the counts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mapping: Mapped[dict] = mapped_column(JSON)
    created: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # placeholder answers
    rejected_csv: Mapped[str | None] = mapped_column(Text, deferred=True)  # rows not imported + why
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ImportJob(db.Model):
    """A large web import handed to the queue: what to import, and how it went."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    upload_key: Mapped[str] = mapped_column(String(64))  # the StoredUpload (gone once imported)
    filename: Mapped[str] = mapped_column(String(255))
    settings: Mapped[dict] = mapped_column(JSON)  # the mapping and the date order confirmed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    message: Mapped[str] = mapped_column(String(500), default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    job_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),)


class SavedMapping(db.Model):
    """A column mapping a user saved under a name to reuse on the next export."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    mapping: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored, and it acts with its user's role."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


HORIZONS = ("this week", "this month", "this year", "year 2", "year 3")
QUICK_HORIZONS = HORIZONS[:2]
HIT_KINDS = ("quick fix", "efficiency / automation", "new capability", "new business model")
HIT_FLOW = ("proposed", "planned", "in progress", "done", "loop closed")
HIT_STATUSES = (*HIT_FLOW, "dropped")
FOLLOW_UP_METHODS = ("call", "visit", "email", "note")


class Hit(db.Model):
    """A pain point to fix, ranked on the hit list and tied to a journey stage and its evidence."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")  # in the customer's terms
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"), index=True)
    horizon: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    drop_reason: Mapped[str | None] = mapped_column(String(500))
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    reach: Mapped[int | None] = mapped_column(Integer)  # None: the evidence's distinct customers
    impact: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[int] = mapped_column(Integer)  # percent
    effort: Mapped[float] = mapped_column(Float)  # person-weeks
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer)

    stage: Mapped[Stage] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    themes: Mapped[list[Theme]] = relationship(secondary="hit_theme", order_by="Theme.id")
    feedback: Mapped[list[Feedback]] = relationship(secondary="hit_feedback", order_by="Feedback.id")
    changes: Mapped[list[HitChange]] = relationship(
        back_populates="hit", order_by="(HitChange.at.desc(), HitChange.id.desc())"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="hit", order_by="(FollowUp.held_on.desc(), FollowUp.id.desc())"
    )

    # Optimistic locking: an UPDATE that finds another version refuses instead of overwriting.
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(f"horizon IN {HORIZONS!r}", name="horizon"),
        CheckConstraint(f"kind IN {HIT_KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {HIT_STATUSES!r}", name="status"),
        CheckConstraint("status <> 'dropped' OR drop_reason IS NOT NULL", name="drop_reason"),
        CheckConstraint("impact BETWEEN 1 AND 5", name="impact"),
        CheckConstraint("confidence BETWEEN 0 AND 100", name="confidence"),
        CheckConstraint("effort > 0", name="effort"),
        CheckConstraint("reach IS NULL OR reach >= 0", name="reach"),
    )


class HitTheme(db.Model):
    """A theme as evidence for a hit; its items count live, including ones added later."""

    hit_id: Mapped[int] = mapped_column(ForeignKey("hit.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"), primary_key=True, index=True)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class HitFeedback(db.Model):
    """A single feedback item as evidence for a hit."""

    hit_id: Mapped[int] = mapped_column(ForeignKey("hit.id", ondelete="CASCADE"), primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), primary_key=True, index=True)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class HitChange(db.Model):
    """One recorded change to a hit: who, when, which field, from what to what."""

    id: Mapped[int] = mapped_column(primary_key=True)
    hit_id: Mapped[int] = mapped_column(ForeignKey("hit.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer)  # the hit's version after the change
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")

    hit: Mapped[Hit] = relationship(back_populates="changes")
    user: Mapped[User | None] = relationship()


class FollowUp(db.Model):
    """A person's follow-up with one customer who raised a hit: who, when, how and what was said."""

    id: Mapped[int] = mapped_column(primary_key=True)
    hit_id: Mapped[int] = mapped_column(ForeignKey("hit.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    held_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    hit: Mapped[Hit] = relationship(back_populates="follow_ups")
    customer: Mapped[Customer] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint(f"method IN {FOLLOW_UP_METHODS!r}", name="method"),)


class TriageDecision(db.Model):
    """A theme or item judged "not a pain point", with the reason; kept, and reversible."""

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"), index=True)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reverted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reverted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    theme: Mapped[Theme | None] = relationship()
    feedback: Mapped[Feedback | None] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (CheckConstraint("(theme_id IS NULL) <> (feedback_id IS NULL)", name="one_subject"),)


class AuditEvent(db.Model):
    """Who did what to which record, and when; the detail never holds customers' personal data."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(500), default="")
    ip: Mapped[str | None] = mapped_column(String(45))  # where a sign-in came from

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_audit_event_at", "at", "id"),
        Index("ix_audit_event_action_at", "action", "at"),
    )


class LoginThrottle(db.Model):
    """Failed sign-ins counted per account (hashed e-mail) or per address, and the lock they earned."""

    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # "account:<sha256>" or "ip:<addr>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


WEBHOOK_EVENTS = ("feedback.created", "theme_run.finished", "hit.status_changed")


class Webhook(db.Model):
    """An address that is sent signed JSON when chosen events happen, e.g. a chat or ticket system."""

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))  # the HMAC key; the receiver holds it too
    events: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="webhook",
        order_by="WebhookDelivery.id.desc()",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class WebhookDelivery(db.Model):
    """One event for one webhook: the exact body sent, and how each attempt went."""

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # signed and resent byte for byte
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")

    __table_args__ = (CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),)


SURVEY_STATUSES = ("open", "closed")


class Survey(db.Model):
    """A short survey sent as a public link; each response's answers become feedback at once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)  # the unguessable part of /s/<token>
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    score_kind: Mapped[str | None] = mapped_column(String(10))  # SCORE_KINDS, or None: no score question
    questions: Mapped[list] = mapped_column(JSON)  # one to three open questions
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id"))
    segment: Mapped[str | None] = mapped_column(String(100))
    # The thank-you a person wrote, signed with their name.
    thanks_name: Mapped[str] = mapped_column(String(120))
    thanks_text: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="open")
    closes_on: Mapped[dt.date | None] = mapped_column(Date)  # last day it takes answers
    max_responses: Mapped[int | None] = mapped_column(Integer)
    embed_origins: Mapped[list] = mapped_column(JSON, default=list)  # sites that may frame the page
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    stage: Mapped[Stage | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"status IN {SURVEY_STATUSES!r}", name="status"),
        CheckConstraint("score_kind IS NULL OR score_kind IN ('nps', 'csat')", name="score_kind"),
        CheckConstraint("max_responses IS NULL OR max_responses > 0", name="max_responses"),
    )


class SurveyResponse(db.Model):
    """One respondent's submission: their score, their consents and the wording they were shown."""

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    submission_key: Mapped[str] = mapped_column(String(36), unique=True)  # a resent form stores nothing new
    score: Mapped[int | None] = mapped_column(Integer)
    consent_quote: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_version: Mapped[str] = mapped_column(String(20))  # voc/services/consent.py WORDINGS
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    survey: Mapped[Survey] = relationship()
    customer: Mapped[Customer | None] = relationship()
    answers: Mapped[list[Feedback]] = relationship(back_populates="survey_response", order_by="Feedback.id")
