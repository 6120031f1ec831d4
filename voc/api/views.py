"""The API's routes: thin like the pages' views, each reading JSON, calling a service, answering JSON."""

import datetime as dt

from flask import Blueprint, Response, abort, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from voc import pii
from voc.access import public
from voc.api import shapes
from voc.api.auth import problem, token_required
from voc.api.openapi import document
from voc.models import HIT_KINDS, HIT_STATUSES, HORIZONS, Customer, Feedback, Interview, Survey
from voc.services import audit, clock, customers, feedback, hits, interviews, roadmap, stages, surveys, themes
from voc.services.errors import InvalidInput, InvalidItems, NotFound, ServiceError, StaleEdit
from voc.vocabulary import CHANNELS

bp = Blueprint("api", __name__, url_prefix="/api/v1")
ID_MAX = shapes.INT_MAX  # no id is larger; the databases cannot even compare with a larger one


# ----- errors and limits -------------------------------------------------------------------------


@bp.before_request
def limit_body():
    """Refuse large bodies before reading them; the limit also caps bodies sent without a length."""
    limit = current_app.config["API_MAX_BODY"]
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        return problem(413, f"The body is {request.content_length:,} bytes; the limit is {limit:,}.")
    return None


def http_error(error: HTTPException):
    """HTTP errors under /api/ as JSON instead of the pages' HTML."""
    messages = {
        404: "There is nothing at this address.",
        405: f"{request.method} is not allowed here.",
        413: f"The body is too large; the limit is {current_app.config['API_MAX_BODY']:,} bytes.",
        500: "Something went wrong on the server; the error is logged.",
    }
    return problem(error.code or 500, messages.get(error.code, error.description or "Bad request."))


def _fields(error: ServiceError) -> list[dict]:
    return [{"field": field, "message": message} for field, message in error.errors]


@bp.errorhandler(InvalidItems)
def invalid_items(error: InvalidItems):
    return problem(
        422,
        "Nothing was stored: fix the items named below and send the whole batch again.",
        [{"index": index, "field": field, "message": message} for index, field, message in error.items],
    )


@bp.errorhandler(NotFound)
def not_found(error: NotFound):
    return problem(404, error.errors[0][1])


@bp.errorhandler(StaleEdit)
def stale(error: StaleEdit):
    return problem(409, error.errors[0][1], _fields(error))


@bp.errorhandler(ServiceError)
def refused(error: ServiceError):
    return problem(422, "The request was refused: " + "; ".join(m for _, m in error.errors), _fields(error))


def _body(spec: dict[str, shapes.Field], many: bool = False):
    """The JSON body after its shape check (a list of objects too when `many`); 422 names each problem."""
    data = request.get_json(silent=True)
    if data is None:
        abort(400, "Send a JSON body with Content-Type: application/json.")
    if many and isinstance(data, list):
        if not data:
            raise InvalidInput(("body", "Send at least one item."))
        problems = [(i, f, m) for i, element in enumerate(data) for f, m in shapes.check(element, spec)]
        if problems:
            raise InvalidItems(problems)
        return data
    problems = shapes.check(data, spec)
    if problems:
        raise InvalidItems([(0, f, m) for f, m in problems]) if many else InvalidInput(*problems)
    return data


# ----- query strings and pages ---------------------------------------------------------------------


class Query:
    """Query-string values, collecting every bad one so that one 422 names them all."""

    def __init__(self):
        self.errors: list[tuple[str, str]] = []

    def integer(self, name: str, default: int | None = None, high: int = ID_MAX) -> int | None:
        raw = request.args.get(name, "")
        if not raw:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= high:
            self.errors.append((name, f"Give a whole number from 1 to {high:,}."))
            return default
        return int(raw)

    def date(self, name: str) -> dt.date | None:
        raw = request.args.get(name, "")
        if raw and shapes.is_date(raw):
            return dt.date.fromisoformat(raw)
        if raw:
            self.errors.append((name, "Give a date as YYYY-MM-DD."))
        return None

    def choice(self, name: str, options) -> str | None:
        raw = request.args.get(name, "")
        if raw and raw not in options:
            self.errors.append((name, f"Choose one of: {', '.join(options)}."))
            return None
        return raw or None

    def text(self, name: str) -> str:
        raw = request.args.get(name, "")
        if len(raw) > 200:
            self.errors.append((name, "Keep it under 200 characters."))
            return ""
        return raw

    def page(self) -> tuple[int, int]:
        config = current_app.config
        return (
            self.integer("page", 1),
            self.integer("per_page", config["API_PER_PAGE"], config["API_MAX_PER_PAGE"]),
        )

    def done(self) -> None:
        if self.errors:
            raise InvalidInput(*self.errors)


