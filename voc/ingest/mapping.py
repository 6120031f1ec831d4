"""Which file column feeds which feedback field: a saveable Mapping, guessing from headers, and presets."""

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields

from voc.vocabulary import CHANNELS, SCORE_KINDS

# Fields fed by exactly one column; text and customer_name take a list of columns.
SINGLE_FIELDS = (
    "date",
    "channel",
    "external_id",
    "customer_email",
    "customer_organisation",
    "customer_external_id",
    "segment",
    "stage",
    "score",
    "source",
)


class MappingError(ValueError):
    """A mapping that cannot be applied to a file; `problems` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Mapping:
    """Column names per target field, plus what the file itself does not say (defaults, header rows)."""

    text: list[str] = field(default_factory=list)  # each non-empty one becomes a feedback item
    fallback_text: str | None = None  # read when every text column is empty (a ticket's subject)
    date: str | None = None
    channel: str | None = None
    external_id: str | None = None  # of the ticket or survey response
    customer_email: str | None = None
    customer_name: list[str] = field(default_factory=list)  # joined with a space (first + last name)
    customer_organisation: str | None = None
    customer_external_id: str | None = None
    segment: str | None = None
    stage: str | None = None
    score: str | None = None
    score_kind: str | None = None  # 'nps' (0-10) or 'csat' (1-5)
    source: str | None = None
    extras: list[str] = field(default_factory=list)  # kept as extra attributes of each item
    default_channel: str = "other"  # when there is no channel column or its value is unknown
    default_source: str | None = None  # the system's name when no column says it
    header_rows: int = 0  # rows under the header that are more header (SurveyMonkey 1, Qualtrics 2)
    labels: dict[str, str] = field(default_factory=dict)  # column -> question text, where they differ
    preset: str | None = None

    def to_dict(self) -> dict:
        """Plain JSON-ready form, for saving a named mapping or an import batch."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Mapping":
        """A mapping back from `to_dict` output (or a user's JSON); unknown keys or wrong types are errors."""
        known = {f.name: f for f in fields(cls)}
        problems = [f"unknown mapping key '{key}'" for key in data if key not in known]
        for key, value in data.items():
            if key in ("text", "customer_name", "extras"):
                if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    problems.append(f"'{key}' must be a list of column names")
            elif key == "labels":
                if not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
                    problems.append("'labels' must map column names to question texts")
            elif key == "header_rows":
                if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
                    problems.append("'header_rows' must be a whole number of rows")
            elif key in known and not (value is None or isinstance(value, str)):
                problems.append(f"'{key}' must be a column name or empty")
        if problems:
            raise MappingError(problems)
        return cls(**data)

    def columns(self) -> set[str]:
        """Every column the mapping reads."""
        used = {getattr(self, name) for name in (*SINGLE_FIELDS, "fallback_text")} - {None}
        return used | set(self.text) | set(self.customer_name) | set(self.extras)

    def problems(self, header: Sequence[str]) -> list[str]:
        """Why this mapping cannot read a file with this header; empty when it can."""
        problems = []
        if not self.text:
            problems.append("choose at least one column of feedback text")
        missing = sorted(self.columns() - set(header))
        problems += [f"the file has no column '{name}'" for name in missing]
        if self.score and self.score_kind not in SCORE_KINDS:
            problems.append("say whether the score is NPS (0-10) or CSAT (1-5)")
        if self.default_channel not in CHANNELS:
            problems.append(f"'{self.default_channel}' is not a channel")
        return problems


def normalise(name: str) -> str:
    """Header name for matching, blind to case, punctuation and spacing ('E-mail' -> 'e mail')."""
    return " ".join(re.sub(r"[^\w#]+", " ", name.casefold()).split())


