//! Masking sensitive fields by role. A value that a reader may not see in full leaves the store
//! as [`Shown::Masked`] (identifiers keep their ends: `110105********002X`, `138****5678`;
//! code-list values are hidden) or [`Shown::Withheld`]; the clear value never reaches the
//! caller. [`Masker`] applies an [`Access`]'s column of the field matrix to values and to raw
//! register columns (classified by header, with every long digit run masked as a catch-all).

use crate::access::{Access, FieldClass, Visibility};
use gongrong_domain::IdNumber;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A sensitive value as one reader may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown<T> {
    Clear(T),
    /// Partly shown (identifiers) or empty (code-list values); the reader may reveal it.
    Masked(String),
    /// Not for this reader, and not revealable.
    Withheld,
}

impl<T> Shown<T> {
    pub fn clear(&self) -> Option<&T> {
        match self {
            Shown::Clear(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_clear(&self) -> bool {
        matches!(self, Shown::Clear(_))
    }

    /// The text to show: the clear value through `show`, the masked text, or `hidden` when
    /// nothing may be shown.
    pub fn display(&self, show: impl FnOnce(&T) -> String, hidden: &str) -> String {
        match self {
            Shown::Clear(v) => show(v),
            Shown::Masked(s) if !s.is_empty() => s.clone(),
            Shown::Masked(_) | Shown::Withheld => hidden.to_owned(),
        }
    }
}

/// JSON: a clear value as itself, `{"masked": "…"}`, or `{"withheld": true}`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Repr<T> {
    Masked { masked: String },
    Withheld { withheld: bool },
    Clear(T),
}

impl<T: Serialize> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Clear(v) => v.serialize(s),
            Shown::Masked(m) => Repr::<()>::Masked { masked: m.clone() }.serialize(s),
            Shown::Withheld => Repr::<()>::Withheld { withheld: true }.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shown<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Repr::<T>::deserialize(d)? {
            Repr::Masked { masked } => Shown::Masked(masked),
            Repr::Withheld { .. } => Shown::Withheld,
            Repr::Clear(v) => Shown::Clear(v),
        })
    }
}

/// An access's view of the field matrix, applied to values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Masker {
    visibility: [Visibility; 5],
}

impl Masker {
    pub fn new(access: &Access) -> Masker {
        Masker {
            visibility: FieldClass::ALL.map(|c| access.visibility(c)),
        }
    }

    pub fn visibility(&self, class: FieldClass) -> Visibility {
        let i = FieldClass::ALL
            .iter()
            .position(|c| *c == class)
            .unwrap_or_default();
        self.visibility
            .get(i)
            .copied()
            .unwrap_or(Visibility::Withheld)
    }

    /// Any value of `class`, with its masked text computed only when needed.
    pub fn value<T>(&self, class: FieldClass, v: T, masked: impl FnOnce(&T) -> String) -> Shown<T> {
        match self.visibility(class) {
            Visibility::Clear => Shown::Clear(v),
            Visibility::Masked => Shown::Masked(masked(&v)),
            Visibility::Withheld => Shown::Withheld,
        }
    }

    pub fn id_number(&self, id: IdNumber) -> Shown<IdNumber> {
        self.value(FieldClass::IdNumber, id, IdNumber::masked)
    }

    /// An ID number as written (possibly malformed).
    pub fn id_text(&self, id: String) -> Shown<String> {
        self.value(FieldClass::IdNumber, id, |s| mask_digits(s))
    }

    /// A code-list value (health, disability): hidden whole when masked, presence included.
    pub fn code<T>(&self, class: FieldClass, v: T) -> Shown<T> {
        self.value(class, v, |_| String::new())
    }

    /// A free-text identifier (phone, bank account).
    pub fn text(&self, class: FieldClass, v: Option<String>) -> Shown<Option<String>> {
        self.value(class, v, |v| {
            v.as_deref().map(mask_digits).unwrap_or_default()
        })
    }

    /// One raw register column: classified by its header; in any column, runs of seven or
    /// more digits are masked unless the reader sees identifiers in the clear.
    pub fn raw(&self, header: &str, value: String) -> Shown<String> {
        if let Some(class) = classify_header(header) {
            return match class {
                FieldClass::IdNumber | FieldClass::Phone | FieldClass::BankAccount => {
                    self.value(class, value, |v| mask_digits(v))
                }
                FieldClass::Health | FieldClass::Disability => self.code(class, value),
            };
        }
        let sees_numbers = [
            FieldClass::IdNumber,
            FieldClass::Phone,
            FieldClass::BankAccount,
        ]
        .iter()
        .all(|c| self.visibility(*c) == Visibility::Clear);
        if sees_numbers || !has_identifier_run(&value) {
            Shown::Clear(value)
        } else {
            Shown::Masked(mask_digits(&value))
        }
    }
}

