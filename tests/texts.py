"""Feedback texts in clear topics for the theme tests: word pools, templated complaints, families."""

import csv
import itertools
import pathlib
import random

import numpy as np


def pool_texts(pools: list[list[str]], per_topic: int) -> list[str]:
    """Texts of four words drawn from one pool each, deterministically, topic after topic."""
    rng = np.random.default_rng(7)
    return [" ".join(rng.choice(pool, 4, replace=False)) for pool in pools for _ in range(per_topic)]


POOLS = [
    ["refund", "pending", "money", "returned", "reimburse", "credit"],
    ["login", "password", "account", "locked", "signin", "username"],
    ["parcel", "courier", "delivery", "tracking", "shipment", "dispatch"],
    ["invoice", "billing", "charged", "fee", "subscription", "statement"],
]


# Five families of three sub-topics each: every text names its family and two of its sub-topic's words.
FAMILIES = {
    "refund": [["pending", "weeks", "waiting"], ["card", "credit", "bank"], ["voucher", "cash"]],
    "wifi": [["slow", "speed", "buffering"], ["password", "connect", "network"], ["plane", "flight"]],
    "delivery": [["late", "days", "delayed"], ["damaged", "broken", "box"], ["address", "neighbour"]],
    "app": [["crashes", "crash", "startup"], ["update", "version", "install"], ["battery", "drains"]],
    "invoice": [["wrong", "amount", "overcharged"], ["pdf", "download", "email"], ["vat", "company"]],
}


def family_texts(per_topic: int = 30) -> tuple[list[str], list[str]]:
    """Texts and their family, deterministically."""
    rng = np.random.default_rng(3)
    texts, families = [], []
    for family, topics in FAMILIES.items():
        for pool in topics:
            for _ in range(per_topic):
                picked = " ".join(rng.choice(pool, 2, replace=False))
                texts.append(f"my {family} {picked} {rng.choice(['today', 'again', 'please', 'help'])}")
                families.append(family)
    return texts, families


TOPICS = {
    "refund": [
        "still waiting for my refund after {n} weeks",
        "the refund for my closed account never arrived",
        "you promised a refund {n} days ago and nothing",
        "where is my refund, I was overcharged {n} pounds",
        "refund has been pending since {day}",
    ],
    "login": [
        "the app logs me out every time I open it",
        "cannot log in to the app since the update on {day}",
        "app keeps logging me out after {n} minutes",
        "login fails in the app with a password error",
        "the app log in screen freezes on my phone",
    ],
    "meter": [
        "smart meter installation was cancelled {n} times",
        "engineer never came to install the smart meter on {day}",
        "my smart meter install date keeps moving",
        "waiting {n} months for a smart meter installation",
        "smart meter engineer missed the installation slot",
    ],
}


DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def topic_texts(topic: str, count: int, rng: random.Random) -> list[str]:
    templates = itertools.cycle(TOPICS[topic])
    return [
        next(templates).format(n=rng.randint(2, 9), day=rng.choice(DAYS)) + f" ({i})" for i in range(count)
    ]


LANGUAGES_FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "bench" / "data" / "languages.csv"


def fixture_rows(topics=None, spoken=None) -> list[dict]:
    """Rows of the multilingual bench fixture, optionally of some topics and languages only."""
    with open(LANGUAGES_FIXTURE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        r
        for r in rows
        if (topics is None or r["topic"] in topics) and (spoken is None or r["language"] in spoken)
    ]
