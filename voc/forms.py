"""Input shape and field validation for every form; no queries here."""

import uuid

from flask import flash
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, HiddenInput, Input, ListWidget

from voc.models import (
    FOLLOW_UP_METHODS,
    HIT_KINDS,
    HIT_STATUSES,
    HORIZONS,
    INT_MAX,
    QUICK_HORIZONS,
    ROLES,
    WEBHOOK_EVENTS,
)
from voc.services.errors import NotAllowed, NotFound, ServiceError
from voc.vocabulary import CHANNELS, MAX_TEXT_LENGTH


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def record_number(value: str) -> int:
    """An id or page number from a form or query string: 1 to INT_MAX, else ValueError.

    With `request.args.get(name, default, type=record_number)` a malformed, zero, negative or
    too-large value falls back to the default instead of reaching (and overflowing) a query.
    """
    number = int(value)
    if not 1 <= number <= INT_MAX:
        raise ValueError(f"{value} is not a record number")
    return number


def optional_int(value):
    """Coerce a select's value to a record number, with '' meaning none chosen."""
    if value in (None, "", "None"):
        return None
    return record_number(value)


def _int_or_none(value):
    """A hidden number as an int; anything else as None, which the service then refuses."""
    try:
        return record_number(str(value))
    except ValueError:
        return None


def _hidden_id() -> HiddenField:
    """A record id or version carried in a hidden input."""
    return HiddenField(filters=[_int_or_none])


def stage_filter(value):
    """A stage filter's value: a stage id, "none" for items without a stage, or None for any."""
    return "none" if value == "none" else optional_int(value)


class StageSelect(SelectField):
    """A journey-stage picker; the service decides whether the stage may be used."""

    def __init__(self, label="Journey stage", **kwargs):
        super().__init__(label, coerce=optional_int, validate_choice=False, **kwargs)

    def pre_validate(self, form):
        if self.data is None and self.raw_data and self.raw_data[0] not in ("", "None"):
            raise ValidationError("Choose a journey stage from the list.")


class PickedInput(Input):
    """A hidden input that hidden_tag() leaves out: the picker's template places it, or choices instead."""

    input_type = "hidden"
    validation_attrs = ()


class CustomerPickerMixin:
    """A customer picker: a search field (suggestions as you type with script) and the chosen id beside
    it, which customers.pick resolves together."""

    customer = SearchField("Customer", validators=[Length(max=200)])
    customer_id = HiddenField(widget=PickedInput(), filters=[_int_or_none])

    def picked(self) -> tuple[int | None, str | None]:
        """The chosen id and the typed words; None for words when the request did not send the field."""
        return self.customer_id.data, self.customer.data if self.customer.raw_data else None


class SubmissionKeyMixin:
    """A per-render token that makes a double-clicked submit store one record."""

    submission_key = HiddenField()

    def ensure_submission_key(self):
        if not self.submission_key.data:
            self.submission_key.data = str(uuid.uuid4())


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in on this computer")
    submit = SubmitField("Sign in")


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired("Type your current password.")])
    new = PasswordField("New password", validators=[DataRequired("Type a new password.")])
    confirm = PasswordField("New password again", validators=[DataRequired("Type the new password again.")])
    submit = SubmitField("Change password")


TEXT_LENGTH = Length(max=MAX_TEXT_LENGTH, message=f"Keep it under {MAX_TEXT_LENGTH:,} characters.")


class FeedbackForm(CustomerPickerMixin, SubmissionKeyMixin, FlaskForm):
    text = TextAreaField("What the customer said", validators=[InputRequired(), TEXT_LENGTH])
    channel = SelectField("Channel", choices=choices((c, c.capitalize()) for c in CHANNELS))
    source = StringField(
        "Source system", validators=[Optional(), Length(max=100)], description="e.g. Zendesk, SurveyMonkey"
    )
    external_id = StringField(
        "External id", validators=[Optional(), Length(max=200)], description="e.g. the ticket number"
    )
    received_on = DateField("Date received", validators=[InputRequired()])
    stage_id = StageSelect()
    score = IntegerField("Score", validators=[Optional()])
    score_kind = SelectField(
        "Score kind",
        choices=choices([("", "—"), ("nps", "NPS (0–10)"), ("csat", "CSAT (1–5)")]),
        validate_choice=False,  # the service names the rule when the kind is wrong
    )
    submit = SubmitField("Save feedback")


