"""FilterLogEvents of the local backend's CloudWatch Logs, with AWS's filter patterns.

moto stores the log events and answers the other Logs actions; its FilterLogEvents
matches a word as a substring (``Memory`` finds ``MemoryError``), and answers every
event for a pattern it does not read (``?ERROR ?WARN``, ``-DEBUG``, ``"500"``,
``%regex%``, JSON).  Here the patterns of unstructured log events are read as AWS
documents them (Filter pattern syntax, CloudWatch Logs User Guide): terms and
quoted phrases, all of them (``ERROR Exception``), any of the ``?`` ones, none of
the ``-`` ones, case-sensitive, a term matching whole words; ``%regex%``.  JSON
(``{ $.x = 1 }``) and space-delimited (``[a, b]``) patterns are refused in one line
rather than answered wrongly.  Events come sorted by time across the streams (AWS
interleaves them), 10,000 a page or `limit`, with a nextToken for the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from . import moto_adapter, paging, rules

TARGET = "Logs_20140328.FilterLogEvents"  # the X-Amz-Target header of the action
MAX_STREAMS = 100  # logStreamNames: the API's limit
MAX_LIMIT = 10_000
TERMS = re.compile(r'([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))')
WORD = r"[A-Za-z0-9_]"


class Refused(ValueError):
    """A request AWS would refuse, or a pattern this backend does not read: (code, message)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def matcher(pattern: str | None) -> Callable[[str], bool]:
    """Whether a log message matches a filter pattern (empty: every message)."""
    pattern = (pattern or "").strip()
    if not pattern:
        return lambda message: True
    if pattern[0] in "{[":
        raise Refused("InvalidParameterException", "the local backend reads term, phrase and %regex% filter "
                      "patterns, not JSON or space-delimited ones")
    if len(pattern) > 1 and pattern[0] == pattern[-1] == "%":
        try:
            found = re.compile(pattern[1:-1]).search
        except re.error as exc:
            raise Refused("InvalidParameterException", f"invalid regex in the filter pattern: {exc}") from None
        return lambda message: found(message) is not None
    required, any_of, excluded = [], [], []
    for sign, phrase, word in TERMS.findall(pattern):
        term = _term(re.sub(r'\\(.)', r"\1", phrase) if phrase else word)
        {"": required, "?": any_of, "-": excluded}[sign].append(term)

    def matches(message: str) -> bool:
        return (all(t(message) for t in required) and (not any_of or any(t(message) for t in any_of))
                and not any(t(message) for t in excluded))

    return matches


def _term(text: str) -> Callable[[str], bool]:
    """A term or phrase: its text where it is not part of a longer word (case-sensitive)."""
    before = f"(?<!{WORD})" if re.match(WORD, text) else ""
    after = f"(?!{WORD})" if re.search(f"{WORD}$", text) else ""
    found = re.compile(before + re.escape(text) + after).search
    return lambda message: found(message) is not None


def answer(account: str, region: str, body) -> tuple:
    """(status, headers, body) of a FilterLogEvents request in `account`."""
    try:
        request = json.loads(body or b"{}")
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(filter_log_events(account, region, request))
    except Refused as exc:
        return _error(400, exc.code, str(exc))
    except rules.ClientException as exc:  # a nextToken of another request
        return _error(400, "InvalidParameterException", moto_adapter.error_of(exc)[1])
    except (ValueError, TypeError) as exc:
        return _error(400, "SerializationException", str(exc)[:200])


def _error(status: int, code: str, message: str) -> tuple:
    return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}, \
        json.dumps({"__type": code, "message": message})


def filter_log_events(account: str, region: str, request: dict) -> dict:
    names = request.get("logStreamNames")
    if names is not None and not 1 <= len(names) <= MAX_STREAMS:
        raise Refused("InvalidParameterException", f"1 validation error detected: Value at 'logStreamNames' failed "
                      f"to satisfy constraint: Member must have length between 1 and {MAX_STREAMS}")
    if names and request.get("logStreamNamePrefix"):
        raise Refused("InvalidParameterException", "logStreamNames and logStreamNamePrefix cannot both be given")
    limit = request.get("limit") or MAX_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise Refused("InvalidParameterException", f"limit must be between 1 and {MAX_LIMIT}")
    matches = matcher(request.get("filterPattern"))
    events = moto_adapter.log_events(account, region, request.get("logGroupName"), names,
                                     request.get("startTime"), request.get("endTime"))
    if events is None:
        raise Refused("ResourceNotFoundException", "The specified log group does not exist.")
    prefix = request.get("logStreamNamePrefix") or ""
    found = sorted((e for e in events if e["logStreamName"].startswith(prefix) and matches(e["message"])),
                   key=lambda e: (e["timestamp"], e["logStreamName"]))
    scope = paging._scope("FilterLogEvents", {k: v for k, v in request.items() if k != "limit"})
    start = paging._position(request.get("nextToken"), scope)
    page = {"events": found[start:start + limit], "searchedLogStreams": []}  # AWS has sent [] since 2020
    if start + limit < len(found):
        page["nextToken"] = paging._token(start + limit, scope)
    return page
