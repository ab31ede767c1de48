"""A contextual lexer for the `.graft` grammar, faster than lark's own.

lark's contextual lexer runs one regex per token and one per skipped run of whitespace, with
bookkeeping in between; on a 10,000-line file that was half the parse time. This one builds a
single regex from the grammar's terminals (so `grammar/graft.lark` stays the only definition),
and makes keywords contextual the way lark does: a word is a keyword only where the parser can
accept that keyword, so `record`, `map` or `error` remain usable as names elsewhere.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from typing import Any

from lark import Token, UnexpectedCharacters
from lark.common import LexerConf
from lark.lexer import Lexer, LexerState, PatternStr
from lark.parsers.lalr_analysis import Shift

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SPACE = r"[ \t\f\r\n]*"

# `graftc fmt` keeps plain comments; the lexer hands them here while a parse that wants them runs.
COMMENT_SINK: contextvars.ContextVar[list[Token] | None] = contextvars.ContextVar(
    "graft_comment_sink", default=None
)


def _shifts(states: Any, stack: list[int], terminal: str) -> bool:
    """Whether the parser would shift `terminal` after the reductions it triggers.

    LALR merges states, so the state after `@since("1.0")` is shared by every context where
    annotations occur and lists both `module` and a name as acceptable. Simulating the
    reductions on a copy of the state stack (states only, no callbacks) settles which one the
    current context really takes.
    """
    stack = list(stack)
    while True:
        action = states[stack[-1]].get(terminal)
        if action is None:
            return False
        kind, arg = action
        if kind is Shift:
            return True
        size = len(arg.expansion)
        if size:
            del stack[-size:]
        stack.append(states[stack[-1]][arg.origin.name][1])


MAX_NESTING = 100
"""Brackets open at once. Deeper input is refused here, in the lexer, because the printer, the
checker and the JSON encoder recurse once per level and must not hit Python's recursion limit."""


class TooDeep(UnexpectedCharacters):
    """Raised at the bracket that opens one level more than MAX_NESTING."""


class GraftLexer(Lexer):
    __future_interface__ = 2  # lark: lex(lexer_state, parser_state), no wrapping

    def __init__(self, conf: LexerConf) -> None:
        literals: dict[str, str] = {}
        patterns = []
        for t in conf.terminals:
            if isinstance(t.pattern, PatternStr):
                literals[t.pattern.value] = t.name
            else:
                patterns.append(t)
        self.keywords = {v: name for v, name in literals.items() if _WORD.match(v)}
        punctuation = sorted((v for v in literals if v not in self.keywords), key=len, reverse=True)
        # Higher priority first (BYTES before NAME, FLOAT before INT); regexes before punctuation
        # so that `//` is a comment, not two slashes. Python's `sorted` keeps grammar order else.
        patterns = sorted(patterns, key=lambda t: -t.priority)
        # Whitespace is skipped by a prefix of every match rather than as tokens of its own,
        # which halves the number of regex matches and loop iterations.
        patterns = [t for t in patterns if not re.fullmatch(t.pattern.to_regexp(), " ")]
        alternatives = [f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in patterns]
        alternatives += [f"(?P<{literals[v]}>{re.escape(v)})" for v in punctuation]
        self.regex = re.compile(_SPACE + "(?:" + "|".join(alternatives) + ")")
        self.space = re.compile(_SPACE)
        self.ignore = frozenset(conf.ignore)
        self.openers = frozenset(literals[v] for v in "<[{(" if v in literals)
        self.closers = frozenset(literals[v] for v in ">]})" if v in literals)
        self.terminals = [t.name for t in conf.terminals]

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Iterator[Token]:
        source = lexer_state.text
        text: str = source.text
        pos: int = source.start
        end: int = source.end
        line = 1 + text.count("\n", 0, pos)
        line_start = text.rfind("\n", 0, pos) + 1
        match = self.regex.match
        ignore = self.ignore
        keywords = self.keywords
        states = parser_state.parse_conf.states
        sink = COMMENT_SINK.get()
        openers, closers = self.openers, self.closers
        depth = 0
        while pos < end:
            m = match(text, pos)
            if m is None:
                # _SPACE can match the empty string, so match() never returns None here
                pos = self.space.match(text, pos).end()  # type: ignore[union-attr]
                if pos >= end:
                    return
                line = 1 + text.count("\n", 0, pos)
                line_start = text.rfind("\n", 0, pos) + 1
                raise UnexpectedCharacters(  # type: ignore[no-untyped-call]
                    text, pos, line, pos - line_start + 1, state=parser_state
                )
            kind = m.lastgroup
            assert kind is not None
            start = m.start(kind)
            if start != pos:
                newlines = text.count("\n", pos, start)
                if newlines:
                    line += newlines
                    line_start = text.rfind("\n", pos, start) + 1
            value = m.group(kind)
            new_pos = m.end()
            if kind in ignore:
                newlines = value.count("\n")
                if sink is not None:
                    end_line = line + newlines
                    last_nl = value.rfind("\n")
                    end_col = (len(value) - last_nl) if newlines else new_pos - line_start + 1
                    sink.append(
                        Token(
                            kind,
                            value,
                            start,
                            line,
                            start - line_start + 1,
                            end_line,
                            end_col,
                            new_pos,
                        )
                    )
                if newlines:
                    line += newlines
                    line_start = start + value.rfind("\n") + 1
                pos = new_pos
                continue
            if kind == "NAME":
                keyword = keywords.get(value)
                if keyword is not None:
                    accepts = states[parser_state.position]
                    keyword_ok = keyword in accepts
                    if keyword_ok and "NAME" in accepts:
                        keyword_ok = _shifts(states, parser_state.state_stack, keyword)
                    if keyword_ok or "NAME" not in accepts:
                        kind = keyword
            column = start - line_start + 1
            if kind in openers:
                depth += 1
                if depth > MAX_NESTING:
                    raise TooDeep(text, start, line, column, state=parser_state)  # type: ignore[no-untyped-call]
            elif kind in closers:
                depth -= 1
            token = Token(kind, value, start, line, column, line, column + len(value), new_pos)
            lexer_state.last_token = token
            pos = new_pos
            yield token
