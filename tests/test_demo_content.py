"""The demo data set: size, shape, determinism, and values the database will accept."""

import ast
import random
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

import pytest

from voc import demo
from voc.services.stages import DEFAULT_STAGES
from voc.vocabulary import CHANNELS, MAX_TEXT_LENGTH, SCORE_RANGES

STAGE_NAMES = ("Awareness", "Consider", "Action")


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return demo.build_demo()


def test_counts(data):
    assert len(data.feedback) >= 600
    assert len(data.customers) >= 40
    assert len(data.interviews) >= 15
    for interview in data.interviews:
        assert 2 <= len(interview.quotes) <= 5


def test_stages_are_the_journey_in_order():
    assert tuple(name for name, _ in demo.STAGES) == STAGE_NAMES
    assert tuple(name for name, _ in DEFAULT_STAGES) == STAGE_NAMES
    assert all(description for _, description in demo.STAGES)


def test_every_channel_and_stage_is_present(data):
    assert {item.channel for item in data.feedback} == set(CHANNELS)
    stages = Counter(item.stage for item in data.feedback)
    assert set(stages) == {*STAGE_NAMES, None}
    # Untagged items exist but stay a small minority.
    assert 0 < stages[None] < len(data.feedback) * 0.1


def test_same_seed_same_data_and_another_seed_differs():
    assert demo.build_demo(7) == demo.build_demo(7)
    assert demo.build_demo() == demo.build_demo(7)
    assert demo.build_demo(8).feedback != demo.build_demo(7).feedback


def test_global_random_is_left_alone():
    random.seed(123)
    expected = random.random()
    random.seed(123)
    demo.build_demo()
    assert random.random() == expected


def test_external_ids_are_unique_per_source(data):
    pairs = [(item.source, item.external_id) for item in data.feedback if item.external_id]
    assert len(pairs) == len(set(pairs))
    assert len(pairs) > len(data.feedback) / 2
    assert all(source for source, _ in pairs)


def test_scores_fit_their_kind(data):
    kinds = Counter(item.score_kind for item in data.feedback)
    assert kinds["nps"] and kinds["csat"]
    for item in data.feedback:
        if item.score_kind is None:
            assert item.score is None
            continue
        low, high = SCORE_RANGES[item.score_kind]
        assert item.score is not None and low <= item.score <= high
    assert {item.channel for item in data.feedback if item.score_kind == "nps"} == {"survey"}
    assert {item.channel for item in data.feedback if item.score_kind == "csat"} == {"ticket"}


def test_scores_follow_the_mood(data):
    def mean_nps(word: str) -> float:
        return statistics.mean(
            item.score
            for item in data.feedback
            if item.score_kind == "nps" and item.score is not None and word in item.text.lower()
        )

    assert mean_nps("friendly") > mean_nps("refund") + 3


def test_customer_indices_are_valid(data):
    count = len(data.customers)
    linked = [item.customer for item in data.feedback if item.customer is not None]
    assert linked and all(0 <= index < count for index in linked)
    assert any(item.customer is None for item in data.feedback)
    assert all(0 <= interview.customer < count for interview in data.interviews)


def test_texts_rarely_repeat(data):
    counts = Counter(item.text for item in data.feedback)
    repeated = sum(n for n in counts.values() if n > 1)
    assert repeated <= 5


def test_dates_are_within_the_year(data):
    assert all(0 <= item.days_ago <= 364 for item in data.feedback)
    assert all(0 <= interview.days_ago <= 364 for interview in data.interviews)
    assert min(item.days_ago for item in data.feedback) <= 3
    assert max(item.days_ago for item in data.feedback) >= 340


def test_values_fit_the_columns(data):
    for item in data.feedback:
        assert item.text.strip() and len(item.text) <= MAX_TEXT_LENGTH
        assert item.channel in CHANNELS
        assert item.stage in (*STAGE_NAMES, None)
        assert item.source is None or len(item.source) <= 100
        assert item.external_id is None or len(item.external_id) <= 200
    for customer in data.customers:
        assert customer.name and len(customer.name) <= 200
        assert customer.email is None or len(customer.email) <= 254


def test_customers_are_varied_and_use_reserved_domains(data):
    customers = data.customers
    assert len({customer.segment for customer in customers}) >= 4
    assert sum(customer.organisation is not None for customer in customers) >= 8
    emails = [customer.email for customer in customers if customer.email]
    assert len(emails) >= len(customers) * 0.8
    assert len(emails) == len(set(emails))
    reserved = re.compile(r"@(example\.(com|org|net)|[\w.-]+\.example)$")
    assert all(reserved.search(email) for email in emails)
    consents = Counter((c.consent_quote, c.consent_contact) for c in customers)
    assert len(consents) == 4


def test_interviews_have_notes_places_and_quotes(data):
    for interview in data.interviews:
        assert 20 <= interview.duration_minutes <= 90
        assert interview.place and len(interview.place) <= 200
        assert interview.notes
        assert all(quote.text and quote.stage in (*STAGE_NAMES, None) for quote in interview.quotes)
    assert len({interview.place for interview in data.interviews}) >= 10


def test_messy_input_is_included(data):
    texts = [item.text for item in data.feedback]
    assert any("<script>" in text for text in texts)
    assert any("https://" in text for text in texts)
    assert any(len(text) > 500 for text in texts)
    assert sum(len(text) < 30 for text in texts) >= 10
    assert any(re.search("[\U0001f300-\U0001faff]", text) for text in texts)


@pytest.mark.parametrize("topic", demo.TOPICS, ids=lambda topic: topic.key)
def test_topics_have_many_phrasings_with_known_slots(topic):
    assert len(set(topic.phrasings)) >= 8
    assert topic.stage in STAGE_NAMES
    for template in topic.phrasings + topic.shorts:
        assert set(re.findall(r"\{(\w+)\}", template)) <= set(demo.SLOTS)


def test_topic_volumes_vary_and_cover_every_stage():
    volumes = [topic.volume for topic in demo.TOPICS]
    assert 15 <= len(demo.TOPICS) <= 20
    assert max(volumes) >= 3 * min(volumes)
    assert {topic.stage for topic in demo.TOPICS} == set(STAGE_NAMES)
    assert any(topic.praise for topic in demo.TOPICS)


def test_rising_topics_are_recent_heavy():
    rng = random.Random(1)
    rising = next(topic for topic in demo.TOPICS if topic.timing == "rising")
    steady = next(topic for topic in demo.TOPICS if topic.timing == "steady")
    rising_days = [demo.draw_days_ago(rising, rng) for _ in range(300)]
    steady_days = [demo.draw_days_ago(steady, rng) for _ in range(300)]
    assert statistics.median(rising_days) < statistics.median(steady_days) / 2


def test_fill_capitalises_sentence_starts_and_avoids_repeats():
    rng = random.Random(3)
    for _ in range(50):
        text = demo.fill("{relative} said. {relative} agreed: {tariff} or {tariff}?", rng)
        said, agreed = text.split(". ")
        assert said[0].isupper() and agreed[0].isupper()
        assert said.split(" said")[0].lower() != agreed.split(" agreed")[0].lower()
        first, second = agreed.split(": ")[1].rstrip("?").split(" or ")
        assert first != second


def test_demo_module_uses_only_the_standard_library():
    tree = ast.parse(Path(demo.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
