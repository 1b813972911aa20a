//! Tokens of the formula language. `#` starts a comment to the end of the line.

use super::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    /// A number as written (`800`, `1.5`), unit suffixes are separate identifiers.
    Number(String),
    Percent,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Dot,
    At,
    Pipe,
    FatArrow,
    Plus,
    Minus,
    Star,
    Slash,
    EqEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Eof,
}

impl Tok {
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Number(s) => format!("number {s}"),
            Tok::Eof => "end of formula".to_owned(),
            other => format!("`{}`", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::Percent => "%",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::At => "@",
            Tok::Pipe => "|",
            Tok::FatArrow => "=>",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::EqEq => "==",
            Tok::Ne => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::Ident(_) | Tok::Number(_) | Tok::Eof => "",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Splits `src` into tokens, or returns the offending character's span and a message.
pub fn lex(src: &str) -> Result<Vec<Token>, (Span, String)> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        let single = |t: Tok| (t, 1usize);
        let (tok, len) = if c.is_ascii_alphabetic() || c == b'_' {
            let mut j = i;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            (Tok::Ident(src[i..j].to_owned()), j - i)
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'_') {
                j += 1;
            }
            if j + 1 < bytes.len() && bytes[j] == b'.' && bytes[j + 1].is_ascii_digit() {
                j += 1;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
            }
            (Tok::Number(src[i..j].replace('_', "")), j - i)
        } else {
            let next = bytes.get(i + 1).copied();
            match (c, next) {
                (b'=', Some(b'=')) => (Tok::EqEq, 2),
                (b'=', Some(b'>')) => (Tok::FatArrow, 2),
                (b'!', Some(b'=')) => (Tok::Ne, 2),
                (b'<', Some(b'=')) => (Tok::Le, 2),
                (b'>', Some(b'=')) => (Tok::Ge, 2),
                (b'<', _) => single(Tok::Lt),
                (b'>', _) => single(Tok::Gt),
                (b'(', _) => single(Tok::LParen),
                (b')', _) => single(Tok::RParen),
                (b'[', _) => single(Tok::LBracket),
                (b']', _) => single(Tok::RBracket),
                (b'{', _) => single(Tok::LBrace),
                (b'}', _) => single(Tok::RBrace),
                (b',', _) => single(Tok::Comma),
                (b'.', _) => single(Tok::Dot),
                (b'@', _) => single(Tok::At),
                (b'|', _) => single(Tok::Pipe),
                (b'+', _) => single(Tok::Plus),
                (b'-', _) => single(Tok::Minus),
                (b'*', _) => single(Tok::Star),
                (b'/', _) => single(Tok::Slash),
                (b'%', _) => single(Tok::Percent),
                (b'=', _) => {
                    return Err((
                        Span::new(start, start + 1),
                        "`=` is not an operator here: compare with `==`".to_owned(),
                    ));
                }
                _ => {
                    let ch = src[i..].chars().next().unwrap_or('?');
                    return Err((
                        Span::new(start, start + ch.len_utf8()),
                        format!("unexpected character {ch:?} in formula"),
                    ));
                }
            }
        };
        i += len;
        out.push(Token {
            tok,
            span: Span::new(start, i),
        });
    }
    out.push(Token {
        tok: Tok::Eof,
        span: Span::new(src.len(), src.len()),
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_operators_numbers_and_comments() {
        let toks: Vec<Tok> = lex("a >= 1.5 # comment\n and b == 80_0 yuan")
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect();
        assert_eq!(
            toks,
            vec![
                Tok::Ident("a".into()),
                Tok::Ge,
                Tok::Number("1.5".into()),
                Tok::Ident("and".into()),
                Tok::Ident("b".into()),
                Tok::EqEq,
                Tok::Number("800".into()),
                Tok::Ident("yuan".into()),
                Tok::Eof
            ]
        );
        assert!(lex("a = b").is_err());
        assert!(lex("a ¥ b").is_err());
    }
}
