"""Parse tree -> AST: a lark `Transformer` that only builds nodes, with their spans."""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer, v_args

from ...diagnostics import Span, SpecError
from .. import ast as A

MAX_LITERAL_DIGITS = 100  # the checker bounds values further; this keeps int() cheap


def meta_span(file: str, meta: Any) -> Span:
    if getattr(meta, "empty", True):
        return Span(file, 0, 0, 0, 0)
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)


def tok_span(file: str, tok: Token) -> Span:
    line = tok.line or 1
    col = tok.column or 1
    return Span(file, line, col, tok.end_line or line, tok.end_column or col + 1)


def _block(x: Any) -> tuple[A.Stmt, ...]:
    return x if isinstance(x, tuple) else ()


@v_args(meta=True)
class ToAst(Transformer[Token, A.Spec]):
    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file

    def _s(self, meta: Any) -> Span:
        return meta_span(self.file, meta)

    # --- top level
    def start(self, meta: Any, ch: list[Any]) -> A.Spec:
        decls: list[A.Decl] = []
        for d in ch[1:]:
            decls.extend(d if isinstance(d, list) else [d])
        return A.Spec(str(ch[0]), tuple(decls), span=self._s(meta))

    def option_decl(self, meta: Any, ch: list[Any]) -> A.OptionDecl:
        return A.OptionDecl(str(ch[0]), ch[1], tuple(ch[2:]), span=self._s(meta))

    def opt_name(self, meta: Any, ch: list[Any]) -> str:
        return str(ch[0])

    def opt_int(self, meta: Any, ch: list[Any]) -> int:
        return self._small(meta, ch[0])

    def _small(self, meta: Any, digits: Token) -> int:
        if len(digits) > MAX_LITERAL_DIGITS:
            raise SpecError(self._s(meta),
                            f"integer literal with {len(digits)} digits is too large")
        return int(digits)

    def opt_true(self, meta: Any, ch: list[Any]) -> bool:
        return True

    def opt_false(self, meta: Any, ch: list[Any]) -> bool:
        return False

    def opt_negint(self, meta: Any, ch: list[Any]) -> int:
        return -self._small(meta, ch[0])

    def param_decl(self, meta: Any, ch: list[Any]) -> A.ParamDecl:
        return A.ParamDecl(str(ch[0]), ch[1], span=self._s(meta))

    def const_decl(self, meta: Any, ch: list[Any]) -> A.ConstDecl:
        return A.ConstDecl(str(ch[0]), ch[1], span=self._s(meta))

    def type_decl(self, meta: Any, ch: list[Any]) -> A.TypeDecl:
        return A.TypeDecl(str(ch[0]), ch[1], span=self._s(meta))

    def enum_decl(self, meta: Any, ch: list[Any]) -> A.EnumDecl:
        return A.EnumDecl(str(ch[0]), tuple(str(c) for c in ch[1:]), span=self._s(meta))

    def record_decl(self, meta: Any, ch: list[Any]) -> A.RecordDecl:
        return A.RecordDecl(str(ch[0]), tuple(ch[1:]), span=self._s(meta))

    def field(self, meta: Any, ch: list[Any]) -> A.FieldDecl:
        return A.FieldDecl(str(ch[0]), ch[1], span=self._s(meta))

    def var_decl(self, meta: Any, ch: list[Any]) -> A.VarDecl:
        return A.VarDecl(str(ch[0]), ch[1], ch[2] if len(ch) > 2 else None, span=self._s(meta))

    def init_any(self, meta: Any, ch: list[Any]) -> A.AnyInit:
        return A.AnyInit(span=self._s(meta))

    def init_list(self, meta: Any, ch: list[Any]) -> A.ListInit:
        return A.ListInit(tuple(ch), span=self._s(meta))

    const_list = init_list

    def lock_decl(self, meta: Any, ch: list[Any]) -> list[A.LockDecl]:
        return [A.LockDecl(str(t), span=tok_span(self.file, t)) for t in ch]

    def def_decl(self, meta: Any, ch: list[Any]) -> A.DefDecl:
        return A.DefDecl(str(ch[0]), ch[1] or (), ch[2], ch[3], span=self._s(meta))

    def params(self, meta: Any, ch: list[Any]) -> tuple[A.Param, ...]:
        return tuple(ch)

    def param(self, meta: Any, ch: list[Any]) -> A.Param:
        return A.Param(str(ch[0]), ch[1], span=self._s(meta))

    def procedure_decl(self, meta: Any, ch: list[Any]) -> A.ProcedureDecl:
        return A.ProcedureDecl(str(ch[0]), ch[1] or (), _block(ch[2]), span=self._s(meta))

    def process_decl(self, meta: Any, ch: list[Any]) -> A.ProcessDecl:
        return A.ProcessDecl(str(ch[0]), ch[1], _block(ch[2]), span=self._s(meta))

    def invariant_decl(self, meta: Any, ch: list[Any]) -> A.InvariantDecl:
        return A.InvariantDecl(str(ch[0]), ch[1], span=self._s(meta))

    def lemma_decl(self, meta: Any, ch: list[Any]) -> A.LemmaDecl:
        return A.LemmaDecl(str(ch[0]), ch[1], span=self._s(meta))

    def cover_decl(self, meta: Any, ch: list[Any]) -> A.CoverDecl:
        return A.CoverDecl(str(ch[0]), ch[1], span=self._s(meta))

    def assume_decl(self, meta: Any, ch: list[Any]) -> A.AssumeDecl:
        return A.AssumeDecl(ch[0], span=self._s(meta))

    def depth_decl(self, meta: Any, ch: list[Any]) -> A.DepthDecl:
        return A.DepthDecl(self._small(meta, ch[0]), span=self._s(meta))

    def deadlock_decl(self, meta: Any, ch: list[Any]) -> A.DeadlockDecl:
        return A.DeadlockDecl(span=self._s(meta))

    def expect_decl(self, meta: Any, ch: list[Any]) -> A.ExpectDecl:
        verdict, up_to, bound, prop, when = ch
        if up_to is not None and str(verdict) != "holds":
            raise SpecError(self._s(meta), "only 'holds' can be bounded: 'expect holds up to K'")
        return A.ExpectDecl(str(verdict), str(prop) if prop is not None else None, when,
                            self._small(meta, bound) if bound is not None else None,
                            span=self._s(meta))

    # --- types
    def bool_type(self, meta: Any, ch: list[Any]) -> A.BoolTypeExpr:
        return A.BoolTypeExpr(span=self._s(meta))

    def int_type(self, meta: Any, ch: list[Any]) -> A.IntTypeExpr:
        return A.IntTypeExpr(span=self._s(meta))

    def range_type(self, meta: Any, ch: list[Any]) -> A.RangeTypeExpr:
        return A.RangeTypeExpr(ch[0], ch[1], span=self._s(meta))

    def named_type(self, meta: Any, ch: list[Any]) -> A.NamedTypeExpr:
        return A.NamedTypeExpr(str(ch[0]), span=self._s(meta))

    def array_type(self, meta: Any, ch: list[Any]) -> A.ArrayTypeExpr:
        return A.ArrayTypeExpr(ch[0], ch[1], span=self._s(meta))

    # --- statements
    def block(self, meta: Any, ch: list[Any]) -> tuple[A.Stmt, ...]:
        return tuple(c for c in ch if c is not None)

    def labelled(self, meta: Any, ch: list[Any]) -> A.Labelled:
        return A.Labelled(str(ch[0]), ch[1], span=self._s(meta))

    def empty_stmt(self, meta: Any, ch: list[Any]) -> None:
        return None

    def assign(self, meta: Any, ch: list[Any]) -> A.Assign:
        return A.Assign(ch[0], ch[1], span=self._s(meta))

    def await_stmt(self, meta: Any, ch: list[Any]) -> A.Await:
        return A.Await(ch[0], span=self._s(meta))

    def assume_stmt(self, meta: Any, ch: list[Any]) -> A.AssumeStmt:
        return A.AssumeStmt(ch[0], span=self._s(meta))

    def assert_stmt(self, meta: Any, ch: list[Any]) -> A.Assert:
        return A.Assert(ch[0], span=self._s(meta))

    def named_assert_stmt(self, meta: Any, ch: list[Any]) -> A.Assert:
        return A.Assert(ch[1], str(ch[0]), span=self._s(meta))

    def skip_stmt(self, meta: Any, ch: list[Any]) -> A.Skip:
        return A.Skip(span=self._s(meta))

    def if_stmt(self, meta: Any, ch: list[Any]) -> A.If:
        else_ = ch[2]
        if isinstance(else_, A.If):
            else_ = (else_,)
        return A.If(ch[0], _block(ch[1]), _block(else_), span=self._s(meta))

    def while_stmt(self, meta: Any, ch: list[Any]) -> A.While:
        return A.While(ch[0], _block(ch[1]), span=self._s(meta))

    def for_stmt(self, meta: Any, ch: list[Any]) -> A.For:
        return A.For(str(ch[0]), ch[1], ch[2], _block(ch[3]), span=self._s(meta))

    def either_stmt(self, meta: Any, ch: list[Any]) -> A.Either:
        return A.Either(tuple(_block(c) for c in ch), span=self._s(meta))

    def choose_stmt(self, meta: Any, ch: list[Any]) -> A.Choose:
        return A.Choose(ch[0], ch[1], span=self._s(meta))

    def with_stmt(self, meta: Any, ch: list[Any]) -> A.With:
        return A.With(str(ch[0]), _block(ch[1]), span=self._s(meta))

    def acquire_stmt(self, meta: Any, ch: list[Any]) -> A.Acquire:
        return A.Acquire(str(ch[0]), span=self._s(meta))

    def release_stmt(self, meta: Any, ch: list[Any]) -> A.Release:
        return A.Release(str(ch[0]), span=self._s(meta))

    def atomic_stmt(self, meta: Any, ch: list[Any]) -> A.Atomic:
        return A.Atomic(_block(ch[0]), span=self._s(meta))

    def call_stmt(self, meta: Any, ch: list[Any]) -> A.CallStmt:
        return A.CallStmt(str(ch[0]), ch[1] or (), span=self._s(meta))

    def return_stmt(self, meta: Any, ch: list[Any]) -> A.Return:
        return A.Return(span=self._s(meta))

    def break_stmt(self, meta: Any, ch: list[Any]) -> A.Break:
        return A.Break(span=self._s(meta))

    def local_decl(self, meta: Any, ch: list[Any]) -> A.LocalVar:
        return A.LocalVar(str(ch[0]), ch[1], ch[2] if len(ch) > 2 else None, span=self._s(meta))

    # --- domains and lvalues
    def range_domain(self, meta: Any, ch: list[Any]) -> A.RangeDomain:
        return A.RangeDomain(ch[0], ch[1], span=self._s(meta))

    def set_domain(self, meta: Any, ch: list[Any]) -> A.SetDomain:
        return A.SetDomain(tuple(ch), span=self._s(meta))

    def type_domain(self, meta: Any, ch: list[Any]) -> A.TypeDomain:
        return A.TypeDomain(str(ch[0]), span=self._s(meta))

    def lv_name(self, meta: Any, ch: list[Any]) -> A.NameRef:
        return A.NameRef(str(ch[0]), span=self._s(meta))

    def lv_index(self, meta: Any, ch: list[Any]) -> A.Index:
        return A.Index(ch[0], ch[1], span=self._s(meta))

    def lv_field(self, meta: Any, ch: list[Any]) -> A.FieldAccess:
        return A.FieldAccess(ch[0], str(ch[1]), span=self._s(meta))

    def args(self, meta: Any, ch: list[Any]) -> tuple[A.Expr, ...]:
        return tuple(ch)

    # --- expressions
    def ite(self, meta: Any, ch: list[Any]) -> A.Ite:
        return A.Ite(ch[0], ch[1], ch[2], span=self._s(meta))

    def forall(self, meta: Any, ch: list[Any]) -> A.Quant:
        return A.Quant("forall", str(ch[0]), ch[1], ch[2], span=self._s(meta))

    def exists(self, meta: Any, ch: list[Any]) -> A.Quant:
        return A.Quant("exists", str(ch[0]), ch[1], ch[2], span=self._s(meta))

    def _binary_chain(self, meta: Any, ch: list[Any], op: str | None) -> A.Expr:
        # ch alternates operand, [operator token,] operand ...
        out: A.Expr = ch[0]
        i = 1
        while i < len(ch):
            if isinstance(ch[i], Token) and op is None:
                o, rhs = str(ch[i]), ch[i + 1]
                i += 2
            else:
                o, rhs = op or "?", ch[i]
                i += 1
            out = A.Binary(o, out, rhs, span=self._s(meta))
        return out

    def iff(self, meta: Any, ch: list[Any]) -> A.Expr:
        return self._binary_chain(meta, ch, "<->")

    def implies(self, meta: Any, ch: list[Any]) -> A.Expr:
        return self._binary_chain(meta, ch, "->")

    def or_(self, meta: Any, ch: list[Any]) -> A.Expr:
        return self._binary_chain(meta, ch, "||")

    def and_(self, meta: Any, ch: list[Any]) -> A.Expr:
        return self._binary_chain(meta, ch, "&&")

    def cmp(self, meta: Any, ch: list[Any]) -> A.Expr:
        return self._binary_chain(meta, ch, None)

    def sum(self, meta: Any, ch: list[Any]) -> A.Expr:
        return self._binary_chain(meta, ch, None)

    def prod(self, meta: Any, ch: list[Any]) -> A.Expr:
        return self._binary_chain(meta, ch, None)

    def not_(self, meta: Any, ch: list[Any]) -> A.Unary:
        return A.Unary("!", ch[0], span=self._s(meta))

    def neg(self, meta: Any, ch: list[Any]) -> A.Expr:
        if isinstance(ch[0], A.IntLit):
            return A.IntLit(-ch[0].value, span=self._s(meta))
        return A.Unary("-", ch[0], span=self._s(meta))

    def member(self, meta: Any, ch: list[Any]) -> A.Member:
        return A.Member(ch[0], ch[1], span=self._s(meta))

    def index(self, meta: Any, ch: list[Any]) -> A.Index:
        return A.Index(ch[0], ch[1], span=self._s(meta))

    def field_access(self, meta: Any, ch: list[Any]) -> A.FieldAccess:
        return A.FieldAccess(ch[0], str(ch[1]), span=self._s(meta))

    def int_lit(self, meta: Any, ch: list[Any]) -> A.IntLit:
        return A.IntLit(self._small(meta, ch[0]), span=self._s(meta))

    def true_lit(self, meta: Any, ch: list[Any]) -> A.BoolLit:
        return A.BoolLit(True, span=self._s(meta))

    def false_lit(self, meta: Any, ch: list[Any]) -> A.BoolLit:
        return A.BoolLit(False, span=self._s(meta))

    def self_ref(self, meta: Any, ch: list[Any]) -> A.SelfRef:
        return A.SelfRef(span=self._s(meta))

    def name_ref(self, meta: Any, ch: list[Any]) -> A.NameRef:
        return A.NameRef(str(ch[0]), span=self._s(meta))

    def call_expr(self, meta: Any, ch: list[Any]) -> A.CallExpr:
        return A.CallExpr(str(ch[0]), ch[1] or (), span=self._s(meta))

    def record_lit(self, meta: Any, ch: list[Any]) -> A.RecordLit:
        return A.RecordLit(tuple(ch), span=self._s(meta))

    def field_init(self, meta: Any, ch: list[Any]) -> tuple[str, A.Expr]:
        return (str(ch[0]), ch[1])
