"""Surveys: staff set them up and read their results; respondents answer at a public link."""

import uuid

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer

from voc.access import public, role_required
from voc.extensions import limiter
from voc.forms import ActionForm, SurveyAnswerForm, SurveyForm, choices, show_errors
from voc.services import stages, surveys
from voc.services.errors import ServiceError
from voc.vocabulary import SCORE_RANGES

bp = Blueprint("surveys", __name__)

FORM_TOKEN_MAX_AGE = 7 * 24 * 3600  # seconds a survey page may stay open before its form expires


# ----- staff pages -------------------------------------------------------------------------------------


@bp.route("/surveys/")
@role_required("viewer")
def index():
    """Every survey with its link, state and responses."""
    return render_template("surveys/index.html", rows=surveys.list_surveys())


def _input(form: SurveyForm) -> surveys.SurveyInput:
    return surveys.SurveyInput(
        title=form.title.data or "",
        intro=form.intro.data or "",
        score_kind=form.score_kind.data or None,
        questions=[form.question_0.data or "", form.question_1.data or "", form.question_2.data or ""],
        stage_id=form.stage.data,
        segment=form.segment.data or "",
        thanks_name=form.thanks_name.data or "",
        thanks_text=form.thanks_text.data or "",
        closes_on=form.closes_on.data,
        max_responses=form.max_responses.data,
        embed_origins=(form.embed_origins.data or "").splitlines(),
    )


def _form(survey=None) -> SurveyForm:
    form = SurveyForm(obj=survey)
    form.stage.choices = choices([("", "— none —")] + stages.stage_choices())
    if survey is not None and request.method == "GET":
        for index in range(surveys.MAX_QUESTIONS):
            getattr(form, f"question_{index}").data = (survey.questions + ["", "", ""])[index]
        form.stage.data = survey.stage_id
        form.score_kind.data = survey.score_kind or ""
        form.embed_origins.data = "\n".join(survey.embed_origins)
    return form


@bp.route("/surveys/new", methods=["GET", "POST"])
@role_required("triager")
def new():
    """Set up a survey; it opens at once."""
    form = _form()
    if form.validate_on_submit():
        try:
            survey = surveys.create_survey(_input(form), current_user.id)
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash("Survey saved and open: send its link to your customers.")
            return redirect(url_for("surveys.show", survey_id=survey.id))
    return render_template("surveys/form.html", form=form, survey=None)


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@role_required("triager")
def edit(survey_id: int):
    """Change a survey's wording or settings; its link stays the same."""
    survey = surveys.get_survey(survey_id)
    form = _form(survey)
    if form.validate_on_submit():
        try:
            surveys.update_survey(survey_id, _input(form))
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash("Survey saved.")
            return redirect(url_for("surveys.show", survey_id=survey_id))
    return render_template("surveys/form.html", form=form, survey=survey)


@bp.route("/surveys/<int:survey_id>")
@role_required("viewer")
def show(survey_id: int):
    """A survey's link and results: responses over time, scores, the themes of its answers."""
    result = surveys.results(survey_id)
    return render_template(
        "surveys/show.html",
        result=result,
        survey=result.survey,
        action=ActionForm(),
        closed=surveys.closed_reason(result.survey),
    )


@bp.route("/surveys/<int:survey_id>/<any(open, close):change>", methods=["POST"])
@role_required("triager")
def set_open(survey_id: int, change: str):
    """Open or close a survey by hand."""
    surveys.get_survey(survey_id)
    if ActionForm().validate_on_submit():
        surveys.set_open(survey_id, change == "open")
        flash("Survey opened." if change == "open" else "Survey closed: its link now says so.")
    return redirect(url_for("surveys.show", survey_id=survey_id))


# ----- the respondent's pages --------------------------------------------------------------------------


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="survey-answer")


def _new_form_token(token: str) -> str:
    """A signed token naming the survey and a fresh submission key: a resent form stores nothing new."""
    return _signer().dumps({"survey": token, "key": str(uuid.uuid4())})


def _submission_key(form_token: str, token: str) -> str | None:
    try:
        data = _signer().loads(form_token or "", max_age=FORM_TOKEN_MAX_AGE)
    except BadData:
        return None
    return data.get("key") if isinstance(data, dict) and data.get("survey") == token else None


def _public(template: str, survey, status: int = 200, **context):
    """A respondent's page: no script, our own styles only, framed only by the survey's listed sites."""
    response = make_response(render_template(template, survey=survey, **context), status)
    ancestors = " ".join(survey.embed_origins) if survey and survey.embed_origins else "'none'"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
        f"frame-ancestors {ancestors}"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the link's token stays out of other sites' logs
    return response


def _answer_page(survey, form: SurveyAnswerForm, status: int = 200, message: str = ""):
    form.form_token.data = _new_form_token(survey.token)
    low, high = SCORE_RANGES.get(survey.score_kind or "", (1, 0))  # no score question: an empty scale
    return _public(
        "surveys/answer.html",
        survey,
        status,
        form=form,
        message=message,
        wording=surveys.CONSENT_WORDINGS[surveys.CONSENT_VERSION],
        max_answer=surveys.MAX_ANSWER,
        scale=range(low, high + 1),
    )


def _too_many(_limit):
    """Over a rate limit: the same page again with what they typed and a kind word, as a 429."""
    survey = surveys.survey_by_token(request.view_args["token"])
    return _answer_page(
        survey,
        SurveyAnswerForm(request.form),
        429,
        "Many answers have reached us from here in a short time, so we paused for a moment. "
        "Your answers are still below: please wait a minute, then send them again.",
    )


def _per_address() -> str:
    return current_app.config["SURVEY_LIMIT_PER_ADDRESS"]


def _per_survey() -> str:
    return current_app.config["SURVEY_LIMIT_PER_SURVEY"]


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_per_address, methods=["POST"], on_breach=_too_many)
@limiter.limit(
    _per_survey,
    methods=["POST"],
    key_func=lambda: f"survey:{request.view_args['token']}",
    on_breach=_too_many,
)
def answer(token: str):
    """The survey as a respondent sees it; their answers become feedback at once."""
    survey = surveys.survey_by_token(token)
    if request.method == "GET":
        reason = surveys.closed_reason(survey)
        if reason:
            return _public("surveys/closed.html", survey, reason=reason)
        return _answer_page(survey, SurveyAnswerForm())
    form = SurveyAnswerForm(request.form)
    if form.website.data:
        return redirect(url_for("surveys.thanks", token=token))  # a bot: thanked, nothing stored
    key = _submission_key(form.form_token.data, token)
    if key is None:
        return _answer_page(
            survey,
            form,
            400,
            "This page was open a long time, so nothing was sent yet. "
            "Your answers are still below: please send them again.",
        )
    if not form.validate():
        return _answer_page(survey, form)
    try:
        surveys.respond(
            survey,
            surveys.Answer(
                answers=[form.answer_0.data or "", form.answer_1.data or "", form.answer_2.data or ""],
                score=form.score.data,
                consent_quote=form.consent_quote.data,
                consent_contact=form.consent_contact.data,
                email=form.email.data or "",
            ),
            key,
        )
    except surveys.SurveyClosed as closed:
        return _public("surveys/closed.html", survey, reason=closed.reason)
    except ServiceError as error:
        show_errors(form, error)
        return _answer_page(survey, form)
    return redirect(url_for("surveys.thanks", token=token))


@bp.route("/s/<token>/thanks")
@public
def thanks(token: str):
    """The thank-you its author wrote."""
    return _public("surveys/thanks.html", surveys.survey_by_token(token))
