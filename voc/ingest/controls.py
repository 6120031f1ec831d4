"""Characters text loses where it enters voc: NUL, the other C0 controls and lone surrogates.

PostgreSQL cannot store NUL in text, UTF-8 cannot encode a lone surrogate, and the other C0
control characters are invisible debris of copy-paste and binary exports. Tab, line feed and
carriage return are text and stay. docs/security.md records this choice.
"""

import re

CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def strip_controls(text: str) -> str:
    """The text without NUL, C0 controls other than tab and line breaks, or lone surrogates."""
    return CONTROLS.sub("", text)


def strip_controls_in(value):
    """A parsed JSON value with every string in it (object keys too) passed through strip_controls."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [strip_controls_in(element) for element in value]
    if isinstance(value, dict):
        return {strip_controls(key): strip_controls_in(element) for key, element in value.items()}
    return value
