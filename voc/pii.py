"""Personal data inside free text — e-mail addresses, phone numbers, card numbers — found and masked."""

import re
from dataclasses import dataclass

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# 13-19 digits, optionally in groups split by single spaces or dashes, as cards are printed.
CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
# An optional +, then digits with spaces, dots, dashes or brackets between them.
PHONE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d(?:[ .()-]{0,2}\d){6,18}(?![\w])")
PHONE_DIGITS = range(9, 16)  # fewer is a date, an amount or an order number; E.164 allows 15

MASKS = {"email": "[email removed]", "phone": "[phone removed]", "card": "[card number removed]"}


@dataclass(frozen=True)
class Span:
    """Where one piece of personal data sits in a text, and what kind it is."""

    start: int
    end: int
    kind: str  # a key of MASKS


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies (and most other long numbers fail)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _cards(text: str):
    for match in CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            yield Span(match.start(), match.end(), "card")


def _phones(text: str):
    for match in PHONE.finditer(text):
        if len(re.sub(r"\D", "", match.group())) in PHONE_DIGITS:
            yield Span(match.start(), match.end(), "phone")


def find(text: str) -> list[Span]:
    """Every piece of personal data in the text, in order; e-mails win over cards, cards over phones."""
    spans: list[Span] = []
    for found in (
        (Span(m.start(), m.end(), "email") for m in EMAIL.finditer(text)),
        _cards(text),
        _phones(text),
    ):
        for span in found:
            if all(span.end <= taken.start or span.start >= taken.end for taken in spans):
                spans.append(span)
    return sorted(spans, key=lambda span: span.start)


def mask(text: str) -> str:
    """The text with each e-mail address, phone number and card number replaced by a label."""
    pieces, position = [], 0
    for span in find(text):
        pieces += [text[position : span.start], MASKS[span.kind]]
        position = span.end
    return "".join(pieces) + text[position:]