/// The field class of a raw register column, by its header (the headers of every bundled layout
/// are covered; a district's own layout with other headers is still caught by the digit-run
/// rule for identifiers, but its health and disability columns need a keyword here).
pub fn classify_header(header: &str) -> Option<FieldClass> {
    const RULES: &[(&[&str], FieldClass)] = &[
        (&["残疾"], FieldClass::Disability),
        (&["健康", "疾病", "病种", "自理"], FieldClass::Health),
        (
            &["银行", "账号", "帐号", "卡号", "账户"],
            FieldClass::BankAccount,
        ),
        (&["电话", "手机", "联系方式"], FieldClass::Phone),
        (&["证件", "身份证", "身份号码"], FieldClass::IdNumber),
    ];
    let h = header.trim();
    RULES
        .iter()
        .find(|(words, _)| words.iter().any(|w| h.contains(w)))
        .map(|(_, class)| *class)
}

fn has_identifier_run(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            run += 1;
            if run >= 7 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Masks identifier-like values in text: every run of seven or more digits (ID numbers, phone
/// numbers, bank accounts) keeps only its ends; ID numbers are masked as [`IdNumber::masked`].
pub fn mask_digits(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_ascii_digit() {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|&d| d.is_ascii_digit() || (matches!(d, 'X' | 'x') && i > start))
            {
                i += 1;
            }
            let run: String = chars.get(start..i).unwrap_or_default().iter().collect();
            out.push_str(&mask_run(&run));
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn mask_run(run: &str) -> String {
    if run.len() < 7 {
        return run.to_owned();
    }
    if let Ok(id) = IdNumber::parse(run) {
        return id.masked();
    }
    // A trailing X only belongs to an 18-character ID number; elsewhere it is ordinary text.
    let n = run.len();
    let (head, tail) = if n >= 11 { (3, 4) } else { (2, 2) };
    format!(
        "{}{}{}",
        run.get(..head).unwrap_or_default(),
        "*".repeat(n - head - tail),
        run.get(n - tail..).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_identifier_runs() {
        assert_eq!(mask_digits("11010519491231002X"), "110105********002X");
        assert_eq!(mask_digits("电话 13812345678"), "电话 138****5678");
        assert_eq!(mask_digits("2021-01-01"), "2021-01-01");
        assert_eq!(mask_digits("1500.00"), "1500.00");
        assert_eq!(mask_digits("6228480012345678901"), "622************8901");
        assert_eq!(mask_digits("张三"), "张三");
    }

    #[test]
    fn headers_are_classified() {
        assert_eq!(classify_header("证件号码"), Some(FieldClass::IdNumber));
        assert_eq!(classify_header("身份证号码"), Some(FieldClass::IdNumber));
        assert_eq!(classify_header("联系电话"), Some(FieldClass::Phone));
        assert_eq!(classify_header("银行账号"), Some(FieldClass::BankAccount));
        assert_eq!(classify_header("健康状况"), Some(FieldClass::Health));
        assert_eq!(classify_header("自理能力"), Some(FieldClass::Health));
        assert_eq!(classify_header("残疾等级"), Some(FieldClass::Disability));
        assert_eq!(classify_header("姓名"), None);
    }

    #[test]
    fn shown_serialises_explicitly() {
        let clear: Shown<Option<u8>> = Shown::Clear(None);
        assert_eq!(serde_json::to_string(&clear).unwrap(), "null");
        let masked: Shown<String> = Shown::Masked("138****5678".into());
        let json = serde_json::to_string(&masked).unwrap();
        assert_eq!(json, r#"{"masked":"138****5678"}"#);
        assert_eq!(
            serde_json::from_str::<Shown<String>>(&json).unwrap(),
            masked
        );
        let withheld: Shown<String> = Shown::Withheld;
        let json = serde_json::to_string(&withheld).unwrap();
        assert_eq!(json, r#"{"withheld":true}"#);
        assert_eq!(
            serde_json::from_str::<Shown<String>>(&json).unwrap(),
            withheld
        );
        assert_eq!(
            serde_json::from_str::<Shown<String>>(r#""x""#).unwrap(),
            Shown::Clear("x".into())
        );
    }
}
