"""The API's routes: thin like the pages' views, each reading JSON, calling a service, answering JSON."""

import hashlib
import json
import math
import time

from flask import Blueprint, Response, abort, current_app, g, jsonify, request, url_for
from flask_limiter import RequestLimit
from werkzeug.exceptions import HTTPException

from voc import pii
from voc.access import public
from voc.api import shapes
from voc.api.auth import bearer_token, problem, token_required
from voc.api.openapi import Operation, document, operation
from voc.extensions import limiter
from voc.models import Customer, Feedback, Interview, Survey
from voc.services import audit, clock, customers, feedback, hits, interviews, roadmap, stages, surveys, themes
from voc.services.errors import InvalidInput, InvalidItems, NotFound, ServiceError, StaleEdit

bp = Blueprint("api", __name__, url_prefix="/api/v1")


# ----- errors and limits -------------------------------------------------------------------------


@bp.before_request
def limit_body():
    """Refuse large bodies before reading them; the limit also caps bodies sent without a length."""
    limit = current_app.config["API_MAX_BODY"]
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        return problem(413, f"The body is {request.content_length:,} bytes; the limit is {limit:,}.")
    return None


def _rate_key() -> str:
    """Whom the rate limit counts: the token (by its digest, never the token itself), else the address."""
    token = bearer_token()
    if token:
        return "api-token:" + hashlib.sha256(token.encode()).hexdigest()
    return "api-address:" + (request.remote_addr or "")


def _too_many(limit: RequestLimit):
    wait = max(1, math.ceil(limit.reset_at - time.time()))
    return problem(
        429,
        f"Too many requests with this token (the limit is {limit.limit}); wait {wait} s, then send again.",
        **{"Retry-After": str(wait)},
    )


limiter.limit(
    lambda: current_app.config["API_RATE_LIMIT"],
    key_func=_rate_key,
    exempt_when=lambda: request.endpoint == "api.openapi",
    on_breach=_too_many,
)(bp)


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


def _declared() -> Operation:
    """This route's declared operation: the one source of its input checks, its answers and its document."""
    return current_app.view_functions[request.endpoint].operation


def _body():
    """The JSON body after the check of its declared shape (a list of objects too for a batch); 422
    names each problem."""
    declared = _declared()
    spec, many = declared.body, declared.batch
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


def _arguments() -> dict:
    """The route's declared query parameters (with page and per_page for a list); one 422 names every
    bad one."""
    declared, config = _declared(), current_app.config
    spec = declared.query
    if declared.paged:
        spec = {**spec, **shapes.paging(config["API_MAX_PER_PAGE"], config["API_PER_PAGE"])}
    values, problems = shapes.read_query(request.args, spec)
    if problems:
        raise InvalidInput(*problems)
    if declared.paged:
        values["page"] = values["page"] or 1
        values["per_page"] = values["per_page"] or current_app.config["API_PER_PAGE"]
    return values


def _link(**changes) -> str:
    """This request's address with some query parameters changed (None drops one)."""
    args = {**request.args.to_dict(), **changes}
    return url_for(request.endpoint, **request.view_args, **{k: v for k, v in args.items() if v is not None})


def _answer(data: dict, status: int = 200, location: str | None = None):
    """An answer as JSON, held to the route's declaration first, so that the document cannot lag behind."""
    response = jsonify(shapes.answer(_declared().answers[status][1], data))
    response.status_code = status
    if location is not None:
        response.headers["Location"] = location
    return response


