"""The domain's fixed sets, in one place for the models, forms, services and the pure core alike."""

CHANNELS = ("survey", "ticket", "interview", "review", "social", "other")
SCORE_KINDS = ("nps", "csat")  # NPS first: where an item or theme has both, NPS is the one reported
SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5)}
NEGATIVE = -0.05  # compound sentiment below this counts as negative, as VADER reads it
MAX_TEXT_LENGTH = 20_000  # characters of one item's text, in every form, import and API body