class FeedbackEditForm(CustomerPickerMixin, FlaskForm):
    """An item corrected after the fact; the text field is shown to triagers and admins only."""

    text = TextAreaField("What the customer said", validators=[Optional(), TEXT_LENGTH])
    channel = SelectField("Channel", choices=choices((c, c.capitalize()) for c in CHANNELS))
    received_on = DateField("Date received", validators=[InputRequired()])
    stage_id = StageSelect()
    score = IntegerField("Score", validators=[Optional()])
    score_kind = SelectField(
        "Score kind",
        choices=choices([("", "—"), ("nps", "NPS (0–10)"), ("csat", "CSAT (1–5)")]),
        validate_choice=False,
    )
    submit = SubmitField("Save changes")


BULK_CHOICES = (
    ("stage", "Set the journey stage"),
    ("customer", "Set the customer"),
    ("theme", "Move to a theme"),
    ("delete", "Delete"),
)


class BulkFeedbackForm(FlaskForm):
    """One action for the ticked items, or for every item the list's filters match."""

    ids = SelectMultipleField("Items", coerce=int, validate_choice=False)
    scope = SelectField(
        "Apply to",
        choices=choices([("ticked", "The ticked items"), ("filtered", "Every item these filters match")]),
    )
    action = SelectField("Action", choices=choices(BULK_CHOICES))
    stage = StageSelect("New stage")
    # A number, not a list of every customer: a picker of thousands of names made the page slow.
    customer = IntegerField(
        "New customer's number",
        validators=[Optional()],
        description="As in the customer's page address (/customers/12); empty for none.",
    )
    theme = SelectField("Theme", coerce=optional_int, validate_choice=False)
    submit = SubmitField("Apply")


class QuoteForm(Form):
    text = TextAreaField("Quote or observation", validators=[Optional(), TEXT_LENGTH])
    stage = StageSelect()


class InterviewForm(CustomerPickerMixin, SubmissionKeyMixin, FlaskForm):
    new_customer_name = StringField("…or a new customer: name", validators=[Length(max=200)])
    new_customer_organisation = StringField("Organisation", validators=[Length(max=200)])
    new_customer_segment = StringField("Segment", validators=[Length(max=100)])
    new_customer_email = StringField("E-mail", validators=[Optional(), Length(max=254)])
    interviewer_id = SelectField("Interviewer", coerce=record_number, validate_choice=False)
    held_on = DateField("Date", validators=[InputRequired()])
    place = StringField("Place", validators=[InputRequired(), Length(max=200)])
    duration_minutes = IntegerField(
        "Duration (minutes)", validators=[InputRequired(), NumberRange(min=1, max=1440)]
    )
    notes = TextAreaField("Notes", validators=[Length(max=MAX_TEXT_LENGTH)])
    quotes = FieldList(FormField(QuoteForm), min_entries=2, max_entries=100)
    add_quote = SubmitField("Add another quote")
    submit = SubmitField("Save interview")


class CustomerForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    organisation = StringField("Organisation", validators=[Length(max=200)])
    segment = StringField("Segment", validators=[Length(max=100)])
    email = EmailField("E-mail", validators=[Optional(), Email(), Length(max=254)])
    consent_quote = BooleanField(
        "May be quoted",
        description="Their words may appear as quotes in voc's reports and roadmap exports.",
    )
    consent_contact = BooleanField(
        "May be contacted",
        description="Staff may get in touch personally, e.g. to say a problem they raised is fixed.",
    )
    shared_email_ok = BooleanField("Save a separate customer with the same e-mail address anyway")
    submit = SubmitField("Save customer")