# Synonyms per field, best first; matched against normalised header names.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "id",
        "ticket",
        "ticket id",
        "ticket #",
        "ticket number",
        "response id",
        "responseid",
        "respondent id",
        "submission id",
        "issue key",
        "conversation id",
        "feedback id",
        "case id",
        "case number",
        "#",
        "token",
    ),
    "date": (
        "date",
        "created at",
        "created",
        "created date",
        "created time",
        "creation date",
        "submitted at",
        "submit date utc",
        "submit date",
        "date submitted",
        "submission date",
        "timestamp",
        "received",
        "received on",
        "response date",
        "recorded date",
        "recordeddate",
        "end date",
        "enddate",
        "completed at",
        "conversation started at",
    ),
    "customer_email": (
        "email",
        "e mail",
        "email address",
        "e mail address",
        "customer email",
        "requester email",
        "contact email",
        "user email",
        "respondent email",
        "recipient email",
        "recipientemail",
        "reporter email",
        "from",
    ),
    "customer_name": (
        "name",
        "full name",
        "customer name",
        "customer",
        "requester",
        "requester name",
        "contact name",
        "contact",
        "user name",
        "respondent name",
        "respondent",
        "reporter",
    ),
    "customer_organisation": (
        "organisation",
        "organization",
        "company",
        "company name",
        "account",
        "account name",
        "organization name",
        "organisation name",
        "customer organisation",
        "customer organization",
    ),
    "customer_external_id": (
        "customer id",
        "user id",
        "contact id",
        "requester id",
        "requester external id",
        "account id",
        "client id",
        "external reference",
        "externalreference",
    ),
    "segment": ("segment", "customer segment", "market segment", "plan", "tier", "customer tier"),
    "stage": ("stage", "journey stage", "customer journey stage", "lifecycle stage", "touchpoint", "phase"),
    "channel": ("channel", "feedback channel", "medium"),
    "source": ("source", "source system", "system", "origin"),
    "score": (
        "score",
        "nps",
        "nps score",
        "csat",
        "csat score",
        "rating",
        "satisfaction",
        "likelihood to recommend",
    ),
    "text": (
        "text",
        "comment",
        "comments",
        "description",
        "body",
        "feedback",
        "message",
        "verbatim",
        "review",
        "remarks",
        "notes",
        "answer",
        "response",
        "feedback text",
        "customer feedback",
        "details",
    ),
}

# A ticket's one-line title, the text to keep when its description is empty.
FALLBACK_TEXT = ("subject", "summary", "title")

# Words that make a question header an open question whose answers are feedback text.
OPEN_QUESTION_WORDS = (
    "comment",
    "feedback",
    "improve",
    "suggest",
    "why",
    "reason",
    "describe",
    "tell us",
    "anything else",
    "explain",
    "what did you",
    "what could",
    "what can",
    "what would",
    "what should",
    "what do you",
    "like most",
    "like least",
    "like best",
    "thoughts",
    "verbatim",
    "other",
)
# Header endings that mark metadata, never feedback text ("Feedback ID", "Comment date").
METADATA_ENDINGS = ("id", "date", "email", "utc", "number", "count")


def guess_mapping(header: Sequence[str], following: Sequence[Sequence] = ()) -> Mapping:
    """The mapping a person would most likely choose: a matching preset's, else one from header names.

    `following` are the first rows under the header, which multi-row-header presets read.
    """
    preset = detect_preset(header)
    if preset is not None:
        return preset.mapping(header, following)
    by_name = _by_name(header)
    chosen: dict[str, str | None] = {}
    for name in SINGLE_FIELDS:
        chosen[name] = _first(by_name, SYNONYMS[name], taken=set(chosen.values()))
    taken = set(chosen.values()) - {None}
    names = _customer_name(by_name, taken)
    if chosen["score"] is None:
        chosen["score"] = next((c for c in header if c not in taken and _is_nps_question(c)), None)
    taken |= set(names) | {chosen["score"]}
    text = [c for c in header if c not in taken and normalise(c) in SYNONYMS["text"]]
    text += [c for c in header if c not in taken and c not in text and _is_open_question(c)]
    fallback = _first(by_name, FALLBACK_TEXT, taken | set(text)) if text else None
    mapping = Mapping(text=text, fallback_text=fallback, customer_name=names, **chosen)
    mapping.score_kind = _score_kind(mapping.score)
    mapping.extras = [c for c in header if c not in mapping.columns()]
    return mapping


