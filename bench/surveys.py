"""Survey answers under load: respondents submitting at once to gunicorn on PostgreSQL, then with faults.

    python bench/surveys.py  # 50 respondents, 30 s a phase
    python bench/surveys.py --respondents 10 --seconds 5

Makes its own PostgreSQL database (voc_surveys on 127.0.0.1, dropped at the end) with themes found
on 1,000 clothing reviews (--reviews) from /work/shared/data, so each answer gets its sentiment and
nearest theme as in use. Starts its own Redis (port 6390, nothing saved) for the rate limiter's
counters and gunicorn on a loopback port. Each respondent opens the survey page, takes 2 to 6 s
(--think-ms) to answer one or two questions with a review's text and a score, and sends it from an
address of its own (X-Forwarded-For behind one trusted proxy), again and again for the phase. A send
that fails to connect is sent again with the same form, as a browser's resend would be: the form's
key must keep it from being stored twice.

Phase "steady": no faults. Phase "faults": one gunicorn worker is killed (SIGKILL) a third of the way
in and Redis is restarted half-way. Each phase checks that the responses stored equal the answers
accepted. The baseline, measured in the same run, is the survey page itself (a GET, no writes):
the ratio is the answer's p95 over the page's p95. The last line is one JSON object.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import servers  # noqa: E402
from voc import create_app  # noqa: E402
from voc.extensions import db  # noqa: E402
from voc.models import Feedback, Stage, SurveyResponse  # noqa: E402
from voc.services import feedback, stages, surveys, themes  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
DATABASE = "voc_surveys"
REVIEWS = Path("/work/shared/data/clothing_reviews.csv")
REDIS_PORT = 6390
TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def reviews(limit: int) -> list[tuple[str, int]]:
    """(text, 1-5 stars) of the first `limit` reviews."""
    with REVIEWS.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return [(row["text"][:1_900], int(row["rating"])) for _, row in zip(range(limit), rows, strict=False)]


def create_database() -> str:
    admin = create_engine(SERVER + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}"'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return f"{SERVER}/{DATABASE}"


def drop_database() -> None:
    admin = create_engine(SERVER + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    admin.dispose()


def seed(url: str, texts: list[tuple[str, int]]) -> str:
    """Tables, stages, the reviews with their themes, and one open NPS survey; returns its token."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        stages.seed_default_stages()
        feedback.receive_feedback(
            [
                feedback.ReceivedFeedback(
                    feedback.FeedbackInput(
                        text=review,
                        channel="review",
                        received_on=dt.date.today(),
                        score=stars,
                        score_kind="csat",
                    )
                )
                for review, stars in texts
            ],
            None,
        )
        themes.run_now(None)
        stage_id = db.session.scalar(select(Stage.id).where(Stage.name == "Action"))
        survey = surveys.create_survey(
            surveys.SurveyInput(
                title="How was your order?",
                questions=["What went wrong?", "What should we keep?"],
                thanks_name="Bench",
                thanks_text="Thank you.",
                score_kind="nps",
                stage_id=stage_id,
            ),
            None,
        )
        token = survey.token
        db.engine.dispose()
    return token


