//! The surface syntax of formulas: what an analyst writes, parsed into an untyped tree with byte
//! spans. The type checker ([`crate::check`]) turns it into the typed [`crate::ast`].
//!
//! Grammar (lowest precedence first):
//!
//! ```text
//! expr    := 'if' expr 'then' expr 'else' expr
//!          | 'match' expr '{' arm (',' arm)* ','? '}'
//!          | or
//! arm     := pattern ('|' pattern)* '=>' expr  |  '_' '=>' expr
//! or      := and ('or' and)*
//! and     := not ('and' not)*
//! not     := 'not' not | cmp
//! cmp     := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum)?  |  sum 'not'? 'in' '[' expr (',' expr)* ']'
//! sum     := product (('+'|'-') product)*
//! product := unary (('*'|'/') unary)*
//! unary   := '-' unary | postfix
//! postfix := primary ('@' ident)?
//! primary := number ('yuan'|'fen'|'%')? | 'true' | 'false' | '(' expr ')'
//!          | ident '(' args ')'                 -- max, min, age_on, date, param(…), …
//!          | 'members' '.' ident '(' args ')'   -- sum, count, any, all, max, min
//!          | ident ('.' ident)*                  -- variable, household.x, period.start, enum variant
//! ```

mod lexer;
mod parser;

pub use lexer::{Tok, Token, lex};
pub use parser::parse;

use serde::Serialize;

/// A byte range in a formula's source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A unit written after a number literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Yuan,
    Fen,
    Percent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    /// Empty for the wildcard arm `_`.
    pub patterns: Vec<Expr>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Number {
        text: String,
        unit: Option<Unit>,
    },
    Bool(bool),
    /// A dotted path: `x`, `household.x`, `period.start`, `dibao.standard` inside `param(…)`.
    Path(Vec<Name>),
    /// `x@last_year`.
    At {
        target: Box<Expr>,
        offset: Name,
    },
    Call {
        func: Name,
        args: Vec<Expr>,
    },
    /// `members.sum(expr)` and friends.
    Members {
        method: Name,
        args: Vec<Expr>,
    },
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    In {
        needle: Box<Expr>,
        set: Vec<Expr>,
        negated: bool,
    },
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<Arm>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// A syntax error at a span of the formula.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}
