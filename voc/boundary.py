"""What every request passes first: text without control characters, ids that fit a column.

Stripping here, once, means no form, filter, search box or API body can carry NUL or another
C0 control character (or a lone surrogate) into the database or a query (voc/ingest/controls.py).
"""

from flask import Request, abort
from werkzeug.datastructures import ImmutableMultiDict

from voc.ingest.controls import strip_controls, strip_controls_in
from voc.models import INT_MAX


class CleanMultiDict(ImmutableMultiDict):
    """Query-string or form values with control characters stripped (uploaded files pass unchanged)."""

    def __init__(self, mapping=None):
        super().__init__(mapping)
        for values in dict.values(self):
            values[:] = [strip_controls(v) if isinstance(v, str) else v for v in values]


class CleanRequest(Request):
    """A Flask request whose args, form and JSON body hold no control characters."""

    parameter_storage_class = CleanMultiDict

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        return strip_controls_in(super().get_json(force=force, silent=silent, cache=cache))


def ids_in_range(endpoint, values) -> None:
    """An id in a URL too large for any record is simply not found, before a database query overflows."""
    if any(isinstance(value, int) and value > INT_MAX for value in (values or {}).values()):
        abort(404)
