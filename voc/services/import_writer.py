"""Writing an import's parsed items: customers found or created, duplicates skipped, items inserted in
chunks inside the import's transaction."""

import time
from collections.abc import Callable

from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.exc import IntegrityError

from voc.extensions import db
from voc.ingest import CustomerRef, Item, Mapping, normalise_text
from voc.models import Customer, Feedback, Stage, utcnow
from voc.services import clock, sentiment, themes

REMEMBERED_CUSTOMERS = 50_000  # customer ids kept across chunks, then forgotten
ANALYZE_ITEMS = 10_000  # PostgreSQL: refresh statistics each time an import doubles a table this size


class Writer:
    """Writes parsed items chunk by chunk: customers found or created, duplicates skipped, items inserted."""

    def __init__(self, batch_id: int, user_id: int, mapping: Mapping, annotate: bool):
        self.batch_id, self.user_id, self.annotate = batch_id, user_id, annotate
        self.several_questions = len(mapping.text) > 1
        self.created = self.duplicates = self.customers_created = 0
        self.themed = False
        self.annotate_seconds = 0.0
        self.today = clock.today()
        self.now = utcnow()  # one created_at for the batch, rather than a clock call per row
        self.customer_ids: dict[str, int] = {}  # customer key -> id, so a returning customer costs no query
        self.analyze_at = _analyze_threshold()
        self.stages = {
            name.casefold(): stage_id
            for stage_id, name in db.session.execute(
                select(Stage.id, Stage.name).where(Stage.retired.is_(False))
            )
        }

    def write(self, items: list[Item]) -> list[tuple[Item, str]]:
        """Store one chunk's new items; earlier chunks are flushed, so their items count as existing.

        Returns the duplicates whose id is stored with other words, each with the stored text.
        """
        if not items:
            return []
        owners = self._customers(items)
        fresh, clashes = self._without_duplicates(items, owners)
        self.duplicates += len(items) - len(fresh)
        if fresh:
            self._insert(fresh)
        return clashes

    def _insert(self, fresh: list[tuple[Item, int | None]]) -> None:
        """Insert the new items, with sentiment and theme when the import is kept."""
        rows = [self._row(item, owner) for item, owner in fresh]
        if self.annotate:
            started = time.perf_counter()
            # Survey answers repeat ("nothing", "great service"): each distinct text is scored once.
            distinct = list(dict.fromkeys(row["text"] for row in rows))
            spoken = {text: themes.text_language(text) for text in distinct}
            # Read once and handed on: placing a text in a theme reads its language too, at 70 µs a text.
            languages = [spoken[text] for text in distinct]
            notes = dict(zip(distinct, themes.annotations(distinct, languages), strict=True))
            self.annotate_seconds += time.perf_counter() - started
            for row in rows:
                found, source, row["theme_id"], row["theme_terms"] = notes[row["text"]]
                row["language"] = spoken[row["text"]]
                row["sentiment"], row["sentiment_source"] = sentiment.own(
                    row["score"], row["score_kind"], found, source
                )
                self.themed = self.themed or row["theme_id"] is not None
        _insert_items(rows)
        self.created += len(rows)
        if self.analyze_at is not None and self.created >= self.analyze_at:
            # Plans made for a small table (duplicate checks, then every page) turn slow once it has grown.
            db.session.execute(text("ANALYZE feedback, customer"))
            self.analyze_at *= 2

    def _row(self, item: Item, owner: int | None) -> dict:
        """The feedback row for an item; every row has every column, so one INSERT serves the chunk."""
        extras = dict(item.extras)
        stage_id = None
        if item.stage:
            stage_id = self.stages.get(item.stage.casefold())
            if stage_id is None:  # not one of our stages: keep the word rather than lose the row
                extras["stage"] = item.stage
        if self.several_questions:  # which of the survey's questions this answers
            extras["question"] = item.question
        return {
            "text": item.text,
            "channel": item.channel,
            "source": item.source,
            "external_id": item.external_id,
            "received_on": item.received_on or self.today,
            "customer_id": owner,
            "stage_id": stage_id,
            "score": item.score,
            "score_kind": item.score_kind,
            "created_by_id": self.user_id,
            "created_at": self.now,
            "batch_id": self.batch_id,
            "response_key": item.response_key[:200],
            "extras": extras or None,
            "sentiment": None,
            "sentiment_source": None,
            "language": None,
            "theme_id": None,
            "theme_pinned": False,
            "theme_terms": None,
        }

    def _customers(self, items: list[Item]) -> list[int | None]:
        """Each item's customer id (None without one): remembered, found or else created."""
        keys = [item.customer.key or None if item.customer else None for item in items]
        if len(self.customer_ids) > REMEMBERED_CUSTOMERS:
            self.customer_ids.clear()  # memory stays flat however many people the file names
        found = self.customer_ids
        refs = {key: item.customer for key, item in zip(keys, items, strict=True) if key and key not in found}
        if refs:
            self._find_customers(refs)
            missing = [key for key in refs if key not in found]
            if missing:
                rows = [_customer_row(refs[key]) for key in missing]
                ids = db.session.scalars(
                    insert(Customer).returning(Customer.id, sort_by_parameter_order=True), rows
                ).all()
                found.update(zip(missing, ids, strict=True))
                self.customers_created += len(missing)
        return [found[key] if key else None for key in keys]

    def _find_customers(self, refs: dict[str, CustomerRef]) -> None:
        """Remember the stored customers these references name, by external id, then e-mail, then name."""
        found = self.customer_ids
        by_external = {ref.external_id: key for key, ref in refs.items() if ref.external_id}
        if by_external:
            for customer_id, external_id in db.session.execute(
                select(Customer.id, Customer.external_id).where(Customer.external_id.in_(by_external))
            ):
                found.setdefault(by_external[external_id], customer_id)
        by_email = {ref.email: key for key, ref in refs.items() if ref.email and key not in found}
        if by_email:
            for customer_id, email in db.session.execute(
                select(Customer.id, func.lower(Customer.email)).where(
                    func.lower(Customer.email).in_(by_email)
                )
            ):
                found.setdefault(by_email[email], customer_id)
        # Someone known only by name (a Jira reporter) is the customer of that name with no e-mail or id.
        by_name = {
            ref.name.casefold(): key
            for key, ref in refs.items()
            if key not in found and ref.name and not ref.email and not ref.external_id
        }
        if by_name:
            for customer_id, name in db.session.execute(
                select(Customer.id, func.lower(Customer.name)).where(
                    func.lower(Customer.name).in_(by_name),
                    Customer.email.is_(None),
                    Customer.external_id.is_(None),
                )
            ):
                found.setdefault(by_name[name], customer_id)

    def _without_duplicates(
        self, items: list[Item], owners: list[int | None]
    ) -> tuple[list[tuple[Item, int | None]], list[tuple[Item, str]]]:
        """The items not already stored (by source and id, else by customer, text and day) nor repeated;
        and the repeated ids whose words differ, with the stored (or earlier) text."""
        by_id: dict[str | None, set[str]] = {}
        for item in items:
            if item.external_id:
                by_id.setdefault(item.source, set()).add(item.external_id)
        known: dict[tuple, str] = {}  # key -> the text stored under it
        for source, ids in by_id.items():
            same_source = Feedback.source.is_(None) if source is None else Feedback.source == source
            for external_id, words in db.session.execute(
                select(Feedback.external_id, Feedback.text).where(same_source, Feedback.external_id.in_(ids))
            ):
                known[("id", source, external_id)] = words
        plain = [(item, owner) for item, owner in zip(items, owners, strict=True) if not item.external_id]
        if plain:
            owner_set = {owner for _, owner in plain}
            days = {item.received_on or self.today for item, _ in plain}
            owner_ids = [owner for owner in owner_set if owner is not None]
            conditions = [Feedback.customer_id.in_(owner_ids)] if owner_ids else []
            if None in owner_set:
                conditions.append(Feedback.customer_id.is_(None))
            for customer_id, received_on, words in db.session.execute(
                select(Feedback.customer_id, Feedback.received_on, Feedback.text).where(
                    Feedback.external_id.is_(None),
                    Feedback.received_on.in_(days),
                    or_(*conditions),
                )
            ):
                known[("text", customer_id, received_on, normalise_text(words))] = words
        fresh, clashes = [], []
        for item, owner in zip(items, owners, strict=True):
            if item.external_id:
                key = ("id", item.source, item.external_id)
            else:
                key = ("text", owner, item.received_on or self.today, normalise_text(item.text))
            if key not in known:
                known[key] = item.text
                fresh.append((item, owner))
            elif normalise_text(stored := known[key]) != normalise_text(item.text):
                clashes.append((item, stored))
        return fresh, clashes


