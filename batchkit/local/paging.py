"""The service's paging: maxResults per page, and opaque nextToken positions.

A token holds its position and what it is for (the listing and the request's
other members): a token of another queue, status or filter is refused, as is
one that was altered."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from bisect import bisect_left

from . import rules


def paged(key: str, items: list, request: dict, keep=None, show=None, position=None) -> dict:
    """A response body: one page of `items` that pass `keep` under `key` (each as `show`
    gives it, or as it is), and the nextToken of the next page if there is one.

    A token's position is an index into `items`, or with `position` (items sorted by it) the
    position of the next item: then a list whose items come and go between pages still resumes
    where it was."""
    found, token = _page(items, request, _scope(key, request), keep, position)
    body = {key: found if show is None else [show(item) for item in found]}
    if token:
        body["nextToken"] = token
    return body


def _scope(key: str, request: dict) -> str:
    """What a token is for: the listing and the request, paging members aside."""
    asked = {name: value for name, value in request.items() if name not in ("nextToken", "maxResults")}
    text = json.dumps([key, asked], sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _page(items: list, request: dict, scope: str, keep=None, position_of=None) -> tuple[list, str | None]:
    """One page of `items` that pass `keep`, resuming at the position the token holds."""
    limit = rules.max_results(request.get("maxResults"))
    position = _position(request.get("nextToken"), scope)
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
    return found, (_token(position, scope) if more else None)


def _rest(items, position):
    for index in range(position, len(items)):
        yield items[index]


def _token(position: int, scope: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"position": position, "for": scope}).encode()).decode()


def _position(token, scope: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        position = data["position"]
        valid = type(position) is int and position >= 0 and data["for"] == scope
    except (ValueError, KeyError, TypeError, binascii.Error):
        valid = False
    if not valid:
        rules.fail("nextToken is not valid for this request: pass the nextToken of the previous response, "
                   "with the same parameters")
    return position