class EraseCustomerForm(FlaskForm):
    confirm = BooleanField(
        "I understand that this cannot be undone",
        validators=[DataRequired("Tick the box to confirm the erasure.")],
    )
    submit = SubmitField("Erase this customer")


class StageForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=60)])
    description = StringField("One-line description", validators=[Length(max=200)])
    submit = SubmitField("Save stage")


class UserForm(FlaskForm):
    email = EmailField("E-mail", validators=[InputRequired(), Email(), Length(max=254)])
    name = StringField("Name", validators=[Length(max=120)])
    role = SelectField("Role", choices=choices((r, r.capitalize()) for r in ROLES))
    submit = SubmitField("Create user")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=choices((r, r.capitalize()) for r in ROLES))
    submit = SubmitField("Change role")


class ActionForm(FlaskForm):
    """An empty form: a button that posts with a CSRF token."""


class FeedbackFilterForm(FlaskForm):
    """Filters read from the query string, so a filtered list can be bookmarked."""

    class Meta:
        csrf = False

    q = SearchField("Text", validators=[Optional(), Length(max=200)])
    channel = SelectField(
        "Channel",
        choices=choices([("", "Any channel")] + [(c, c.capitalize()) for c in CHANNELS]),
        validate_choice=False,  # an unknown channel in a shared link just means "any"
    )
    stage = SelectField("Stage", coerce=stage_filter, validate_choice=False)
    # A search box, not a list of every customer: a picker of thousands of names made the page
    # slow and unusable. A link from a customer's own page still filters by id.
    who = SearchField("Customer", validators=[Optional(), Length(max=200)])
    customer = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=INT_MAX)])
    segment = SelectField("Segment", validate_choice=False)
    theme = SelectField("Theme", coerce=optional_int, validate_choice=False)
    sentiment = SelectField(
        "Sentiment",
        choices=choices([("", "Any sentiment"), ("negative", "Negative")]),
        validate_choice=False,
    )
    score = SelectField(
        "Score",
        choices=choices([("", "Scored or not"), ("nps", "NPS answers"), ("csat", "CSAT answers")]),
        validate_choice=False,
    )
    suggested = SelectField("Suggested stage", coerce=optional_int, validate_choice=False)
    language = SelectField("Language", validate_choice=False)  # an unknown code just means "any"
    survey = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=INT_MAX)])
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])


class ConfirmStageForm(FlaskForm):
    """An item's stage: empty accepts the suggested one, a chosen stage corrects it."""

    stage = StageSelect("Journey stage")


class PeriodForm(FlaskForm):
    """A date range read from the query string."""

    class Meta:
        csrf = False

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])


def show_errors(form, error: ServiceError) -> None:
    """Put a service's (field, message) pairs next to the matching fields of the form.

    A missing record or a refused role is not about the form: it goes on to the app's 404 and 403 pages.
    """
    if isinstance(error, (NotFound, NotAllowed)):
        raise error
    for name, message in error.errors:
        field = _find_field(form, name)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


def flash_errors(error: ServiceError) -> None:
    """A refused one-button action (no fields to mark): every message as one flash, or the 404/403 page."""
    if isinstance(error, (NotFound, NotAllowed)):
        raise error
    flash(" ".join(message for _, message in error.errors), "error")


def _find_field(form, name: str):
    """The field a service error names, e.g. 'quotes-1-text', or None."""
    field = form
    for part in name.split("-"):
        try:
            field = field[int(part)] if part.isdigit() else field[part]
        except (KeyError, IndexError, TypeError):
            return None
    return field


class ThemeRunForm(FlaskForm):
    k = IntegerField(
        "Number of themes",
        validators=[Optional(), NumberRange(min=2, max=300)],
        description="Leave empty to let voc choose.",
    )
    stop_words = StringField(
        "Words to ignore",
        validators=[Length(max=500)],
        description="Comma-separated, e.g. your company's name.",
    )
    submit = SubmitField("Find themes")


class RenameThemeForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            InputRequired("A theme needs a name."),
            Length(max=200, message="Keep the name under 200 characters."),
        ],
    )
    submit = SubmitField("Rename")


class MergeThemeForm(FlaskForm):
    into = SelectField("Merge into", coerce=optional_int, validate_choice=False)
    # Set by the confirmation page (and by an offer that already names both themes and their sizes).
    confirmed = HiddenField()
    submit = SubmitField("Merge…")


def move_destination(value):
    """The bulk move's target: a theme id, "unthemed" (None), or "" when nothing was chosen yet."""
    if value in (None, ""):
        return ""
    return None if value == "unthemed" else record_number(value)


class SplitThemeForm(FlaskForm):
    item_ids = SelectMultipleField("Items for the new theme", coerce=record_number, validate_choice=False)
    name = StringField("Name of the new theme", validators=[Length(max=200)])
    submit = SubmitField("Split off the chosen items")


class MoveItemsForm(FlaskForm):
    """The theme page's one "Move to…" for every ticked item."""

    item_ids = SelectMultipleField("Items to move", coerce=record_number, validate_choice=False)
    theme = SelectField("Move to", coerce=move_destination, validate_choice=False, default="")

    def validate_theme(self, field):
        """A bulk move needs a destination: the menu starts on none so a stray click moves nothing."""
        if field.data == "":
            raise ValidationError("Choose where to move the ticked items.")


class MoveItemForm(FlaskForm):
    theme = SelectField("Theme", coerce=optional_int, validate_choice=False)
    submit = SubmitField("Move and pin")


class HitForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=200)])
    problem = TextAreaField(
        "Problem, in the customer's terms",
        validators=[TEXT_LENGTH],
        description="What hurts, as customers put it — not the fix.",
    )
    stage_id = StageSelect(description="The journey stage this pain point hurts.")
    horizon = SelectField(
        "Horizon",
        choices=choices(
            (h, f"{h.capitalize()} ({'Quick' if h in QUICK_HORIZONS else 'Big'} Hit)") for h in HORIZONS
        ),
    )
    kind = SelectField("Kind of move", choices=choices((k, k.capitalize()) for k in HIT_KINDS))
    owner_id = SelectField("Owner", coerce=optional_int, validate_choice=False)
    target_date = DateField("Target date", validators=[Optional()])
    reach = IntegerField(
        "Reach (customers)",
        validators=[Optional()],
        description="Leave empty to use the distinct customers in the evidence.",
    )
    impact = IntegerField(
        "Impact (1–5)", validators=[InputRequired()], description="1 minimal, 3 medium, 5 massive."
    )
    confidence = IntegerField("Confidence (%)", validators=[InputRequired()])
    effort = FloatField(
        "Effort (person-weeks)",
        validators=[InputRequired()],
        description="Up to 1 person-week suggests a Quick Hit.",
    )
    version = _hidden_id()
    submit = SubmitField("Save hit")


class MoveHitForm(FlaskForm):
    horizon = SelectField("Move to", choices=choices((h, h.capitalize()) for h in HORIZONS))
    version = _hidden_id()


class HitStatusForm(FlaskForm):
    status = SelectField("New status", validate_choice=False)  # the service knows the allowed moves
    reason = StringField("Reason (needed to drop)", validators=[Length(max=500)])
    version = _hidden_id()
    submit = SubmitField("Change status")


class FollowUpForm(FlaskForm):
    customer_id = SelectField("Customer", coerce=optional_int, validate_choice=False)
    method = SelectField("How", choices=choices((m, m.capitalize()) for m in FOLLOW_UP_METHODS))
    held_on = DateField("When", validators=[InputRequired()])
    note = TextAreaField("What was said", validators=[TEXT_LENGTH])
    submit = SubmitField("Record follow-up")