def _insert_items(rows: list[dict]) -> None:
    """Insert feedback rows that all give the same columns: COPY on PostgreSQL, else one executemany.

    Each value still goes through its column type's conversion for this database; what is skipped is
    SQLAlchemy's per-row parameter bookkeeping, a sixth of an import's time without sentiment.
    """
    table = Feedback.__table__
    connection = db.session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    if dialect.name == "postgresql":
        # COPY streams the rows in one statement, where executemany sends and plans one INSERT a row.
        _copy_rows(connection, table, names, rows)
        return
    compiled = table.insert().compile(dialect=dialect, column_keys=names)
    order = compiled.positiontup if compiled.positional else names
    convert = _converters(table, order, dialect)
    params = []
    for row in rows:
        values = [row[name] for name in order]
        for index, processor in convert:
            values[index] = processor(values[index])
        params.append(tuple(values) if compiled.positional else dict(zip(order, values, strict=True)))
    connection.exec_driver_sql(compiled.string, params)


def _converters(table, order: list[str], dialect) -> list[tuple[int, Callable]]:
    """(position, bind processor) of the columns whose values need converting for this database."""
    return [
        (index, processor)
        for index, name in enumerate(order)
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]


def _copy_rows(connection, table, names: list[str], rows: list[dict]) -> None:
    """COPY rows into a table inside the session's transaction (PostgreSQL, psycopg)."""
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    convert = _converters(table, names, connection.dialect)
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = [row[name] for name in names]
                for index, processor in convert:
                    values[index] = processor(values[index])
                copy.write_row(values)
    except connection.dialect.dbapi.IntegrityError as error:  # raised as SQLAlchemy would: callers catch it
        raise IntegrityError(statement, None, error) from error


def _analyze_threshold() -> int | None:
    """Items after which PostgreSQL's statistics are stale (the table has doubled); None elsewhere."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    estimate = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'feedback'::regclass"))
    return max(ANALYZE_ITEMS, int(estimate or 0))


def _customer_row(ref: CustomerRef) -> dict:
    """A new customer from what the file says about them; the name falls back to e-mail or id."""
    name = ref.name or ref.email or ref.organisation or ref.external_id or "Unknown"
    return {
        "name": name[:200],
        "email": ref.email,
        "organisation": ref.organisation,
        "external_id": ref.external_id,
        "segment": ref.segment,
        "consent_quote": False,
        "consent_contact": False,
    }