def why_no_text(header: Sequence[str], mapping: Mapping) -> list[str]:
    """Each column the guess looked at for feedback text and why it did not take it (for a mapping
    that found none), so a person sees what to tick instead of a bare "no text column"."""
    roles = {column: name.replace("_", " ") for name in SINGLE_FIELDS if (column := getattr(mapping, name))}
    roles.update({column: "customer name" for column in mapping.customer_name})
    preset = PRESETS.get(mapping.preset or "")
    reasons = []
    for column in header:
        name = normalise(column)
        if column in roles:
            reasons.append(f"'{column}' is taken as the {roles[column]}")
        elif preset is not None:
            reasons.append(f"'{column}' is not a free-text answer in a {preset.label} export")
        elif name.rsplit(" ", 1)[-1] in METADATA_ENDINGS:
            reasons.append(f"'{column}' looks like metadata: its name ends in '{name.rsplit(' ', 1)[-1]}'")
        else:
            reasons.append(
                f"'{column}' is neither named like feedback text (comment, description, feedback, …) "
                "nor worded as an open question (why, improve, suggest, tell us, …)"
            )
    return reasons


def _by_name(header: Sequence[str]) -> dict[str, str]:
    """Normalised name -> the first column with it."""
    by_name: dict[str, str] = {}
    for column in header:
        by_name.setdefault(normalise(column), column)
    return by_name


def _first(by_name: dict[str, str], candidates: Sequence[str], taken: set) -> str | None:
    """The column of the best candidate name present and not already used."""
    for candidate in candidates:
        column = by_name.get(candidate)
        if column is not None and column not in taken:
            return column
    return None


def _customer_name(by_name: dict[str, str], taken: set) -> list[str]:
    """One full-name column, else first and last name columns."""
    full = _first(by_name, SYNONYMS["customer_name"], taken)
    if full:
        return [full]
    first = _first(by_name, ("first name", "firstname", "recipientfirstname", "given name"), taken)
    last = _first(by_name, ("last name", "lastname", "recipientlastname", "surname", "family name"), taken)
    return [c for c in (first, last) if c]


def _is_nps_question(column: str) -> bool:
    """'How likely are you to recommend us…?' and not 'Why did you give that score?'"""
    name = normalise(column)
    return "recommend" in name and not any(word in name for word in ("why", "reason"))


def _is_open_question(column: str) -> bool:
    """A question header whose answers are likely free text."""
    name = normalise(column)
    if not name or name.rsplit(" ", 1)[-1] in METADATA_ENDINGS:
        return False
    return any(re.search(rf"\b{word}", name) for word in OPEN_QUESTION_WORDS)


def _score_kind(column: str | None) -> str | None:
    """NPS when the header talks about recommending or NPS, else CSAT."""
    if column is None:
        return None
    name = normalise(column)
    return "nps" if "recommend" in name or "nps" in name.split() else "csat"


@dataclass
class Questions:
    """What a survey export asks: open questions (feedback text), the NPS question, question texts."""

    text: list[str]
    nps: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # for columns named by id (Qualtrics' Q2)


