"""OAI-PMH argument checking, datestamps and signed resumption tokens (with expiry, cursor)."""

from __future__ import annotations

import datetime as dt
import re

from django.core import signing

TOKEN_SALT = "shuxiang.catalog.oai"
TOKEN_LIFETIME = dt.timedelta(hours=1)
PAGE_SIZE = 100
VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
}
PAGED = {"ListSets", "ListIdentifiers", "ListRecords"}


class OaiError(Exception):
    """An OAI-PMH error condition: ``code`` is one of the protocol's error codes."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def to_datestamp(value: dt.datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC (isoformat: several times cheaper than strftime)."""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")[:19] + "Z"


DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", re.ASCII)


def parse_datestamp(raw: str, *, end: bool) -> tuple[dt.datetime, str]:
    """A UTC datetime and its granularity ("day" or "seconds"); badArgument when malformed.

    Strict UTCdatetime (OAI-PMH §3.3.1): exactly ``YYYY-MM-DD`` or ``YYYY-MM-DDThh:mm:ssZ``
    with ASCII digits; ``2020-1-1`` or a time zone offset is a badArgument.
    """
    for pattern, fmt, granularity in (
        (DAY, "%Y-%m-%d", "day"),
        (SECONDS, "%Y-%m-%dT%H:%M:%SZ", "seconds"),
    ):
        if not pattern.fullmatch(raw):
            continue
        try:
            value = dt.datetime.strptime(raw, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            break
        if granularity == "day" and end:
            value += dt.timedelta(days=1) - dt.timedelta(seconds=1)
        return value, granularity
    raise OaiError(
        "badArgument", "Dates are YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC), as in 2020-01-01."
    )


def check_arguments(params: dict[str, list[str]]) -> tuple[str, dict[str, str]]:
    """The verb and its single-valued arguments; badVerb/badArgument on anything else."""
    verbs = params.get("verb", [])
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OaiError("badVerb", "Give exactly one verb: " + ", ".join(VERBS) + ".")
    verb = verbs[0]
    repeated = [k for k, v in params.items() if len(v) > 1]
    if repeated:
        raise OaiError("badArgument", f"The argument {repeated[0]} is repeated.")
    args = {k: v[0] for k, v in params.items() if k != "verb"}
    required, optional = VERBS[verb]
    if "resumptionToken" in args and verb in PAGED:
        if len(args) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument.")
        return verb, args
    illegal = sorted(set(args) - required - optional)
    if illegal:
        raise OaiError("badArgument", f"The argument {illegal[0]} is not allowed with {verb}.")
    missing = sorted(required - set(args))
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument {missing[0]}.")
    return verb, args


def issue_token(state: dict, now: dt.datetime) -> tuple[str, dt.datetime]:
    """A signed token carrying ``state``; it expires TOKEN_LIFETIME after ``now``."""
    expires = now + TOKEN_LIFETIME
    return signing.dumps(
        {**state, "exp": expires.timestamp()}, salt=TOKEN_SALT, compress=True
    ), expires


def read_token(token: str, verb: str, now: dt.datetime) -> dict:
    try:
        state = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        raise OaiError(
            "badResumptionToken", "The resumption token is not one this repository issued."
        ) from None
    if state.get("verb") != verb:
        raise OaiError("badResumptionToken", f"The resumption token does not belong to {verb}.")
    if state.get("exp", 0) < now.timestamp():
        raise OaiError(
            "badResumptionToken", "The resumption token has expired; start the list again."
        )
    return state