class EvidenceForm(FlaskForm):
    """A theme or an item to link to (or unlink from) a hit."""

    hit = SelectField("Add to hit", coerce=optional_int, validate_choice=False)
    theme = _hidden_id()
    feedback = _hidden_id()


class DismissForm(FlaskForm):
    reason = StringField("Why it is not a pain point", validators=[Length(max=500)])
    theme = _hidden_id()
    feedback = _hidden_id()


class HitFilterForm(FlaskForm):
    """The board's filters, read from the query string."""

    class Meta:
        csrf = False

    stage = SelectField("Stage", coerce=optional_int, validate_choice=False)
    owner = SelectField("Owner", coerce=optional_int, validate_choice=False)
    status = SelectField(
        "Status",
        choices=choices([("", "Open (not dropped)")] + [(s, s.capitalize()) for s in HIT_STATUSES]),
        validate_choice=False,  # an unknown status in a shared link just means "open"
    )
    kind = SelectField(
        "Kind",
        choices=choices([("", "Any kind")] + [(k, k.capitalize()) for k in HIT_KINDS]),
        validate_choice=False,
    )


class TokenForm(FlaskForm):
    name = StringField(
        "What will use it",
        validators=[InputRequired(), Length(max=100)],
        description="e.g. “Zendesk webhook” or “weekly report script”.",
    )
    submit = SubmitField("Create token")


class CheckboxesField(SelectMultipleField):
    """Several choices made with one checkbox each."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    url = URLField(
        "Address",
        validators=[InputRequired(), Length(max=500)],
        description="voc POSTs signed JSON here, e.g. https://chat.example.com/hooks/voc",
    )
    events = CheckboxesField(
        "Events",
        choices=choices((e, e) for e in WEBHOOK_EVENTS),
        validate_choice=False,
    )
    secret = StringField(
        "Secret",
        validators=[Length(max=200)],
        description="Signs each body (X-Voc-Signature). Leave empty to have one generated and shown once.",
    )
    submit = SubmitField("Add webhook")


class DashboardFilterForm(FlaskForm):
    """The dashboard's period, channel and segment, read from the query string."""

    class Meta:
        csrf = False

    period = SelectField(
        "Period",
        default="30",
        choices=choices(
            [
                ("7", "Last 7 days"),
                ("30", "Last 30 days"),
                ("90", "Last 90 days"),
                ("quarter", "This quarter"),
                ("custom", "From–To below"),
            ]
        ),
    )
    start = DateField("From", validators=[Optional()], description="Dates, when given, win over the period.")
    end = DateField("To", validators=[Optional()])
    channel = SelectField(
        "Channel",
        choices=choices([("", "Any channel")] + [(c, c.capitalize()) for c in CHANNELS]),
        validate_choice=False,  # an unknown channel in a shared link just means "any"
    )
    segment = SelectField("Segment", validate_choice=False)


class UploadForm(FlaskForm):
    file = FileField(
        "Export file",
        validators=[FileRequired("Choose a CSV or Excel file to upload.")],
        description="CSV, TSV or XLSX, as SurveyMonkey, Typeform, Google Forms, Qualtrics, Zendesk, "
        "Freshdesk, Jira or Intercom export it (or any table with a column of feedback text).",
    )
    submit = SubmitField("Upload and map columns")


def _column(label: str, **kwargs) -> SelectField:
    """A picker of one of the file's columns; the mapping names a missing one."""
    return SelectField(label, validate_choice=False, **kwargs)


