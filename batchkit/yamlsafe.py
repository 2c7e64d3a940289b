"""YAML from files and cells, parsed without letting aliases multiply it.

An alias shares the node its anchor names, so a few hundred bytes of nested
aliases (``b: &b [*a, *a, ...]``, nine levels deep) stand for 10**9 values:
cheap to hold, ruinous to walk or print (a validator quoting the value, a
repr, json.dumps).  `load` composes the document first (libyaml's C composer
when PyYAML has it), counts what its aliases would add, and refuses past
`MAX_ALIAS_NODES` before any Python value is built.
"""

from __future__ import annotations

import yaml

MAX_ALIAS_NODES = 1_000_000  # values aliases may add to a document: ample for shared defaults
MAX_DEPTH = 500  # nested collections; deeper ones exhausted the recursion of whatever walks them next
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # PyYAML without libyaml has the pure-Python one


class Refused(yaml.YAMLError):
    """YAML that is well-formed but would be too large (or endless) once its aliases are expanded."""


def load(text: str | bytes):
    """`yaml.safe_load(text)`, but `Refused` for alias bombs, recursive aliases and absurd nesting."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if ("*" if isinstance(text, str) else b"*") in text:  # an alias is spelled with one
            sizes: dict = {}  # id(node) -> its size expanded; one entry per distinct node
            added = _expanded(node, sizes) - len(sizes)
            if added > MAX_ALIAS_NODES:
                raise Refused(f"its aliases expand to {added:,} more values (at most {MAX_ALIAS_NODES:,})")
        elif _deeper_than(node, MAX_DEPTH):  # without aliases, only the nesting is left to bound (~10x faster)
            raise RecursionError
        return loader.construct_document(node)
    except RecursionError:
        raise Refused("it nests too deeply") from None
    except ValueError as exc:  # a constructor's: an integer of more than 4300 digits, a bad date
        raise Refused(str(exc).splitlines()[0]) from None
    finally:
        loader.dispose()


def _deeper_than(node, most: int) -> bool:
    """Whether collections nest more than `most` deep under `node` (a tree: no aliases), without recursion."""
    level, deepest = [node], 1
    while level:
        level = [child for parent in level for child in _children(parent)
                 if type(child) is not yaml.ScalarNode]
        if level:
            deepest += 1
            if deepest > most:
                return True
    return False


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _expanded(node, sizes: dict) -> int:
    """How many nodes `node` stands for with every alias expanded; each distinct node is visited once."""
    size = sizes.get(id(node))
    if size == -1:
        raise Refused("an alias refers to a node that contains it")
    if size is None:
        sizes[id(node)] = -1  # being counted: meeting it again below is a cycle
        size = 1
        for child in _children(node):
            size += _expanded(child, sizes)
        sizes[id(node)] = size
    return size