def _listing(rows: list, total: int, page: int, per_page: int, **extra):
    """One page of a list with its counts and links to the neighbouring pages."""
    pages = max(1, -(-total // per_page))
    links = {
        "self": _link(page=page),
        "next": _link(page=page + 1) if page < pages else None,
        "prev": _link(page=page - 1) if page > 1 else None,
    }
    body = {"items": rows, "page": page, "per_page": per_page, "total": total, "pages": pages, "links": links}
    return _answer({**body, **extra})


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
@operation("This document.", {200: ("The OpenAPI document.", None)})
@public
def openapi():
    """The OpenAPI 3 description of this API (no token needed: it holds no data)."""
    return jsonify(document())


# ----- feedback ------------------------------------------------------------------------------------


def _cursor(args: dict, name: str) -> feedback.Cursor | None:
    if args[name] is None:
        return None
    cursor = feedback.Cursor.parse(args[name])
    if cursor is None:
        raise InvalidInput((name, "Give the cursor of a links.next or links.prev address."))
    return cursor


@bp.get("/feedback")
@operation(
    "Feedback, newest first.",
    {200: ("One page.", shapes.FEEDBACK_LISTING)},
    query=shapes.FEEDBACK_FILTERS,
    paged=True,
)
@token_required("viewer")
def feedback_index():
    """Feedback newest first, filtered like the feedback page: `after`/`before` seek, `page` skips."""
    args = _arguments()
    after, before = _cursor(args, "after"), _cursor(args, "before")
    filters = feedback.FeedbackFilters(
        channel=args["channel"],
        stage_id=args["stage"],
        customer_id=args["customer"],
        start=args["start"],
        end=args["end"],
        text=args["q"] or "",
        language=args["language"],
        survey_id=args["survey"],
    )
    page, per_page = args["page"], args["per_page"]
    if after or before or page == 1:  # seek by the sort key, as the feedback page does
        found = feedback.feedback_page(filters, per_page, after=after, before=before)
        items, older, newer, count = found.items, found.older, found.newer, found.count
        number = None if after or before else 1
    else:  # a page by its number: the database skips the rows before it
        rows = feedback.list_feedback(filters, (page - 1) * per_page, per_page + 1)
        items, count, number = rows[:per_page], feedback.count_feedback(filters), page
        older = feedback.Cursor.of(items[-1]) if len(rows) > per_page else None
        newer = None
    if newer is not None:
        prev = _link(before=str(newer), after=None, page=None)
    else:
        prev = _link(page=number - 1, after=None, before=None) if number and number > 1 else None
    body = {
        "items": [_feedback(item) for item in items],
        "page": number,
        "per_page": per_page,
        "total": count.value,
        "total_kind": count.kind,
        "pages": max(1, -(-count.value // per_page)) if count.kind == "exact" else None,
        "links": {
            "self": _link(),
            "next": _link(after=str(older), before=None, page=None) if older else None,
            "prev": prev,
        },
    }
    return _answer(body)


@bp.get("/feedback/<int:feedback_id>")
@operation("One feedback item.", {200: ("The item.", shapes.FEEDBACK_RECORD)})
@token_required("viewer")
def feedback_show(feedback_id: int):
    """One feedback item."""
    return _answer(_feedback(feedback.get_feedback(feedback_id)))


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
@operation(
    "Store one item or a list of items, all or nothing.",
    {
        201: ("At least one item was new.", shapes.STORED),
        200: ("Every item was already stored (same source and external id).", shapes.STORED),
    },
    body=shapes.FEEDBACK,
    batch=True,
)
@token_required("contributor")
def feedback_create():
    """Store one item or a list, all or nothing; items already stored answer with their ids."""
    data = _body()
    entries = [_received(element) for element in (data if isinstance(data, list) else [data])]
    results = feedback.receive_feedback(entries, g.api_user.id)
    created = sum(new for _, new in results)
    body = {
        "items": [  # each item as stored, so the sender sees any trimming and stripping
            {
                "id": id_,
                "status": "created" if new else "duplicate",
                "feedback": _feedback(feedback.get_feedback(id_)),
            }
            for id_, new in results
        ],
        "created": created,
        "duplicates": len(results) - created,
    }
    one_new = created and len(results) == 1
    location = url_for("api.feedback_show", feedback_id=results[0][0]) if one_new else None
    return _answer(body, 201 if created else 200, location)


# ----- customers -------------------------------------------------------------------------------------


@bp.get("/customers")
@operation(
    "Customers by name.",
    {200: ("One page.", shapes.CUSTOMER_LISTING)},
    query=shapes.CUSTOMER_FILTERS,
    paged=True,
)
@token_required("viewer")
def customer_index():
    """Customers by name with how many items each gave, searchable like the customers page."""
    args = _arguments()
    needle, page, per_page = args["q"] or "", args["page"], args["per_page"]
    found = customers.list_customers(needle, _sees_emails(), limit=per_page, offset=(page - 1) * per_page)
    total = customers.count_customers(needle, _sees_emails())
    rows = [_customer(c, count) for c, count in found.rows]
    return _listing(rows, total, page, per_page)


@bp.get("/customers/<int:customer_id>")
@operation("One customer.", {200: ("The customer.", shapes.CUSTOMER_RECORD)})
@token_required("viewer")
def customer_show(customer_id: int):
    """One customer with their consents."""
    return _answer(_customer(customers.get_customer(customer_id)))


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
@operation("Add a customer.", {201: ("The new customer.", shapes.CUSTOMER_RECORD)}, body=shapes.CUSTOMER)
@token_required("contributor")
def customer_create():
    """Add a customer."""
    customer = customers.create_customer(_customer_input(_body()))
    location = url_for("api.customer_show", customer_id=customer.id)
    return _answer(_customer(customer), 201, location)


@bp.patch("/customers/<int:customer_id>")
@operation(
    "Change some of a customer's details or consents.",
    {200: ("The changed customer.", shapes.CUSTOMER_RECORD)},
    body=shapes.CUSTOMER_CHANGES,
)
@token_required("contributor")
def customer_update(customer_id: int):
    """Change some of a customer's details or consents; fields left out keep their values."""
    customer = customers.get_customer(customer_id)
    data = _body()
    changed = customers.update_customer(customer_id, _customer_input(data, customer))
    return _answer(_customer(changed))


# ----- interviews ------------------------------------------------------------------------------------


@bp.get("/interviews")
@operation(
    "Interviews, newest first, with their field time.",
    {200: ("One page.", shapes.INTERVIEW_LISTING)},
    query=shapes.DATES,
    paged=True,
)
@token_required("viewer")
def interview_index():
    """Interviews held in a period (start, end), newest first, with the field time they add up to."""
    args = _arguments()
    page, per_page = args["page"], args["per_page"]
    result = interviews.list_interviews(args["start"], args["end"], page, per_page)
    shown = [_interview(i) for i in result.page.items]
    return _listing(shown, result.page.total, page, per_page, total_minutes=result.total_minutes)


@bp.get("/interviews/<int:interview_id>")
@operation("One interview.", {200: ("The interview.", shapes.INTERVIEW_RECORD)})
@token_required("viewer")
def interview_show(interview_id: int):
    """One interview with its quotes."""
    return _answer(_interview(interviews.get_interview(interview_id)))


def _stage_id(name: str | None, field: str) -> int | None:
    if not name:
        return None
    try:
        return stages.stage_id_named(name)
    except InvalidInput:
        raise InvalidInput((field, f"There is no stage called “{name}”.")) from None


@bp.post("/interviews")
@operation(
    "Log an interview with its quotes; the token's user is the interviewer.",
    {201: ("The new interview.", shapes.INTERVIEW_RECORD)},
    body=shapes.INTERVIEW,
)
@token_required("contributor")
def interview_create():
    """Log an interview and its quotes in one go; the token's user is the interviewer."""
    data = _body()
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
    location = url_for("api.interview_show", interview_id=interview.id)
    return _answer(_interview(interview), 201, location)


# ----- themes ----------------------------------------------------------------------------------------


@bp.get("/themes")
@operation("Current themes, most customers first.", {200: ("One page.", shapes.THEME_LISTING)}, paged=True)
@token_required("viewer")
def theme_index():
    """Current themes ranked by evidence, as on the themes page (noise last)."""
    args = _arguments()
    page, per_page = args["page"], args["per_page"]
    ranked, total = themes.ranked_page((page - 1) * per_page, per_page)
    return _listing([_theme(e, e.theme) for e in ranked], total, page, per_page)


def _theme_detail(theme_id: int) -> dict:
    theme = themes.get_theme(theme_id)
    record = _theme(themes.theme_evidence(theme_id), theme)
    # Only customers who agreed to be quoted are quoted outside voc's own pages.
    record["quotes"] = [
        {"feedback_id": item.id, "text": pii.mask(item.text)}
        for item in themes.theme_quotes(theme)
        if _quotable(item)
    ]
    return record


@bp.get("/themes/<int:theme_id>")
@operation("One theme with consented quotes.", {200: ("The theme.", shapes.THEME_DETAIL)})
@token_required("viewer")
def theme_show(theme_id: int):
    """One theme with its evidence and the quotes of customers who agreed to be quoted."""
    return _answer(_theme_detail(theme_id))


@bp.patch("/themes/<int:theme_id>")
@operation(
    "Rename a theme or mark it as noise.",
    {200: ("The changed theme.", shapes.THEME_DETAIL)},
    body=shapes.THEME_CHANGES,
)
@token_required("triager")
def theme_update(theme_id: int):
    """Rename a theme or mark it as noise."""
    themes.get_theme(theme_id)
    data = _body()
    themes.update_theme(theme_id, name=data.get("name"), noise=data.get("noise"))
    return _answer(_theme_detail(theme_id))


# ----- hits and the roadmap --------------------------------------------------------------------------


@bp.get("/hits")
@operation(
    "Hits by RICE score.", {200: ("One page.", shapes.HIT_LISTING)}, query=shapes.HIT_FILTERS, paged=True
)
@token_required("viewer")
def hit_index():
    """Hits by RICE score, filtered like the board; without a status, every hit not dropped."""
    args = _arguments()
    filters = hits.BoardFilters(
        stage_id=args["stage"], owner_id=args["owner"], status=args["status"], kind=args["kind"]
    )
    page, per_page = args["page"], args["per_page"]
    ranked, total = hits.ranked_page(filters, (page - 1) * per_page, per_page)
    return _listing([_hit(r) for r in ranked], total, page, per_page)


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
@operation("One hit with its evidence.", {200: ("The hit.", shapes.HIT_DETAIL)})
@token_required("viewer")
def hit_show(hit_id: int):
    """One hit with its live evidence and the quotes of customers who agreed to be quoted."""
    return _answer(_hit_detail(hit_id))


@bp.patch("/hits/<int:hit_id>")
@operation(
    "Change a hit's status (with a reason to drop it) or its horizon.",
    {200: ("The changed hit.", shapes.HIT_DETAIL)},
    body=shapes.HIT_CHANGES,
    errors={409: "The hit changed since `version`; read it again."},
)
@token_required("triager")
def hit_update(hit_id: int):
    """Move a hit along its status flow or to another horizon, from the version the client last read."""
    hits.get_hit(hit_id)
    data = _body()
    if ("status" in data) == ("horizon" in data):
        raise InvalidInput(("status", "Change either the status or the horizon, one at a time."))
    if "status" in data:
        hits.set_status(hit_id, data["status"], data.get("reason") or "", data["version"], g.api_user.id)
    else:
        hits.move_hit(hit_id, data["horizon"], data["version"], g.api_user.id)
    return _answer(_hit_detail(hit_id))


# ----- surveys ---------------------------------------------------------------------------------------


@bp.get("/surveys")
@operation("Surveys, newest first.", {200: ("One page.", shapes.SURVEY_LISTING)}, paged=True)
@token_required("viewer")
def survey_index():
    """Surveys newest first, with their links and responses; their answers are feedback."""
    args = _arguments()
    page, per_page = args["page"], args["per_page"]
    rows = surveys.list_surveys(limit=per_page, offset=(page - 1) * per_page)
    shown = [_survey(s, n) for s, n in rows]
    return _listing(shown, surveys.count_surveys(), page, per_page)


@bp.get("/surveys/<int:survey_id>")
@operation("One survey with its results.", {200: ("The survey.", shapes.SURVEY_DETAIL)})
@token_required("viewer")
def survey_show(survey_id: int):
    """One survey with its results."""
    result = surveys.results(survey_id)
    record = _survey(result.survey, result.responses)
    return _answer({**record, "answers": result.answers, "score": result.score_value})


@bp.post("/surveys")
@operation(
    "Set up a survey; it opens at once at its public link.",
    {201: ("The new survey.", shapes.SURVEY_RECORD)},
    body=shapes.SURVEY,
)
@token_required("triager")
def survey_create():
    """Set up a survey; it opens at once."""
    data = _body()
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
    location = url_for("api.survey_show", survey_id=survey.id)
    return _answer(_survey(survey, 0), 201, location)


@bp.post("/surveys/<int:survey_id>/close")
@operation(
    "Close a survey: its link then says so and takes no answers.",
    {200: ("The closed survey.", shapes.SURVEY_RECORD)},
)
@token_required("triager")
def survey_close(survey_id: int):
    """Close a survey; its link says so from now on."""
    survey = surveys.set_open(survey_id, False)
    responses = surveys.response_counts([survey_id]).get(survey_id, 0)
    return _answer(_survey(survey, responses))


@bp.get("/roadmap")
@operation("The roadmap document.", {200: ("The roadmap.", shapes.ROADMAP)}, query=shapes.ROADMAP_FILTERS)
@token_required("viewer")
def roadmap_show():
    """The roadmap document of the JSON export (consented quotes only, e-mail addresses masked)."""
    args = _arguments()
    actor = audit.Actor(g.api_user.id, request.remote_addr)
    filters = roadmap.RoadmapFilters(args["stage"], args["horizon"])
    content, _, _ = roadmap.render(filters, "json", actor)
    shapes.answer(_declared().answers[200][1], json.loads(content))
    return Response(content, mimetype="application/json")