def _listing(rows, total: int, page: int, per_page: int, **extra):
    """One page of a list with its counts and links to the neighbouring pages."""
    pages = max(1, -(-total // per_page))

    def link(number: int) -> str:
        return url_for(request.endpoint, **{**request.view_args, **request.args.to_dict(), "page": number})

    return jsonify(
        items=rows,
        page=page,
        per_page=per_page,
        total=total,
        pages=pages,
        links={
            "self": link(page),
            "next": link(page + 1) if page < pages else None,
            "prev": link(page - 1) if page > 1 else None,
        },
        **extra,
    )


def _sliced(rows: list, page: int, per_page: int) -> list:
    return rows[(page - 1) * per_page : page * per_page]


def _sees_emails() -> bool:
    """Whether the token's user may see (and search) customers' e-mail addresses."""
    return customers.sees_contact_details(g.api_user)


# ----- records -----------------------------------------------------------------------------------------


def _quotable(item: Feedback) -> bool:
    return item.customer is not None and item.customer.consent_quote


def _customer_brief(customer: Customer | None) -> dict | None:
    return None if customer is None else {"id": customer.id, "name": customer.name}


def _feedback(item: Feedback) -> dict:
    return {**feedback.record(item), "customer": _customer_brief(item.customer), "quotable": _quotable(item)}


def _customer(customer: Customer, items: int | None = None) -> dict:
    record = {
        "id": customer.id,
        "name": customer.name,
        "organisation": customer.organisation,
        "segment": customer.segment,
        "external_id": customer.external_id,
        "consent_quote": customer.consent_quote,
        "consent_contact": customer.consent_contact,
        "created_at": customer.created_at.isoformat(timespec="seconds") + "Z",
    }
    if _sees_emails():
        record["email"] = customer.email
    if items is not None:
        record["feedback_items"] = items
    return record


def _interview(interview: Interview) -> dict:
    return {
        "id": interview.id,
        "customer": _customer_brief(interview.customer),
        "interviewer": {"id": interview.interviewer.id, "name": interview.interviewer.name},
        "held_on": interview.held_on.isoformat(),
        "place": interview.place,
        "duration_minutes": interview.duration_minutes,
        "notes": interview.notes,
        "items": [_feedback(item) for item in interview.quotes],
    }


def _theme(evidence: themes.ThemeEvidence | None, theme) -> dict:
    record = {
        "id": theme.id,
        "title": theme.title,
        "label": theme.label,
        "name": theme.name,
        "keywords": [{"term": term, "weight": weight} for term, weight in theme.keywords],
        "noise": theme.noise,
        "retired": theme.retired,
        "merged_into_id": theme.merged_into_id,
        "items": theme.size,
    }
    if evidence is not None:
        record.update(
            items=evidence.items,
            customers=evidence.customers,
            sentiment=evidence.sentiment,
            recent=evidence.recent,
            previous=evidence.previous,
            trend=evidence.trend,
            channels=evidence.channels,
            stages=[{"stage": name, "items": count} for name, count in evidence.stages],
        )
    return record


def _hit(ranked: hits.RankedHit) -> dict:
    hit = ranked.hit
    return {
        "id": hit.id,
        "title": hit.title,
        "problem": hit.problem,
        "stage": hit.stage.name,
        "horizon": hit.horizon,
        "size": hits.size(hit.horizon),
        "kind": hit.kind,
        "owner": None if hit.owner is None else {"id": hit.owner.id, "name": hit.owner.name},
        "status": hit.status,
        "next_statuses": hits.next_statuses(hit.status),
        "drop_reason": hit.drop_reason,
        "target_date": hit.target_date.isoformat() if hit.target_date else None,
        "reach": ranked.rice.reach,
        "reach_from_evidence": ranked.rice.reach_from_evidence,
        "impact": hit.impact,
        "confidence": hit.confidence,
        "effort": hit.effort,
        "score": ranked.rice.score,
        "version": hit.version,
        "updated_at": hit.updated_at.isoformat(timespec="seconds") + "Z",
    }


def _survey(survey: Survey, responses: int) -> dict:
    def stamp(moment):
        return None if moment is None else moment.isoformat(timespec="seconds") + "Z"

    return {
        "id": survey.id,
        "title": survey.title,
        "intro": survey.intro,
        "score_kind": survey.score_kind,
        "questions": survey.questions,
        "stage": survey.stage.name if survey.stage else None,
        "segment": survey.segment,
        "thanks_name": survey.thanks_name,
        "thanks_text": survey.thanks_text,
        "status": survey.status,
        "taking_answers": surveys.closed_reason(survey) is None,
        "closes_on": survey.closes_on.isoformat() if survey.closes_on else None,
        "max_responses": survey.max_responses,
        "embed_origins": survey.embed_origins,
        "url": url_for("surveys.answer", token=survey.token, _external=True),
        "responses": responses,
        "created_at": stamp(survey.created_at),
        "closed_at": stamp(survey.closed_at),
    }


# ----- the document --------------------------------------------------------------------------------


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3 description of this API (no token needed: it holds no data)."""
    return jsonify(document())


# ----- feedback ------------------------------------------------------------------------------------


@bp.get("/feedback")
@token_required("viewer")
def feedback_index():
    """Feedback newest first, filtered like the feedback page."""
    query = Query()
    filters = feedback.FeedbackFilters(
        channel=query.choice("channel", CHANNELS),
        stage_id=query.integer("stage"),
        customer_id=query.integer("customer"),
        start=query.date("start"),
        end=query.date("end"),
        text=query.text("q"),
        language=query.choice("language", feedback.LANGUAGES),
        survey_id=query.integer("survey"),
    )
    page, per_page = query.page()
    query.done()
    result = feedback.list_feedback(filters, page, per_page)
    return _listing([_feedback(item) for item in result.items], result.total, page, per_page)


@bp.get("/feedback/<int:feedback_id>")
@token_required("viewer")
def feedback_show(feedback_id: int):
    """One feedback item."""
    item = feedback.get_feedback(feedback_id)
    return jsonify(_feedback(item))


def _received(data: dict) -> feedback.ReceivedFeedback:
    ref = data.get("customer")
    return feedback.ReceivedFeedback(
        item=feedback.FeedbackInput(
            text=data["text"],
            channel=data["channel"],
            received_on=shapes.date(data.get("date")) or clock.today(),
            source=data.get("source") or "",
            external_id=data.get("external_id") or "",
            score=data.get("score"),
            score_kind=data.get("score_kind") or None,
        ),
        stage=data.get("stage") or "",
        customer=None if ref is None else customers.CustomerRef(**{k: v or "" for k, v in ref.items()}),
    )


@bp.post("/feedback")
@token_required("contributor")
def feedback_create():
    """Store one item or a list, all or nothing; items already stored answer with their ids."""
    data = _body(shapes.FEEDBACK, many=True)
    entries = [_received(element) for element in (data if isinstance(data, list) else [data])]
    results = feedback.receive_feedback(entries, g.api_user.id)
    created = sum(new for _, new in results)
    response = jsonify(
        items=[  # each item as stored, so the sender sees any trimming and stripping
            {
                "id": id_,
                "status": "created" if new else "duplicate",
                "feedback": _feedback(feedback.get_feedback(id_)),
            }
            for id_, new in results
        ],
        created=created,
        duplicates=len(results) - created,
    )
    response.status_code = 201 if created else 200
    if created and len(results) == 1:
        response.headers["Location"] = url_for("api.feedback_show", feedback_id=results[0][0])
    return response


# ----- customers -------------------------------------------------------------------------------------


@bp.get("/customers")
@token_required("viewer")
def customer_index():
    """Customers by name with how many items each gave, searchable like the customers page."""
    query = Query()
    needle = query.text("q")
    page, per_page = query.page()
    query.done()
    found = customers.list_customers(needle, _sees_emails(), limit=per_page, offset=(page - 1) * per_page)
    total = customers.count_customers(needle, _sees_emails())
    return _listing([_customer(c, count) for c, count in found.rows], total, page, per_page)


@bp.get("/customers/<int:customer_id>")
@token_required("viewer")
def customer_show(customer_id: int):
    """One customer with their consents."""
    return jsonify(_customer(customers.get_customer(customer_id)))


def _customer_input(data: dict, base: Customer | None = None) -> customers.CustomerInput:
    """The input from a full body (create) or from the stored values overlaid with a partial one."""

    def value(name: str, default):
        stored = getattr(base, name) if base is not None else None
        given = data.get(name, stored)
        return default if given is None else given

    return customers.CustomerInput(
        name=value("name", ""),
        organisation=value("organisation", ""),
        segment=value("segment", ""),
        email=value("email", ""),
        consent_quote=value("consent_quote", False),
        consent_contact=value("consent_contact", False),
        shared_email_ok=True,  # API clients get what they send; they can look addresses up with ?q=
    )


@bp.post("/customers")
@token_required("contributor")
def customer_create():
    """Add a customer."""
    customer = customers.create_customer(_customer_input(_body(shapes.CUSTOMER)))
    response = jsonify(_customer(customer))
    response.status_code = 201
    response.headers["Location"] = url_for("api.customer_show", customer_id=customer.id)
    return response


@bp.patch("/customers/<int:customer_id>")
@token_required("contributor")
def customer_update(customer_id: int):
    """Change some of a customer's details or consents; fields left out keep their values."""
    customer = customers.get_customer(customer_id)
    data = _body(shapes.CUSTOMER_CHANGES)
    return jsonify(_customer(customers.update_customer(customer_id, _customer_input(data, customer))))


# ----- interviews ------------------------------------------------------------------------------------


@bp.get("/interviews")
@token_required("viewer")
def interview_index():
    """Interviews held in a period (start, end), newest first, with the field time they add up to."""
    query = Query()
    start, end = query.date("start"), query.date("end")
    page, per_page = query.page()
    query.done()
    result = interviews.list_interviews(start, end, page, per_page)
    shown = [_interview(i) for i in result.page.items]
    return _listing(shown, result.page.total, page, per_page, total_minutes=result.total_minutes)


@bp.get("/interviews/<int:interview_id>")
@token_required("viewer")
def interview_show(interview_id: int):
    """One interview with its quotes."""
    return jsonify(_interview(interviews.get_interview(interview_id)))


def _stage_id(name: str | None, field: str) -> int | None:
    if not name:
        return None
    try:
        return stages.stage_id_named(name)
    except InvalidInput:
        raise InvalidInput((field, f"There is no stage called “{name}”.")) from None


@bp.post("/interviews")
@token_required("contributor")
def interview_create():
    """Log an interview and its quotes in one go; the token's user is the interviewer."""
    data = _body(shapes.INTERVIEW)
    ref = data.get("customer")
    interview = interviews.log_interview(
        interviews.InterviewInput(
            interviewer_id=g.api_user.id,
            held_on=shapes.date(data["held_on"]),
            place=data["place"],
            duration_minutes=data["duration_minutes"],
            customer_id=data.get("customer_id"),
            new_customer=None
            if ref is None
            else customers.CustomerInput(
                name=ref.get("name") or "",
                organisation=ref.get("organisation") or "",
                segment=ref.get("segment") or "",
                email=ref.get("email") or "",
            ),
            notes=data.get("notes") or "",
            quotes=[
                interviews.QuoteInput(text=q["text"], stage_id=_stage_id(q.get("stage"), f"quotes-{i}-stage"))
                for i, q in enumerate(data["quotes"])
            ],
        )
    )
    response = jsonify(_interview(interview))
    response.status_code = 201
    response.headers["Location"] = url_for("api.interview_show", interview_id=interview.id)
    return response


# ----- themes ----------------------------------------------------------------------------------------


@bp.get("/themes")
@token_required("viewer")
def theme_index():
    """Current themes ranked by evidence, as on the themes page (noise last)."""
    query = Query()
    page, per_page = query.page()
    query.done()
    ranked = themes.ranked_themes()
    shown = [_theme(e, e.theme) for e in _sliced(ranked, page, per_page)]
    return _listing(shown, len(ranked), page, per_page)


def _theme_detail(theme_id: int) -> dict:
    theme = themes.get_theme(theme_id)
    evidence = next((e for e in themes.ranked_themes() if e.theme.id == theme_id), None)
    record = _theme(evidence, theme)
    # Only customers who agreed to be quoted are quoted outside voc's own pages.
    record["quotes"] = [
        {"feedback_id": item.id, "text": pii.mask(item.text)}
        for item in themes.theme_quotes(theme)
        if _quotable(item)
    ]
    return record


@bp.get("/themes/<int:theme_id>")
@token_required("viewer")
def theme_show(theme_id: int):
    """One theme with its evidence and the quotes of customers who agreed to be quoted."""
    return jsonify(_theme_detail(theme_id))


@bp.patch("/themes/<int:theme_id>")
@token_required("triager")
def theme_update(theme_id: int):
    """Rename a theme or mark it as noise."""
    themes.get_theme(theme_id)
    data = _body(shapes.THEME_CHANGES)
    themes.update_theme(theme_id, name=data.get("name"), noise=data.get("noise"))
    return jsonify(_theme_detail(theme_id))


# ----- hits and the roadmap --------------------------------------------------------------------------


@bp.get("/hits")
@token_required("viewer")
def hit_index():
    """Hits by RICE score, filtered like the board; without a status, every hit not dropped."""
    query = Query()
    filters = hits.BoardFilters(
        stage_id=query.integer("stage"),
        owner_id=query.integer("owner"),
        status=query.choice("status", HIT_STATUSES),
        kind=query.choice("kind", HIT_KINDS),
    )
    page, per_page = query.page()
    query.done()
    ranked = hits.ranked_hits(filters)
    return _listing([_hit(r) for r in _sliced(ranked, page, per_page)], len(ranked), page, per_page)


def _hit_detail(hit_id: int) -> dict:
    hit = hits.get_hit(hit_id)
    items = hits.evidence_items(hit_id)
    summary = hits.summarise(items)
    record = _hit(hits.RankedHit(hit, hits.rice(hit, summary.customers)))
    record["evidence"] = {
        "items": summary.items,
        "customers": summary.customers,
        "channels": dict(summary.channels),
        "earliest": summary.earliest.isoformat() if summary.earliest else None,
        "latest": summary.latest.isoformat() if summary.latest else None,
        "mean_sentiment": summary.mean_sentiment,
        "negative_share": summary.negative_share,
        "theme_ids": [theme.id for theme in hit.themes],
        "feedback_ids": [item.id for item in hit.feedback],
    }
    record["quotes"] = list(roadmap.quotable(hit, items))
    return record


@bp.get("/hits/<int:hit_id>")
@token_required("viewer")
def hit_show(hit_id: int):
    """One hit with its live evidence and the quotes of customers who agreed to be quoted."""
    return jsonify(_hit_detail(hit_id))


@bp.patch("/hits/<int:hit_id>")
@token_required("triager")
def hit_update(hit_id: int):
    """Move a hit along its status flow or to another horizon, from the version the client last read."""
    hits.get_hit(hit_id)
    data = _body(shapes.HIT_CHANGES)
    if ("status" in data) == ("horizon" in data):
        raise InvalidInput(("status", "Change either the status or the horizon, one at a time."))
    if "status" in data:
        hits.set_status(hit_id, data["status"], data.get("reason") or "", data["version"], g.api_user.id)
    else:
        hits.move_hit(hit_id, data["horizon"], data["version"], g.api_user.id)
    return jsonify(_hit_detail(hit_id))


# ----- surveys ---------------------------------------------------------------------------------------


@bp.get("/surveys")
@token_required("viewer")
def survey_index():
    """Surveys newest first, with their links and responses; their answers are feedback."""
    query = Query()
    page, per_page = query.page()
    query.done()
    rows = surveys.list_surveys()
    return _listing([_survey(s, n) for s, n in _sliced(rows, page, per_page)], len(rows), page, per_page)


def _survey_detail(survey_id: int) -> dict:
    result = surveys.results(survey_id)
    record = _survey(result.survey, result.responses)
    return {**record, "answers": result.answers, "score": result.score_value}


@bp.get("/surveys/<int:survey_id>")
@token_required("viewer")
def survey_show(survey_id: int):
    """One survey with its results."""
    return jsonify(_survey_detail(survey_id))


@bp.post("/surveys")
@token_required("triager")
def survey_create():
    """Set up a survey; it opens at once."""
    data = _body(shapes.SURVEY)
    survey = surveys.create_survey(
        surveys.SurveyInput(
            title=data["title"],
            intro=data.get("intro") or "",
            score_kind=data.get("score_kind") or None,
            questions=data["questions"],
            stage_id=_stage_id(data.get("stage"), "stage"),
            segment=data.get("segment") or "",
            thanks_name=data["thanks_name"],
            thanks_text=data["thanks_text"],
            closes_on=shapes.date(data.get("closes_on")),
            max_responses=data.get("max_responses"),
            embed_origins=data.get("embed_origins") or [],
        ),
        g.api_user.id,
    )
    response = jsonify(_survey(survey, 0))
    response.status_code = 201
    response.headers["Location"] = url_for("api.survey_show", survey_id=survey.id)
    return response


@bp.post("/surveys/<int:survey_id>/close")
@token_required("triager")
def survey_close(survey_id: int):
    """Close a survey; its link says so from now on."""
    survey = surveys.set_open(survey_id, False)
    return jsonify(_survey(survey, surveys.response_counts().get(survey_id, 0)))


@bp.get("/roadmap")
@token_required("viewer")
def roadmap_show():
    """The roadmap document of the JSON export (consented quotes only, e-mail addresses masked)."""
    query = Query()
    stage_id = query.integer("stage")
    horizon = query.choice("horizon", HORIZONS)
    query.done()
    actor = audit.Actor(g.api_user.id, request.remote_addr)
    content, _, _ = roadmap.render(roadmap.RoadmapFilters(stage_id, horizon), "json", actor)
    return Response(content, mimetype="application/json")