@dataclass(frozen=True)
class Preset:
    """What one tool's export looks like: how to recognise it and where each field lives."""

    name: str
    label: str
    channel: str
    source: str
    signature: frozenset[str]  # normalised header names that all appear in this tool's export
    # field -> candidate header names, best first; "first name+last name" joins columns for customer_name
    columns: dict[str, tuple[str, ...]]
    text: tuple[tuple[str, ...], ...] = ()  # candidate groups; each group gives its first present column
    fallback_text: tuple[str, ...] = ()
    score_kind: str | None = None
    header_rows: int = 0  # the most rows under the header that can be more header
    # Surveys: (header, the extra header rows) -> the questions asked.
    questions: Callable[[Sequence[str], Sequence[Sequence]], Questions] | None = None

    def mapping(self, header: Sequence[str], following: Sequence[Sequence] = ()) -> Mapping:
        """This preset applied to a file's header (and, for multi-row headers, the rows below it)."""
        by_name = _by_name(header)
        chosen = {name: _first(by_name, self.columns.get(name, ()), set()) for name in SINGLE_FIELDS}
        names = next(
            (
                [by_name[part] for part in parts]
                for parts in (c.split("+") for c in self.columns.get("customer_name", ()))
                if all(part in by_name for part in parts)
            ),
            [],
        )
        text = [c for group in self.text if (c := _first(by_name, group, set()))]
        fallback = _first(by_name, self.fallback_text, set(text))
        header_rows = self._header_rows(header, following, chosen["external_id"])
        labels: dict[str, str] = {}
        score_kind = self.score_kind if chosen["score"] else None
        if self.questions is not None:
            asked = self.questions(header, following[:header_rows])
            text += asked.text
            labels = asked.labels
            if asked.nps is not None:
                chosen["score"], score_kind = asked.nps, "nps"
        mapping = Mapping(
            text=text,
            fallback_text=fallback,
            customer_name=names,
            score_kind=score_kind,
            default_channel=self.channel,
            default_source=self.source,
            header_rows=header_rows,
            labels=labels,
            preset=self.name,
            **chosen,
        )
        mapping.extras = [c for c in header if c not in mapping.columns()]
        return mapping

    def _header_rows(
        self, header: Sequence[str], following: Sequence[Sequence], id_column: str | None
    ) -> int:
        """How many of the rows under the header are more header, so no answer is skipped by mistake.

        A row is more header while its id cell is blank, the id column's label ('Response ID') or a
        Qualtrics {"ImportId": …} cell, and so is every row above an ImportId row (whose labels may be
        in the survey's language: 'Antwort-ID'); without rows to look at, the usual layout is assumed.
        """
        if not following or id_column is None:
            return self.header_rows
        column = header.index(id_column)
        labels = {normalise(name).replace(" ", "") for name in self.columns["external_id"]}
        rows = following[: self.header_rows]
        cells = [str(row[column] or "").strip() if column < len(row) else "" for row in rows]
        count = next(
            (
                n
                for n, cell in enumerate(cells)
                if cell and not cell.startswith("{") and normalise(cell).replace(" ", "") not in labels
            ),
            len(cells),
        )
        import_rows = [n + 1 for n, cell in enumerate(cells) if cell.startswith("{")]
        return max([count, *import_rows])


def detect_preset(header: Sequence[str]) -> Preset | None:
    """The preset whose signature the header carries (the most specific one if several do)."""
    names = {normalise(column) for column in header}
    matches = [preset for preset in PRESETS.values() if preset.signature <= names]
    return max(matches, key=lambda preset: len(preset.signature), default=None)


def _survey_questions(metadata: frozenset[str]) -> Callable:
    """Open questions and the NPS question of a one-header-row survey export (Typeform, Google Forms)."""

    def questions(header: Sequence[str], following: Sequence[Sequence]) -> Questions:
        asked = [c for c in header if normalise(c) not in metadata and not c.startswith("Column ")]
        nps = next((c for c in asked if _is_nps_question(c)), None)
        return Questions([c for c in asked if c != nps and _is_open_question(c)], nps)

    return questions