class MappingForm(FlaskForm):
    """Which column of the uploaded file feeds which feedback field."""

    text = CheckboxesField(
        "Feedback text",
        validate_choice=False,
        description="Each non-empty one becomes an item; the answers of one row share a response key.",
    )
    fallback_text = _column("When those are empty, use")
    date = _column("Date")
    date_order = SelectField(
        "Dates like 03/04/2024 are",
        choices=choices(
            [("", "Detected from the file"), ("dmy", "Day first (3 April)"), ("mdy", "Month first (4 March)")]
        ),
    )
    channel = _column("Channel column")
    default_channel = SelectField(
        "Channel when the file does not say", choices=choices((c, c.capitalize()) for c in CHANNELS)
    )
    source = _column("Source system column")
    default_source = StringField(
        "Source system",
        validators=[Length(max=100)],
        description="e.g. zendesk; items with the same source and id are never imported twice.",
    )
    external_id = _column("Item id")
    customer_email = _column("Customer e-mail")
    customer_name = CheckboxesField(
        "Customer name", validate_choice=False, description="Several columns are joined (first + last)."
    )
    customer_organisation = _column("Organisation")
    customer_external_id = _column("Customer id")
    segment = _column("Segment")
    stage = _column("Journey stage", description="Values matching a stage's name set it; others are kept.")
    score = _column("Score")
    score_kind = SelectField(
        "Score kind",
        choices=choices([("", "—"), ("nps", "NPS (0–10)"), ("csat", "CSAT (1–5)")]),
    )
    header_rows = IntegerField(
        "Extra header rows",
        validators=[InputRequired(), NumberRange(min=0, max=10)],
        description="Rows under the header that are more header (SurveyMonkey 1, Qualtrics 2).",
    )
    labels = HiddenField()  # question texts of columns named by id, as JSON
    preset = HiddenField()
    mapping_name = StringField("Save this mapping as", validators=[Length(max=100)])
    preview = SubmitField("Dry run")
    run = SubmitField("Import")
    save = SubmitField("Save mapping")


class SurveyForm(FlaskForm):
    """A survey as staff set it up; the service checks the rules across fields."""

    title = StringField(
        "Title",
        validators=[InputRequired(), Length(max=200)],
        description="Respondents see it as the page's heading.",
    )
    intro = TextAreaField(
        "Introduction",
        validators=[Length(max=2_000)],
        description="A sentence or two on why you ask and how long it takes.",
    )
    score_kind = SelectField(
        "Score question",
        choices=choices(
            [
                ("", "None"),
                ("nps", "NPS: how likely to recommend us, 0–10"),
                ("csat", "CSAT: how satisfied, 1–5"),
            ]
        ),
    )
    question_0 = StringField("Open question 1", validators=[InputRequired(), Length(max=300)])
    question_1 = StringField("Open question 2 (optional)", validators=[Length(max=300)])
    question_2 = StringField("Open question 3 (optional)", validators=[Length(max=300)])
    stage = StageSelect("Journey stage it asks about")
    segment = StringField("Segment it asks", validators=[Length(max=100)])
    thanks_name = StringField(
        "Thank-you signed by",
        validators=[InputRequired(), Length(max=120)],
        description="Your own name, as respondents will read it.",
    )
    thanks_text = TextAreaField(
        "Thank-you",
        validators=[InputRequired(), Length(max=500)],
        description="A sentence of your own, shown after an answer is sent.",
    )
    closes_on = DateField("Last day for answers", validators=[Optional()])
    max_responses = IntegerField(
        "Close after this many responses", validators=[Optional(), NumberRange(min=1, max=INT_MAX)]
    )
    embed_origins = TextAreaField(
        "Sites that may embed it",
        validators=[Length(max=2_000)],
        description="One origin a line, like https://www.example.com; empty: no site may frame it.",
    )
    submit = SubmitField("Save survey")


class SurveyAnswerForm(Form):
    """A respondent's answers. No session cookie and so no CSRF token: a signed form token instead
    (voc/views/surveys.py), which also works inside another site's frame."""

    answer_0 = TextAreaField()
    answer_1 = TextAreaField()
    answer_2 = TextAreaField()
    score = IntegerField(validators=[Optional()])
    consent_quote = BooleanField()
    consent_contact = BooleanField()
    email = EmailField()
    website = StringField()  # a honeypot: hidden from people, filled in by bots
    form_token = HiddenField()
