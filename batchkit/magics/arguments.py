"""AWS CLI syntax for every catalog operation: options and value types from botocore's model.

`parse(op, argv)` reads what the AWS CLI reads: ``--job-name x``, structures
and maps as JSON or the CLI's shorthand (``size=10``, ``jobId=a,type=N_TO_N``,
parsed by awscli's own shorthand parser), repeated list values, ``file://``
values, ``--cli-input-json``/``--cli-input-yaml`` and, for paginated
operations, ``--max-items``/``--starting-token``.  It returns boto3 keyword
arguments; mistakes raise `ArgumentError` with one line and a suggestion.
"""

from __future__ import annotations

import argparse
import json
from functools import cache
from pathlib import Path


from .. import catalog, yamlsafe

SCALARS = {"string": str, "integer": int, "long": int, "float": float, "double": float, "timestamp": str}
IGNORED_GLOBALS = ("--output", "--query", "--color")  # AWS CLI display options: a DataFrame needs none
INPUT_OPTIONS = ("--cli-input-json", "--cli-input-yaml")


class ArgumentError(ValueError):
    """A command line the operation cannot take; the message is one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise ArgumentError(message)


def parse(op: catalog.Operation, argv: list[str], variables: dict | None = None, base: dict | None = None) -> dict:
    """boto3 keyword arguments for `op` from AWS CLI arguments (PaginationConfig included).

    `base` is a request to start from (a %%batch cell's body); options override it.
    """
    parser = _parser(op.name)
    _check_options(op, argv)
    args, rest = parser.parse_known_args(argv)
    if rest:
        raise ArgumentError(f"{op.cli_name}: unexpected {' '.join(rest)}")
    request = {**(base or {}), **_cli_input(args, variables or {})}
    for member in op.members:
        value = getattr(args, member.name, None)
        if value is not None:
            request[member.name] = convert(member, value)
    missing = [m.cli_name for m in op.members if m.required and m.name not in request]
    if missing:
        raise ArgumentError(f"{op.cli_name}: missing required {', '.join(missing)}")
    paging = {k: v for k, v in (("MaxItems", args.max_items), ("StartingToken", args.starting_token)) if v is not None}
    if paging:
        request["PaginationConfig"] = paging
    return request


def _check_options(op: catalog.Operation, argv: list[str]) -> None:
    """Unknown options fail with the closest valid one (argparse would accept prefixes)."""
    known = options(op)
    for word in argv:
        if word.startswith("--"):
            name = word.split("=", 1)[0]
            if name not in known:
                raise ArgumentError(f"{op.cli_name} has no option {name}{catalog.suggest(name, known)}")


def options(op: catalog.Operation) -> list[str]:
    """Every option `op` takes, in the AWS CLI's spelling."""
    names = []
    for member in op.members:
        names.append(member.cli_name)
        if member.type == "boolean":
            names.append("--no-" + member.cli_name[2:])
    names += [*INPUT_OPTIONS, *IGNORED_GLOBALS]
    if op.paginator:
        names += ["--max-items", "--starting-token"]
    return names


@cache
def _parser(name: str) -> _Parser:
    op = catalog.operation(name)
    parser = _Parser(prog=op.cli_name, add_help=False, allow_abbrev=False)
    for member in op.members:
        dest = {"dest": member.name, "default": None}
        if member.type == "boolean":
            parser.add_argument(member.cli_name, action="store_true", **dest)
            parser.add_argument("--no-" + member.cli_name[2:], action="store_false", **dest)
        elif member.type == "list":
            parser.add_argument(member.cli_name, nargs="+", **dest)
        else:
            parser.add_argument(member.cli_name, **dest)
    for option in INPUT_OPTIONS + IGNORED_GLOBALS:
        parser.add_argument(option)
    parser.add_argument("--max-items", type=int)
    parser.add_argument("--starting-token")
    return parser


def convert(member: catalog.Member, value):
    """A member's value from the command line: typed scalars, JSON or shorthand structures."""
    if member.type == "list":
        return _list(member, value)
    if member.type in ("structure", "map"):
        return _structure_value(member, _text(value), member.shape)
    if member.type == "boolean":
        return value
    try:
        typed = SCALARS.get(member.type, str)(_text(value))
    except ValueError:
        raise ArgumentError(f"{member.cli_name}: {value!r} is not a valid {member.type}") from None
    if member.enum and typed not in member.enum:
        raise ArgumentError(f"{member.cli_name}: {typed!r} is not one of {' | '.join(member.enum)}"
                            f"{catalog.suggest(str(typed), member.enum)}")
    return typed


def _list(member: catalog.Member, values) -> list:
    values = values if isinstance(values, list) else [values]
    item = member.shape.member
    if len(values) == 1 and _text(values[0]).lstrip().startswith("["):
        return _json(member, _text(values[0]))
    if item.type_name in ("structure", "map"):
        return [_structure_value(member, _text(v), item) for v in values]
    cast = SCALARS.get(item.type_name, str)
    try:
        return [cast(_text(v)) for v in values]
    except ValueError:
        raise ArgumentError(f"{member.cli_name}: every value must be a {item.type_name}") from None


def _structure_value(member: catalog.Member, text: str, shape):
    if text.lstrip().startswith("{"):
        return _json(member, text)
    from awscli.shorthand import BackCompatVisitor, ShorthandParseError, ShorthandParser

    try:
        parsed = ShorthandParser().parse(text)
    except ShorthandParseError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ArgumentError(f"{member.cli_name}: neither JSON nor shorthand ({first})") from None
    BackCompatVisitor().visit(parsed, shape)  # the CLI's own typing of shorthand values
    return parsed


def _json(member: catalog.Member, text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArgumentError(f"{member.cli_name}: invalid JSON ({exc})") from None


def _text(value) -> str:
    """A value, with ``file://path`` replaced by the file's text as in the AWS CLI."""
    if isinstance(value, str) and value.startswith(("file://", "fileb://")):
        path = Path(value.split("://", 1)[1]).expanduser()
        try:
            return path.read_text()
        except OSError as exc:
            raise ArgumentError(f"cannot read {path}: {exc.strerror}") from None
    return value


def _cli_input(args, variables: dict) -> dict:
    """--cli-input-json / --cli-input-yaml: a literal, a file:// path or a variable's name."""
    import yaml

    for option, kind in (("cli_input_json", "JSON"), ("cli_input_yaml", "YAML")):
        given = getattr(args, option)
        if given is None:
            continue
        value = variables.get(given, given) if given.isidentifier() else _text(given)
        if isinstance(value, dict):
            return dict(value)
        try:
            data = json.loads(value) if kind == "JSON" else yamlsafe.load(value)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ArgumentError(f"--cli-input-{kind.lower()}: not valid {kind}: {str(exc).splitlines()[0]}") from None
        if not isinstance(data, dict):
            raise ArgumentError(f"--cli-input-{kind.lower()}: expected an object with the request's members")
        return data
    return {}


def help_text(op: catalog.Operation) -> str:
    """The operation's documentation and options, from the model."""
    lines = [f"%batch {op.cli_name}", "", op.documentation, "", "Options:"]
    for member in op.members:
        kind = member.type + (f" ({' | '.join(member.enum)})" if member.enum else "")
        flag = " [required]" if member.required else ""
        lines.append(f"  {member.cli_name} <{kind}>{flag}")
        if member.documentation:
            lines.append(f"      {member.documentation.split('. ')[0].rstrip('.')}.")
    lines.append("  --cli-input-json / --cli-input-yaml <request: literal, file://path or variable>")
    if op.paginator:
        lines.append("  --max-items <int>, --starting-token <token>")
    lines.append("  -o/--out NAME  store the DataFrame in NAME and show nothing")
    return "\n".join(lines)