def _surveymonkey_questions(header: Sequence[str], following: Sequence[Sequence]) -> Questions:
    """SurveyMonkey's second header row says 'Open-Ended Response' under each free-text answer."""
    nps = next((c for c in header if _is_nps_question(c)), None)
    if not following:  # a file saved without that row: judge by the question wording
        return Questions([c for c in header if c != nps and _is_open_question(c)], nps)
    kinds = [str(v or "").strip().casefold() for v in following[0]]
    return Questions([c for c, k in zip(header, kinds, strict=False) if k == "open-ended response"], nps)


def _qualtrics_questions(header: Sequence[str], following: Sequence[Sequence]) -> Questions:
    """Qualtrics: row 1 holds column ids, row 2 question texts, row 3 {"ImportId": "QID3_TEXT"} per column.

    A text-entry answer's import id ends in _TEXT (QID2_TEXT; QID4_5_TEXT for a choice's "other, please
    say"); an NPS question Qn comes with a Qn_NPS_GROUP column.
    """
    texts = following[0] if following else ()
    labels = {c: str(t).strip() for c, t in zip(header, texts, strict=False) if t and str(t).strip() != c}
    groups = [c.removesuffix("_NPS_GROUP") for c in header if c.endswith("_NPS_GROUP")]
    nps = next((c for c in groups if c in header), None)
    if len(following) > 1:
        pairs = zip(header, (_import_id(v) for v in following[1]), strict=False)
        text = [c for c, import_id in pairs if re.fullmatch(r"QID\d+(?:_\d+)*_TEXT", import_id)]
    else:  # older exports have no import-id row: judge by the question wording
        text = [c for c, label in labels.items() if c != nps and _is_open_question(label)]
    return Questions(text, nps, labels)


def _qualtrics_legacy_questions(header: Sequence[str], following: Sequence[Sequence]) -> Questions:
    """Legacy Qualtrics: row 1 holds V1, V2, … and Q1, Q2, … codes, row 2 the names and question texts.

    Its free text is every QnTEXT-style column ending in _TEXT and every question worded as an open one;
    the NPS question is the one about recommending.
    """
    texts = following[0] if following else ()
    labels = {c: str(t).strip() for c, t in zip(header, texts, strict=False) if t and str(t).strip() != c}
    asked = [c for c in header if re.fullmatch(r"Q\d+\w*", c)]
    nps = next((c for c in asked if _is_nps_question(labels.get(c, ""))), None)
    text = [c for c in asked if c != nps and (c.endswith("_TEXT") or _is_open_question(labels.get(c, "")))]
    return Questions(text, nps, {c: label for c, label in labels.items() if c in asked})


