"""The one secret-masking policy for everything batchkit shows or keeps.

What counts as a secret:
- the value of an environment variable or parameter whose name looks secret
  (PASSWORD, TOKEN, KEY, ...);
- the password of a URL with credentials (``postgres://user:pw@host/db``)
  in environment values, parameters and commands;
- in log lines, any of those values of the job that wrote them, wherever it
  appears (as CI systems mask secrets in their logs), and URL passwords.

Frames (`frames.flat_rows`), raw responses (``attrs["responses"]``, masked
along the output shape) and log events (`jobs.logs`) are masked where they
are made, so HTML views, widgets and magics only ever see masked values.
``mask_secrets=False`` (on `connect`, `Batch`, ``%config BatchMagics``)
turns all of it off.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

MASK = "****"
SECRET_NAME = re.compile(
    r"PASS(WORD|WD)?|PWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH|SIGNATURE|SESSION|COOKIE",
    re.IGNORECASE,
)
ENV_LISTS = ("environment", "env")  # lists of {name, value}
PARAMETER_MAPS = ("parameters",)  # maps of name -> value
COMMANDS = ("command",)  # lists of words: URLs with credentials are masked in them
SECRET_HOLDERS = ENV_LISTS + PARAMETER_MAPS + COMMANDS
URL_CREDENTIALS = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)(?P<password>[^@/?#\s]+)(?=@)")
MIN_KNOWN = 4  # shorter known values ("1", "yes") would mask ordinary words in logs


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name or ""))


def mask_text(text: str, known=()) -> str:
    """text with URL passwords and each `known` secret value masked."""
    if not isinstance(text, str):
        return text
    if "://" in text:
        text = URL_CREDENTIALS.sub(lambda m: m["head"] + MASK, text)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    return text


def known_secrets(job: dict) -> tuple[str, ...]:
    """The secret values of a job (see the module's policy), longest first, for masking its logs."""
    found = set()
    for holder, value in _holders(job):
        if holder in ENV_LISTS:
            pairs = [(v.get("name", ""), v.get("value")) for v in value if isinstance(v, dict)]
        elif holder in PARAMETER_MAPS:
            pairs = list(value.items())
        else:
            pairs = [("", word) for word in value]
        for name, text in pairs:
            if not isinstance(text, str):
                continue
            if is_secret_name(name):
                found.add(text)
            found.update(m["password"] for m in URL_CREDENTIALS.finditer(text))
    return tuple(sorted((v for v in found if len(v) >= MIN_KNOWN), key=len, reverse=True))


def _holders(value, depth: int = 0):
    """(holder name, value) of every secret holder nested in a job description."""
    if depth > 20:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ENV_LISTS + COMMANDS and isinstance(item, list) or key in PARAMETER_MAPS and isinstance(item, dict):
                yield key, item
            else:
                yield from _holders(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _holders(item, depth + 1)


def mask_secrets(value: Any) -> Any:
    """value with its secrets masked (see the module's policy).

    Only the containers on the path to a masked value are copied; the rest is
    shared, so masking a large response costs one walk and few copies.
    """
    if isinstance(value, dict):
        return _masked_dict(value, lambda k, v: mask_named(k, v))
    if isinstance(value, list):
        return _unless_same([mask_secrets(v) for v in value], value)
    return value


def mask_named(name: str, value: Any) -> Any:
    """value of a member called name, secrets masked (see mask_secrets)."""
    if name in ENV_LISTS and isinstance(value, list):
        return _unless_same([_mask_variable(item) for item in value], value)
    if name in PARAMETER_MAPS and isinstance(value, dict):
        masked = {n: (MASK if is_secret_name(n) else mask_text(x)) for n, x in value.items()}
        return value if masked == value else masked
    if name in COMMANDS and isinstance(value, list):
        return _unless_same([mask_text(word) for word in value], value)
    return mask_secrets(value)


def mask_response(value: Any, shape) -> Any:
    """A response (page) masked along its botocore shape: only members that can hold secrets are walked."""
    if shape is None:
        return mask_secrets(value)
    if shape.type_name == "structure" and isinstance(value, dict):
        def member(key, item):
            child = shape.members.get(key)
            if child is None or key in SECRET_HOLDERS:
                return mask_named(key, item)
            return mask_response(item, child) if may_hold_secrets(key, child) else item

        return _masked_dict(value, member)
    if shape.type_name == "list" and isinstance(value, list):
        return _unless_same([mask_response(v, shape.member) for v in value], value)
    if shape.type_name == "map" and isinstance(value, dict):
        return _masked_dict(value, lambda k, v: mask_response(v, shape.value))
    return value


@cache
def may_hold_secrets(name: str, shape, seen: tuple = ()) -> bool:
    """Whether values of this member can hold environment variables, parameters or commands."""
    if name in SECRET_HOLDERS and shape.type_name in ("list", "map"):
        return True
    if shape.name in seen:
        return False
    seen += (shape.name,)
    if shape.type_name == "structure":
        return any(may_hold_secrets(n, m, seen) for n, m in shape.members.items())
    if shape.type_name == "list":
        return may_hold_secrets(name, shape.member, seen)
    if shape.type_name == "map":
        return may_hold_secrets(name, shape.value, seen)
    return False


def _masked_dict(value: dict, mask) -> dict:
    out = None
    for k, v in value.items():
        new = mask(k, v)
        if new is not v:
            out = out if out is not None else dict(value)
            out[k] = new
    return out if out is not None else value


def _unless_same(new: list, old: list) -> list:
    return old if all(a is b for a, b in zip(new, old)) else new


def _mask_variable(item: Any) -> Any:
    if not isinstance(item, dict) or "value" not in item:
        return item
    value = MASK if is_secret_name(item.get("name", "")) else mask_text(item["value"])
    return item if value == item["value"] else {**item, "value": value}
