//! A hand-written recursive-descent parser for the grammar in [`super`].

use super::lexer::{Tok, Token, lex};
use super::{Arm, BinaryOp, Expr, ExprKind, Name, Span, SyntaxError, Unit};

/// Nesting deeper than this is refused (formulas are short; this keeps the parser's stack bounded).
const MAX_DEPTH: u32 = 64;

/// Parses one formula.
pub fn parse(src: &str) -> Result<Expr, SyntaxError> {
    let tokens = lex(src).map_err(|(span, message)| SyntaxError { span, message })?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let e = p.expr()?;
    if p.peek() != &Tok::Eof {
        return Err(p.error(format!(
            "expected an operator or the end of the formula, found {}",
            p.peek().describe()
        )));
    }
    Ok(e)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: u32,
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "match", "and", "or", "not", "in", "true", "false",
];

impl Parser {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.pos).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn span(&self) -> Span {
        self.tokens
            .get(self.pos)
            .or_else(|| self.tokens.last())
            .map_or_else(Span::default, |t| t.span)
    }

    fn prev_span(&self) -> Span {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or_else(Span::default, |t| t.span)
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens.get(self.pos).cloned().unwrap_or(Token {
            tok: Tok::Eof,
            span: self.span(),
        });
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn error(&self, message: String) -> SyntaxError {
        SyntaxError {
            span: self.span(),
            message,
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == kw)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SyntaxError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.error(format!("expected `{kw}`, found {}", self.peek().describe())))
        }
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<Span, SyntaxError> {
        if *self.peek() == tok {
            Ok(self.bump().span)
        } else {
            Err(self.error(format!("expected {what}, found {}", self.peek().describe())))
        }
    }

    fn ident(&mut self, what: &str) -> Result<Name, SyntaxError> {
        match self.peek().clone() {
            Tok::Ident(text) if !KEYWORDS.contains(&text.as_str()) => {
                let span = self.bump().span;
                Ok(Name { text, span })
            }
            other => Err(self.error(format!("expected {what}, found {}", other.describe()))),
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("formula is nested too deeply".to_owned()));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let r = self.expr_inner();
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.span();
        if self.eat_kw("if") {
            let cond = self.expr()?;
            self.expect_kw("then")?;
            let then = self.expr()?;
            self.expect_kw("else")?;
            let otherwise = self.expr()?;
            let span = start.to(otherwise.span);
            return Ok(Expr {
                kind: ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                },
                span,
            });
        }
        if self.eat_kw("match") {
            let scrutinee = self.or()?;
            self.expect(Tok::LBrace, "`{` after the value to match")?;
            let mut arms = Vec::new();
            while *self.peek() != Tok::RBrace {
                arms.push(self.arm()?);
                if *self.peek() == Tok::Comma {
                    self.bump();
                } else if *self.peek() != Tok::RBrace {
                    return Err(self.error(format!(
                        "expected `,` or `}}` after a match arm, found {}",
                        self.peek().describe()
                    )));
                }
            }
            let end = self.bump().span;
            if arms.is_empty() {
                return Err(SyntaxError {
                    span: start.to(end),
                    message: "a match needs at least one arm".to_owned(),
                });
            }
            return Ok(Expr {
                kind: ExprKind::Match {
                    scrutinee: Box::new(scrutinee),
                    arms,
                },
                span: start.to(end),
            });
        }
        self.or()
    }

    fn arm(&mut self) -> Result<Arm, SyntaxError> {
        let start = self.span();
        let mut patterns = Vec::new();
        if matches!(self.peek(), Tok::Ident(s) if s == "_") {
            self.bump();
        } else {
            loop {
                patterns.push(self.unary()?);
                if *self.peek() == Tok::Pipe {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        self.expect(Tok::FatArrow, "`=>` after the pattern")?;
        let body = self.expr()?;
        let span = start.to(body.span);
        Ok(Arm {
            patterns,
            body,
            span,
        })
    }

    fn binary(lhs: Expr, op: BinaryOp, rhs: Expr) -> Expr {
        let span = lhs.span.to(rhs.span);
        Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        }
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut e = self.and()?;
        while self.eat_kw("or") {
            let r = self.and()?;
            e = Self::binary(e, BinaryOp::Or, r);
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut e = self.not()?;
        while self.eat_kw("and") {
            let r = self.not()?;
            e = Self::binary(e, BinaryOp::And, r);
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.span();
        if self.is_kw("not") {
            self.bump();
            self.enter()?;
            let e = self.not();
            self.depth -= 1;
            let e = e?;
            let span = start.to(e.span);
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(e)),
                span,
            });
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, SyntaxError> {
        let lhs = self.sum()?;
        let op = match self.peek() {
            Tok::EqEq => Some(BinaryOp::Eq),
            Tok::Ne => Some(BinaryOp::Ne),
            Tok::Lt => Some(BinaryOp::Lt),
            Tok::Le => Some(BinaryOp::Le),
            Tok::Gt => Some(BinaryOp::Gt),
            Tok::Ge => Some(BinaryOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            let rhs = self.sum()?;
            if matches!(
                self.peek(),
                Tok::EqEq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
            ) {
                return Err(
                    self.error("comparisons do not chain: write `a < b and b < c`".to_owned())
                );
            }
            return Ok(Self::binary(lhs, op, rhs));
        }
        let negated = if self.is_kw("not")
            && matches!(self.tokens.get(self.pos + 1).map(|t| &t.tok), Some(Tok::Ident(s)) if s == "in")
        {
            self.bump();
            true
        } else {
            false
        };
        if self.eat_kw("in") {
            self.expect(Tok::LBracket, "`[` after `in`")?;
            let mut set = Vec::new();
            while *self.peek() != Tok::RBracket {
                set.push(self.sum()?);
                if *self.peek() == Tok::Comma {
                    self.bump();
                } else if *self.peek() != Tok::RBracket {
                    return Err(self.error(format!(
                        "expected `,` or `]` in the list, found {}",
                        self.peek().describe()
                    )));
                }
            }
            let end = self.bump().span;
            let span = lhs.span.to(end);
            return Ok(Expr {
                kind: ExprKind::In {
                    needle: Box::new(lhs),
                    set,
                    negated,
                },
                span,
            });
        }
        Ok(lhs)
    }

    fn sum(&mut self) -> Result<Expr, SyntaxError> {
        let mut e = self.product()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinaryOp::Add,
                Tok::Minus => BinaryOp::Sub,
                _ => return Ok(e),
            };
            self.bump();
            let r = self.product()?;
            e = Self::binary(e, op, r);
        }
    }

    fn product(&mut self) -> Result<Expr, SyntaxError> {
        let mut e = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinaryOp::Mul,
                Tok::Slash => BinaryOp::Div,
                _ => return Ok(e),
            };
            self.bump();
            let r = self.unary()?;
            e = Self::binary(e, op, r);
        }
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.span();
        if *self.peek() == Tok::Minus {
            self.bump();
            self.enter()?;
            let e = self.unary();
            self.depth -= 1;
            let e = e?;
            let span = start.to(e.span);
            return Ok(Expr {
                kind: ExprKind::Neg(Box::new(e)),
                span,
            });
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Expr, SyntaxError> {
        let e = self.primary()?;
        if *self.peek() == Tok::At {
            self.bump();
            let offset = self.ident("a period offset such as `last_year`")?;
            let span = e.span.to(offset.span);
            return Ok(Expr {
                kind: ExprKind::At {
                    target: Box::new(e),
                    offset,
                },
                span,
            });
        }
        Ok(e)
    }

    fn args(&mut self) -> Result<(Vec<Expr>, Span), SyntaxError> {
        self.expect(Tok::LParen, "`(`")?;
        let mut args = Vec::new();
        while *self.peek() != Tok::RParen {
            args.push(self.expr()?);
            if *self.peek() == Tok::Comma {
                self.bump();
            } else if *self.peek() != Tok::RParen {
                return Err(self.error(format!(
                    "expected `,` or `)` between arguments, found {}",
                    self.peek().describe()
                )));
            }
        }
        let end = self.bump().span;
        Ok((args, end))
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.span();
        match self.peek().clone() {
            Tok::Number(text) => {
                self.bump();
                let unit = match self.peek() {
                    Tok::Ident(u) if u == "yuan" => Some(Unit::Yuan),
                    Tok::Ident(u) if u == "fen" => Some(Unit::Fen),
                    Tok::Percent => Some(Unit::Percent),
                    _ => None,
                };
                if unit.is_some() {
                    self.bump();
                }
                Ok(Expr {
                    kind: ExprKind::Number { text, unit },
                    span: start.to(self.prev_span()),
                })
            }
            Tok::LParen => {
                self.bump();
                let e = self.expr()?;
                let end = self.expect(Tok::RParen, "`)`")?;
                Ok(Expr {
                    kind: e.kind,
                    span: start.to(end),
                })
            }
            // `if` and `match` may stand where a value is expected (`x * match …`); an `if`
            // reaches as far right as it can.
            Tok::Ident(s) if s == "if" || s == "match" => self.expr(),
            Tok::Ident(s) if s == "true" || s == "false" => {
                self.bump();
                Ok(Expr {
                    kind: ExprKind::Bool(s == "true"),
                    span: start,
                })
            }
            Tok::Ident(s) if KEYWORDS.contains(&s.as_str()) => {
                Err(self.error(format!("expected a value, found `{s}`")))
            }
            Tok::Ident(_) => {
                let first = self.ident("a name")?;
                if *self.peek() == Tok::LParen {
                    let (args, end) = self.args()?;
                    return Ok(Expr {
                        kind: ExprKind::Call { func: first, args },
                        span: start.to(end),
                    });
                }
                if first.text == "members" && *self.peek() == Tok::Dot {
                    self.bump();
                    let method = self.ident("an aggregation (sum, count, any, all, max, min)")?;
                    if *self.peek() != Tok::LParen {
                        return Err(self.error(format!(
                            "`members.{}` needs parentheses: `members.{}(…)`",
                            method.text, method.text
                        )));
                    }
                    let (args, end) = self.args()?;
                    return Ok(Expr {
                        kind: ExprKind::Members { method, args },
                        span: start.to(end),
                    });
                }
                let mut path = vec![first];
                while *self.peek() == Tok::Dot {
                    self.bump();
                    path.push(self.ident("a name after `.`")?);
                }
                let span = start.to(self.prev_span());
                Ok(Expr {
                    kind: ExprKind::Path(path),
                    span,
                })
            }
            other => Err(self.error(format!("expected a value, found {}", other.describe()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Number { text, unit } => format!("{text}{unit:?}"),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Path(p) => p
                .iter()
                .map(|n| n.text.as_str())
                .collect::<Vec<_>>()
                .join("."),
            ExprKind::At { target, offset } => format!("{}@{}", show(target), offset.text),
            ExprKind::Call { func, args } => format!(
                "{}({})",
                func.text,
                args.iter().map(show).collect::<Vec<_>>().join(",")
            ),
            ExprKind::Members { method, args } => format!(
                "members.{}({})",
                method.text,
                args.iter().map(show).collect::<Vec<_>>().join(",")
            ),
            ExprKind::Neg(e) => format!("-{}", show(e)),
            ExprKind::Not(e) => format!("!{}", show(e)),
            ExprKind::Binary { op, lhs, rhs } => format!("({} {op:?} {})", show(lhs), show(rhs)),
            ExprKind::In {
                needle,
                set,
                negated,
            } => format!(
                "({} {}in [{}])",
                show(needle),
                if *negated { "not " } else { "" },
                set.iter().map(show).collect::<Vec<_>>().join(",")
            ),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => format!(
                "if {} then {} else {}",
                show(cond),
                show(then),
                show(otherwise)
            ),
            ExprKind::Match { scrutinee, arms } => format!(
                "match {} {{{}}}",
                show(scrutinee),
                arms.iter()
                    .map(|a| format!(
                        "{}=>{}",
                        if a.patterns.is_empty() {
                            "_".to_owned()
                        } else {
                            a.patterns.iter().map(show).collect::<Vec<_>>().join("|")
                        },
                        show(&a.body)
                    ))
                    .collect::<Vec<_>>()
                    .join(";")
            ),
        }
    }

    #[test]
    fn precedence_and_forms() {
        let e = parse("a + b * c >= 800 yuan and not d or e").unwrap();
        assert_eq!(
            show(&e),
            "((((a Add (b Mul c)) Ge 800Some(Yuan)) And !d) Or e)"
        );
        let e = parse("if x@last_year > 0 yuan then members.sum(y) else max(1, 2)").unwrap();
        assert_eq!(
            show(&e),
            "if (x@last_year Gt 0Some(Yuan)) then members.sum(y) else max(1None,2None)"
        );
        let e = parse("match level { fully_lost => 1, partially_lost | x => 2, _ => 0 }").unwrap();
        assert_eq!(
            show(&e),
            "match level {fully_lost=>1None;partially_lost|x=>2None;_=>0None}"
        );
        let e = parse("grade not in [1, 2] and param(dibao.standard) > 10%").unwrap();
        assert_eq!(
            show(&e),
            "((grade not in [1None,2None]) And (param(dibao.standard) Gt 10Some(Percent)))"
        );
    }

    #[test]
    fn errors_point_at_the_token() {
        let err = parse("a + ").unwrap_err();
        assert_eq!(err.span.start, 4);
        assert!(err.message.contains("expected a value"));
        let err = parse("a < b < c").unwrap_err();
        assert!(err.message.contains("do not chain"));
        let err = parse("if a then b").unwrap_err();
        assert!(err.message.contains("`else`"));
        let err = parse("members.sum").unwrap_err();
        assert!(err.message.contains("parentheses"));
        let deep = "(".repeat(100) + "1" + &")".repeat(100);
        assert!(parse(&deep).is_err());
    }
}