def _import_id(cell: object) -> str:
    """The ImportId of a Qualtrics third-row cell, '' if it has none."""
    try:
        value = json.loads(str(cell or ""))
    except ValueError:
        return ""
    return str(value.get("ImportId", "")) if isinstance(value, dict) else ""


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="surveymonkey",
            label="SurveyMonkey",
            channel="survey",
            source="surveymonkey",
            signature=frozenset({"respondent id", "collector id", "start date", "end date"}),
            columns={
                "external_id": ("respondent id",),
                "date": ("end date", "start date"),
                "customer_email": ("email address",),
                "customer_name": ("first name+last name",),
                "customer_external_id": ("custom data 1",),
            },
            header_rows=1,
            questions=_surveymonkey_questions,
        ),
        Preset(
            name="typeform",
            label="Typeform",
            channel="survey",
            source="typeform",
            signature=frozenset({"#", "network id"}),
            columns={
                "external_id": ("#", "token", "response id"),
                "date": ("submit date utc", "submitted at", "start date utc"),
                "customer_email": ("email", "email address"),
            },
            questions=_survey_questions(
                frozenset(
                    {
                        "#",
                        "token",
                        "response id",
                        "response type",
                        "start date utc",
                        "stage date utc",
                        "submit date utc",
                        "submitted at",
                        "network id",
                        "tags",
                        "ending",
                    }
                )
            ),
        ),
        Preset(
            name="google_forms",
            label="Google Forms",
            channel="survey",
            source="google forms",
            signature=frozenset({"timestamp"}),
            columns={"date": ("timestamp",), "customer_email": ("email address", "email")},
            questions=_survey_questions(frozenset({"timestamp", "email address", "email", "score"})),
        ),
        Preset(
            name="qualtrics",
            label="Qualtrics",
            channel="survey",
            source="qualtrics",
            signature=frozenset({"responseid", "startdate", "enddate"}),
            columns={
                "external_id": ("responseid",),
                "date": ("recordeddate", "enddate"),
                "customer_email": ("recipientemail",),
                "customer_name": ("recipientfirstname+recipientlastname",),
                "customer_external_id": ("externalreference", "externaldatareference"),
            },
            header_rows=2,
            questions=_qualtrics_questions,
        ),
        Preset(
            name="qualtrics_legacy",
            label="Qualtrics (legacy V1, V2, … export)",
            channel="survey",
            source="qualtrics",
            # The legacy export puts codes in the first row; its first ten are always these fields.
            signature=frozenset(f"v{n}" for n in range(1, 11)),
            columns={
                "external_id": ("v1", "responseid"),  # the second name is row 2's label for V1
                "date": ("v9", "v8"),  # EndDate, StartDate
                "customer_email": ("v5",),
                "customer_name": ("v3",),
                "customer_external_id": ("v4",),
            },
            header_rows=1,
            questions=_qualtrics_legacy_questions,
        ),
        Preset(
            name="zendesk",
            label="Zendesk",
            channel="ticket",
            source="zendesk",
            signature=frozenset({"id", "requester", "subject", "created at"}),
            columns={
                "external_id": ("id",),
                "date": ("created at",),
                "customer_email": ("requester email",),
                "customer_name": ("requester",),
                "customer_organisation": ("organization",),
                "customer_external_id": ("requester external id", "requester id"),
            },
            # Zendesk's CSV export leaves out descriptions; the subject is then the best text there is.
            text=(("description", "subject"),),
            fallback_text=("subject",),
        ),
        Preset(
            name="freshdesk",
            label="Freshdesk",
            channel="ticket",
            source="freshdesk",
            signature=frozenset({"ticket id", "subject", "created time"}),
            columns={
                "external_id": ("ticket id",),
                "date": ("created time",),
                "customer_email": ("email", "contact email", "requester email"),
                "customer_name": ("full name", "contact name", "requester name"),
                "customer_organisation": ("company name", "company"),
                "customer_external_id": ("contact id", "unique external id"),
            },
            text=(("description", "subject"),),
            fallback_text=("subject",),
        ),
        Preset(
            name="jira_service_management",
            label="Jira Service Management",
            channel="ticket",
            source="jira",
            signature=frozenset({"issue key", "summary", "created"}),
            columns={
                "external_id": ("issue key",),
                "date": ("created",),
                "customer_email": ("reporter email", "custom field reporter email"),
                "customer_name": ("reporter",),
                "customer_organisation": ("custom field organizations", "organizations"),
                "score": ("custom field satisfaction", "satisfaction"),
            },
            text=(("description", "summary"),),
            fallback_text=("summary",),
            score_kind="csat",
        ),
        Preset(
            name="intercom",
            label="Intercom",
            channel="ticket",
            source="intercom",
            signature=frozenset({"conversation id"}),
            columns={
                "external_id": ("conversation id",),
                "date": ("conversation started at", "conversation created at", "created at"),
                "customer_email": ("user email", "contact email", "email", "message author email"),
                "customer_name": ("user name", "contact name", "name", "message author name"),
                "customer_organisation": ("company name", "company", "message author companies"),
                "customer_external_id": ("user id", "contact id", "external id", "message author user id"),
                "score": ("conversation rating",),
            },
            text=(
                ("first message", "conversation first message", "message body", "initial message", "body"),
                ("conversation rating remark", "rating remark"),
            ),
            score_kind="csat",
        ),
    )
}
