"""The grammar of LaTeX math that docgen reads: tokens (from `lexer.py`) -> a lark parse tree.

The grammar is LALR(1) (lark 1.3.1; built once, deterministic, linear time, no backtracking). It
fixes only what TeX itself fixes: groups, scripts, fractions, delimiters, environments, the
precedence of `+ -` over products, and `=`/`\\in` between expressions. A product is kept as a
flat list of factors with the operators written between them (or none: juxtaposition), because
what juxtaposition means (a product, a function applied, d or ∂ applied) depends on the declared
symbols and shapes: `resolve.py` decides that and reports each decision.
"""

from __future__ import annotations

from functools import lru_cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput
from lark.lexer import Lexer

from ...model.errors import Location
from .lexer import NotRead, Tok

GRAMMAR = r"""
start: formula
formula: expr (rel expr)*
rel: EQ | IN

expr: signed (addop product)*
addop: PLUS | MINUS
signed: sign* product
sign: PLUS | MINUS
product: factor (mulpart)*
mulpart: MULOP sfactor      -> explicit
       | SLASH sfactor      -> divide
       | factor             -> juxt
sfactor: sign* factor
factor: atom suffix*
suffix: CARET script        -> sup
      | UNDER script        -> sub
      | PRIME               -> prime

script: LBRACE inner RBRACE | LETTER | NUM | GREEK | TOP | PRIME | DECOR dscript
dscript: LBRACE inner RBRACE | LETTER | NUM | GREEK
inner: exprlist             -> inner_list
     | expr EQ expr         -> inner_eq
     | MULOP expr           -> inner_op
     | PRIME+               -> inner_primes
     |                      -> inner_empty
exprlist: expr (COMMA expr)*

atom: LETTER                            -> letter
    | NUM                               -> number
    | GREEK                             -> greek
    | WORD                              -> word
    | FUNC                              -> func
    | DIFF                              -> diff
    | PARTIAL                           -> partial
    | TOP                               -> top
    | DOTS                              -> dots
    | SUM                               -> sumsym
    | TEXT                              -> text
    | DECOR dscript                     -> decor
    | LPAR exprlist RPAR                -> paren
    | LBRACK exprlist RBRACK            -> bracket
    | LBRACE expr RBRACE                -> group
    | LBRACE RBRACE                     -> empty_group
    | BAR_OPEN expr BAR_CLOSE           -> abs
    | NORM_OPEN expr NORM_CLOSE         -> norm
    | FRAC LBRACE expr RBRACE LBRACE expr RBRACE -> frac
    | SQRT LBRACE expr RBRACE           -> sqrt
    | BEGIN rows END                    -> env

rows: row (ROWSEP row)*
row: cell (AMP cell)*
cell: expr?

%declare LETTER NUM GREEK WORD FUNC DIFF PARTIAL TOP DOTS SUM TEXT DECOR LPAR RPAR LBRACK RBRACK
%declare LBRACE RBRACE BAR_OPEN BAR_CLOSE NORM_OPEN NORM_CLOSE FRAC SQRT BEGIN END ROWSEP AMP
%declare CARET UNDER PRIME MULOP SLASH PLUS MINUS EQ IN COMMA THEREFORE
"""


class _TokenStream(Lexer):
    """Feeds the reader's own tokens to lark (the text was already tokenized by `lexer.py`)."""

    def __init__(self, lexer_conf):  # noqa: ANN001
        pass

    def lex(self, data, *_):  # noqa: ANN001, ANN201
        for t in data:
            yield Token(t.type, t.value, start_pos=t.col, line=1, column=t.col + 1)


@lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer=_TokenStream, maybe_placeholders=False)


_WHAT = {"RPAR": "')'", "RBRACK": "']'", "RBRACE": "'}'", "END": "\\end", "BAR_CLOSE": "'|'",
         "NORM_CLOSE": "'\\|'", "EQ": "'='", "AMP": "'&'", "ROWSEP": "'\\\\'", "THEREFORE": "\\therefore",
         "COMMA": "','", "IN": "\\in", "DOTS": "dots", "TOP": "\\top", "CARET": "'^'", "UNDER": "'_'"}


def parse_tokens(tokens: list[Tok], text_len: int, loc: Location) -> Tree:
    """The parse tree of a tokenized formula. Raises NotRead at the first token that does not fit."""
    if not tokens:
        raise NotRead("empty formula", loc, 0)
    try:
        return parser().parse(tokens)
    except UnexpectedInput as exc:
        tok = getattr(exc, "token", None)
        if tok is None or tok.type == "$END":
            raise NotRead("the formula ends too early (an operand or a closing delimiter is missing)",
                          loc.shifted(text_len), text_len) from None
        col = tok.start_pos or 0
        what = _WHAT.get(tok.type, repr(str(tok.value)))
        raise NotRead(f"{what} is not expected here", loc.shifted(col), col) from None