def stored(url: str) -> tuple[int, int]:
    """(survey responses, their feedback items) in the database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        responses = conn.scalar(select(func.count()).select_from(SurveyResponse.__table__))
        items = conn.scalar(
            select(func.count())
            .select_from(Feedback.__table__)
            .where(Feedback.__table__.c.survey_response_id.is_not(None))
        )
    engine.dispose()
    return responses, items


def start_redis() -> subprocess.Popen:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--save",
            "",
            "--appendonly",
            "no",
            "--bind",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        ping = subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True)
        if ping.stdout.strip() == b"PONG":
            return process
        time.sleep(0.1)
    raise SystemExit("redis-server did not start")


def start_gunicorn(url: str, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "VOC_DATABASE_URL": url,
        "VOC_SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "VOC_REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "VOC_TRUSTED_PROXIES": "1",
        # Every respondent has an address of its own; one survey takes everybody's answers at once.
        "VOC_SURVEY_LIMIT_PER_SURVEY": "1000000 per minute",
    }
    return servers.start_gunicorn(env, workers, threads, ("--log-level", "error"))


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


class Phase:
    """Respondents answering for a while; what they saw, shared between their threads."""

    def __init__(
        self, base: str, token: str, texts: list[tuple[str, int]], seconds: float, think: tuple[float, float]
    ):
        self.base, self.token, self.texts, self.think = base, token, texts, think
        self.deadline = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.page_seconds: list[float] = []
        self.answer_seconds: list[float] = []
        self.accepted = self.items = self.errors = self.resent = self.reloaded = self.limited = 0
        self.error_samples: list[str] = []

    def note_error(self, what: str) -> None:
        with self.lock:
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(what)

    def respondent(self, number: int) -> None:
        rng = random.Random(number)
        session = requests.Session()
        sent = 0
        while time.monotonic() < self.deadline:
            sent += 1
            address = f"10.{number}.{sent // 250 % 250}.{sent % 250 + 1}"
            headers = {"X-Forwarded-For": address}
            page = self.open_page(session, headers)
            if page is None:
                continue
            found = TOKEN.search(page.text) if page.status_code == 200 else None
            if found is None:
                self.note_error(f"page: {page.status_code}")
                continue
            time.sleep(rng.uniform(*self.think))  # reading the questions and typing
            review, stars = rng.choice(self.texts)
            answers = 1 + (rng.random() < 0.5)
            data = {
                "form_token": found.group(1),
                "answer_0": review,
                "score": str(min(10, stars * 2)),
                "answer_1": "Keep the free returns." if answers == 2 else "",
            }
            self.answer(session, headers, data, answers)

    def open_page(self, session, headers):
        """The survey page, reloaded after a broken connection (up to 5 tries) as a person would."""
        for attempt in range(5):
            try:
                started = time.perf_counter()
                page = session.get(f"{self.base}/s/{self.token}", headers=headers, timeout=10)
            except requests.RequestException:
                with self.lock:
                    self.reloaded += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            with self.lock:
                self.page_seconds.append(time.perf_counter() - started)
            return page
        self.note_error("page: no connection after 5 tries")
        return None

    def answer(self, session, headers, data, answers) -> None:
        """Send the form, resending the same form after a broken connection (up to 5 tries)."""
        for attempt in range(5):
            try:
                started = time.perf_counter()
                response = session.post(
                    f"{self.base}/s/{self.token}",
                    data=data,
                    headers=headers,
                    timeout=10,
                    allow_redirects=False,
                )
                took = time.perf_counter() - started
            except requests.RequestException:
                with self.lock:
                    self.resent += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            with self.lock:
                self.answer_seconds.append(took)
                if response.status_code == 302 and response.headers["Location"].endswith("/thanks"):
                    self.accepted += 1
                    self.items += answers
                    return
                if response.status_code == 429:
                    self.limited += 1
                    return
            self.note_error(f"answer: {response.status_code}")
            return
        self.note_error("answer: no connection after 5 tries")

    def figures(self) -> dict:
        return {
            "accepted": self.accepted,
            "errors": self.errors,
            "resent": self.resent,
            "reloaded": self.reloaded,
            "limited": self.limited,
            "answers_per_s": None,
            "answer_p50_ms": percentile(self.answer_seconds, 0.5),
            "answer_p95_ms": percentile(self.answer_seconds, 0.95),
            "answer_p99_ms": percentile(self.answer_seconds, 0.99),
            "page_p95_ms": percentile(self.page_seconds, 0.95),
            "error_samples": self.error_samples,
        }


def warm_up(base: str, token: str, texts, answers: int) -> None:
    """A few answers before the clock starts, so every worker has loaded the theme and sentiment models."""
    phase = Phase(base, token, texts, 0, (0, 0))
    forms = [{"form_token": _form_token(base, token), "answer_0": texts[n][0]} for n in range(answers)]
    threads = [
        threading.Thread(
            target=phase.answer, args=(requests.Session(), {"X-Forwarded-For": f"10.255.0.{n + 1}"}, form, 1)
        )
        for n, form in enumerate(forms)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _form_token(base: str, token: str) -> str:
    return TOKEN.search(requests.get(f"{base}/s/{token}", timeout=30).text).group(1)


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_phase(name: str, url: str, token: str, texts, args, faults: bool, redis: list) -> dict:
    """One phase on a fresh gunicorn; `redis` holds the running redis-server (replaced on restart)."""
    gunicorn, base = start_gunicorn(url, args.workers, args.threads)
    warm_up(base, token, texts, args.workers * 4)
    before_responses, before_items = stored(url)
    server_cpu, client_cpu = cpu_seconds(resource.RUSAGE_CHILDREN), cpu_seconds(resource.RUSAGE_SELF)
    low, high = (int(ms) / 1000 for ms in args.think_ms.split(","))
    phase = Phase(base, token, texts, args.seconds, (low, high))
    threads = [threading.Thread(target=phase.respondent, args=(n,)) for n in range(args.respondents)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    events = []
    if faults:
        time.sleep(args.seconds / 3)
        children = subprocess.run(["pgrep", "-P", str(gunicorn.pid)], capture_output=True, text=True)
        workers = children.stdout.split()
        os.kill(int(workers[0]), signal.SIGKILL)
        events.append(f"{time.monotonic() - started:.1f} s: killed gunicorn worker {workers[0]}")
        time.sleep(max(0.0, args.seconds / 2 - (time.monotonic() - started)))
        keys = subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "dbsize"], capture_output=True, text=True)
        events.append(f"rate-limit keys in Redis before its restart: {keys.stdout.strip()}")
        redis[0].terminate()
        redis[0].wait(timeout=10)
        redis[0] = start_redis()
        events.append(f"{time.monotonic() - started:.1f} s: restarted Redis")
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    gunicorn.terminate()
    gunicorn.wait(timeout=30)
    responses, items = stored(url)
    result = phase.figures()
    result.update(
        phase=name,
        seconds=round(elapsed, 1),
        answers_per_s=round(phase.accepted / elapsed, 1),
        stored_responses=responses - before_responses,
        stored_items=items - before_items,
        accepted_items=phase.items,
        stored_once=(responses - before_responses == phase.accepted and items - before_items == phase.items),
        server_cpu_s=round(cpu_seconds(resource.RUSAGE_CHILDREN) - server_cpu, 1),
        client_cpu_s=round(cpu_seconds(resource.RUSAGE_SELF) - client_cpu, 1),
        baseline_ratio=(
            round(result["answer_p95_ms"] / result["page_p95_ms"], 2)
            if result["answer_p95_ms"] and result["page_p95_ms"]
            else None
        ),
        events=events,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--think-ms",
        default="2000,6000",
        help="a respondent's pause between opening the survey and sending it, MIN,MAX ms",
    )
    parser.add_argument("--reviews", type=int, default=1_000, help="feedback to find themes in first")
    args = parser.parse_args()
    texts = reviews(args.reviews)
    url = create_database()
    redis = [start_redis()]
    try:
        started = time.perf_counter()
        token = seed(url, texts)
        seed_seconds = round(time.perf_counter() - started, 1)
        phases = [
            run_phase("steady", url, token, texts, args, False, redis),
            run_phase("faults", url, token, texts, args, True, redis),
        ]
        for phase in phases:
            print(
                f"{phase['phase']}: {phase['accepted']} answers accepted ({phase['answers_per_s']}/s), "
                f"stored once: {phase['stored_once']}, errors {phase['errors']}, resent {phase['resent']}, "
                f"reloaded {phase['reloaded']}, "
                f"answer p50 {phase['answer_p50_ms']} ms p95 {phase['answer_p95_ms']} ms, "
                f"page p95 {phase['page_p95_ms']} ms (ratio {phase['baseline_ratio']}), "
                f"server CPU {phase['server_cpu_s']} s, client CPU {phase['client_cpu_s']} s"
            )
        print(
            json.dumps(
                {
                    "respondents": args.respondents,
                    "seconds": args.seconds,
                    "workers": args.workers,
                    "threads": args.threads,
                    "think_ms": args.think_ms,
                    "reviews": args.reviews,
                    "seed_seconds": seed_seconds,
                    "phases": phases,
                }
            )
        )
    finally:
        redis[0].terminate()
        redis[0].wait(timeout=10)
        drop_database()


if __name__ == "__main__":
    main()
