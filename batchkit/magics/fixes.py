"""`why`'s fixes in the words of the person reading them: `%batch` lines instead of Python calls.

`b.update_compute_environment(computeEnvironment='spot-ce', state='ENABLED')` reads, under
`%batch why`, as `%batch update-compute-environment --compute-environment spot-ce --state ENABLED`
(the AWS CLI's own spelling, which `%batch` takes verbatim); the names come from botocore's model.
"""

from __future__ import annotations

import ast
import re
import shlex

from .. import catalog

CALL = re.compile(r"\bb\.(\w+)\(([^()]*)\)")


def as_magic(text: str) -> str:
    """`text` with each `b.<operation>(...)` of literal arguments spelled as a %batch line."""
    return CALL.sub(_line, text) if isinstance(text, str) else text


def _line(found: re.Match) -> str:
    method, arguments = found.group(1), found.group(2)
    try:
        call = ast.parse(f"f({arguments})", mode="eval").body
        positional = [_literal(a) for a in call.args]
        named = {k.arg: _literal(k.value) for k in call.keywords}
    except (SyntaxError, ValueError):
        return found.group(0)
    if method in ("why", "job", "logs") and positional and not named:  # the short commands
        return f"%batch {method} {' '.join(shlex.quote(str(p)) for p in positional)}"
    try:
        op = catalog.operation(method)
    except LookupError:
        return found.group(0)
    if positional:
        return found.group(0)
    words = [f"%batch {op.cli_name}"]
    for name, value in named.items():
        option = op.member(name).cli_name
        words.append(option if value is True else f"{option} {_shown(value)}")
    return " ".join(words)


def _literal(node):
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return "..."
    return ast.literal_eval(node)


def _shown(value) -> str:
    if value == "...":
        return "..."
    if isinstance(value, (dict, list)):
        import json

        return shlex.quote(json.dumps(value))
    return shlex.quote(str(value))
