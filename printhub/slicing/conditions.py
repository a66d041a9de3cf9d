"""PrusaSlicer's ``compatible_printers_condition`` language: the subset the vendor bundles use.

An expression such as ``nozzle_diameter[0]!=0.6 and printer_notes=~/.*PRINTER_MODEL_MK3.*/``
is evaluated against a preset's flat config (option name -> value as written in the ini).

Grammar, loosest first::

    or      := and (("or" | "||") and)*
    and     := not (("and" | "&&") not)*
    not     := ("not" | "!") not | compare
    compare := operand [("==" | "!=" | "<>" | "<" | ">" | "<=" | ">=") operand
                        | ("=~" | "!~") /regex/]
    operand := number | "string" | true | false | name ["[" index "]"] | "(" or ")"

Like PrusaSlicer, ``=~`` matches the whole string (``regex_match``) and ``.`` also matches a
newline (printer notes span several lines). ``not`` binds looser than a comparison here, as in
Python; the bundles always parenthesise what follows ``!``, so both readings agree on them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from printhub.slicing.errors import ConditionError

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"'}


def unescape(raw: str) -> str:
    """Undo PrusaSlicer's C-style escaping of a string value (``\\n`` -> newline)."""
    if "\\" not in raw:
        return raw
    out = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i + 1 < len(raw):
            out.append(_ESCAPES.get(raw[i + 1], raw[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_values(raw: str) -> list[str]:
    """The elements of a vector option: ``0.4,0.4`` or ``"a";"b"`` (quotes and escapes undone)."""
    raw = raw.strip()
    if not raw:
        return []
    if '"' in raw:
        items, current, quoted, i = [], [], False, 0
        while i < len(raw):
            c = raw[i]
            if quoted and c == "\\" and i + 1 < len(raw):
                current.append(_ESCAPES.get(raw[i + 1], raw[i + 1]))
                i += 2
                continue
            if c == '"':
                quoted = not quoted
            elif c == ";" and not quoted:
                items.append("".join(current).strip())
                current = []
            else:
                current.append(c)
            i += 1
        items.append("".join(current).strip())
        return items
    separator = ";" if ";" in raw else ","
    return [item.strip() for item in raw.split(separator)]


# ---------------------------------------------------------------------------------- tokens

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<op>==|!=|<>|<=|>=|=~|!~|&&|\|\||[<>!()\[\]])
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
    """,
    re.VERBOSE,
)

_KEYWORDS = {"and": "&&", "or": "||", "not": "!"}


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "string", "regex", "op", "name", "end"
    text: str
    position: int


def _tokenize(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(expression):
        # A regex literal may follow =~ / !~ only; it runs to the next unescaped slash.
        if tokens and tokens[-1].kind == "op" and tokens[-1].text in ("=~", "!~"):
            j = i
            while j < len(expression) and expression[j].isspace():
                j += 1
            if j >= len(expression) or expression[j] != "/":
                raise ConditionError("expected /regex/ after " + tokens[-1].text, expression, j)
            k = j + 1
            while k < len(expression) and expression[k] != "/":
                k += 2 if expression[k] == "\\" else 1
            if k >= len(expression):
                raise ConditionError("unterminated /regex/", expression, j)
            tokens.append(_Token("regex", expression[j + 1 : k], j))
            i = k + 1
            continue
        match = _TOKEN_RE.match(expression, i)
        if match is None:
            raise ConditionError(f"unexpected character {expression[i]!r}", expression, i)
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "name" and text in _KEYWORDS:
            kind, text = "op", _KEYWORDS[text]
        if kind != "space":
            tokens.append(_Token(kind, text, i))
        i = match.end()
    tokens.append(_Token("end", "", len(expression)))
    return tokens


# ----------------------------------------------------------------------------------- tree
# A compiled condition is a tree of closures: env -> value. Values are bool, float, or _Raw
# (a config value not yet typed: PrusaSlicer knows each option's type, we infer it from use).


@dataclass(frozen=True)
class _Raw:
    name: str
    text: str


_Value = bool | float | str | _Raw
_Node = Callable[[Mapping[str, str]], _Value]


def _as_bool(value: _Value, expression: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, _Raw):
        text = value.text.strip().lower()
        if text in ("1", "true"):
            return True
        if text in ("0", "false", ""):
            return False
        try:
            return float(text) != 0.0
        except ValueError:
            raise ConditionError(
                f"option {value.name!r} = {value.text!r} is not a boolean", expression
            ) from None
    if isinstance(value, float):
        return value != 0.0
    raise ConditionError(f"string {value!r} used as a boolean", expression)


def _as_number(value: _Value, expression: str) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, _Raw):
        try:
            return float(value.text)
        except ValueError:
            raise ConditionError(
                f"option {value.name!r} = {value.text!r} is not a number", expression
            ) from None
    raise ConditionError(f"cannot compare string {value!r} with a number", expression)


def _as_string(value: _Value, expression: str) -> str:
    if isinstance(value, _Raw):
        return unescape(value.text)
    if isinstance(value, str):
        return value
    raise ConditionError(f"expected a string, got {value!r}", expression)


def _compare(op: str, left: _Value, right: _Value, expression: str) -> bool:
    numeric = isinstance(left, float | bool) or isinstance(right, float | bool)
    if not numeric and isinstance(left, _Raw) and isinstance(right, _Raw):
        # Two options: numbers when both read as numbers, strings otherwise.
        try:
            float(left.text), float(right.text)
            numeric = True
        except ValueError:
            numeric = False
    if numeric:
        a, b = _as_number(left, expression), _as_number(right, expression)
    else:
        a, b = _as_string(left, expression), _as_string(right, expression)  # type: ignore[assignment]
    if op == "==":
        return a == b
    if op in ("!=", "<>"):
        return a != b
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    return a >= b


class _Parser:
    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        if token.kind != "end":  # the end token stays, so that errors can point at it
            self.i += 1
        return token

    def fail(self, problem: str, token: _Token | None = None) -> ConditionError:
        token = token or self.peek()
        return ConditionError(problem, self.expression, token.position)

    def parse(self) -> _Node:
        if self.peek().kind == "end":
            return lambda env: True
        node = self.parse_or()
        if self.peek().kind != "end":
            raise self.fail(f"unexpected {self.peek().text!r}")
        return node

    def parse_or(self) -> _Node:
        nodes = [self.parse_and()]
        while self.peek().kind == "op" and self.peek().text == "||":
            self.take()
            nodes.append(self.parse_and())
        if len(nodes) == 1:
            return nodes[0]
        expression = self.expression
        return lambda env: any(_as_bool(n(env), expression) for n in nodes)

    def parse_and(self) -> _Node:
        nodes = [self.parse_not()]
        while self.peek().kind == "op" and self.peek().text == "&&":
            self.take()
            nodes.append(self.parse_not())
        if len(nodes) == 1:
            return nodes[0]
        expression = self.expression
        return lambda env: all(_as_bool(n(env), expression) for n in nodes)

    def parse_not(self) -> _Node:
        if self.peek().kind == "op" and self.peek().text == "!":
            self.take()
            inner = self.parse_not()
            expression = self.expression
            return lambda env: not _as_bool(inner(env), expression)
        return self.parse_compare()

    def parse_compare(self) -> _Node:
        left = self.parse_operand()
        token = self.peek()
        if token.kind != "op":
            return left
        expression = self.expression
        if token.text in ("=~", "!~"):
            self.take()
            regex_token = self.take()
            try:
                pattern = re.compile(regex_token.text, re.DOTALL)
            except re.error as err:
                raise self.fail(f"invalid regex ({err})", regex_token) from None
            negate = token.text == "!~"

            def match(env: Mapping[str, str]) -> bool:
                found = pattern.fullmatch(_as_string(left(env), expression)) is not None
                return found != negate

            return match
        if token.text in ("==", "!=", "<>", "<", ">", "<=", ">="):
            self.take()
            right = self.parse_operand()
            op = token.text
            return lambda env: _compare(op, left(env), right(env), expression)
        return left

    def parse_operand(self) -> _Node:
        token = self.take()
        if token.kind == "number":
            number = float(token.text)
            return lambda env: number
        if token.kind == "string":
            text = unescape(token.text[1:-1])
            return lambda env: text
        if token.kind == "op" and token.text == "(":
            inner = self.parse_or()
            if self.take().text != ")":
                raise self.fail("missing ')'")
            return inner
        if token.kind == "name":
            if token.text in ("true", "false"):
                constant = token.text == "true"
                return lambda env: constant
            return self.parse_variable(token)
        raise self.fail(
            "expected a value" if token.kind == "end" else f"unexpected {token.text!r}", token
        )

    def parse_variable(self, token: _Token) -> _Node:
        name = token.text
        index: int | None = None
        if self.peek().kind == "op" and self.peek().text == "[":
            self.take()
            index_token = self.take()
            if index_token.kind != "number" or not index_token.text.isdigit():
                raise self.fail("index must be a whole number", index_token)
            index = int(index_token.text)
            if self.take().text != "]":
                raise self.fail("missing ']'")
        expression = self.expression

        def lookup(env: Mapping[str, str]) -> _Raw:
            if name not in env:
                raise ConditionError(f"unknown option {name!r}", expression, token.position)
            raw = env[name]
            if index is None:
                return _Raw(name, raw)
            values = split_values(raw)
            if index >= len(values):
                raise ConditionError(
                    f"{name}[{index}] is out of range ({len(values)} values)",
                    expression,
                    token.position,
                )
            return _Raw(f"{name}[{index}]", values[index])

        return lookup


@functools.lru_cache(maxsize=4096)
def compile_condition(expression: str) -> Callable[[Mapping[str, str]], bool]:
    """Parse a condition once; the result evaluates it against a flat config."""
    node = _Parser(expression).parse()

    def evaluate(env: Mapping[str, str]) -> bool:
        return _as_bool(node(env), expression)

    return evaluate


def evaluate_condition(expression: str, config: Mapping[str, str]) -> bool:
    """True when ``config`` satisfies ``expression`` (an empty expression is always true)."""
    return compile_condition(expression.strip())(config)
