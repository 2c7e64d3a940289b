"""The service's paging: maxResults per page, and opaque nextToken positions."""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left

from . import rules


def paged(key: str, items: list, request: dict, keep=None, show=None, position=None) -> dict:
    """A response body: one page of `items` that pass `keep` under `key` (each as `show`
    gives it, or as it is), and the nextToken of the next page if there is one.

    A token's position is an index into `items`, or with `position` (items sorted by it) the
    position of the next item: then a list whose items come and go between pages still resumes
    where it was."""
    found, token = _page(items, request, keep, position)
    body = {key: found if show is None else [show(item) for item in found]}
    if token:
        body["nextToken"] = token
    return body


def _page(items: list, request: dict, keep=None, position_of=None) -> tuple[list, str | None]:
    """One page of `items` that pass `keep`, resuming at the position the token holds."""
    limit = rules.max_results(request.get("maxResults"))
    position = _position(request.get("nextToken"))
    if position_of is not None:
        position = bisect_left(items, position, key=position_of)
    found = []
    while position < len(items) and len(found) < limit:
        item = items[position]
        position += 1
        if keep is None or keep(item):
            found.append(item)
    more = any(keep is None or keep(item) for item in _rest(items, position))
    if more and position_of is not None:
        position = position_of(items[position])
    return found, (_token(position) if more else None)


def _rest(items, position):
    for index in range(position, len(items)):
        yield items[index]


def _token(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"position": position}).encode()).decode()


def _position(token) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["position"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        rules.fail("nextToken is not valid: pass the nextToken of the previous response unchanged")
