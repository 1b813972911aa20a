//! The value types of the rules language and their arithmetic.
//!
//! Every number is an `i64` with a fixed scale, so that both evaluation paths (one household here,
//! a population as columns elsewhere) compute bit-identical results:
//!
//! | type      | raw `i64` holds         | example            |
//! |-----------|-------------------------|--------------------|
//! | `money`   | fen (分, 1/100 yuan)    | 800 yuan = 80000   |
//! | `integer` | the integer             | 3                  |
//! | `ratio`   | millionths (ppm)        | 1.5 = 1500000      |
//!
//! **Rounding rule** (one rule for every operation that cannot be exact): the exact rational result
//! is rounded to the result's scale *half away from zero* (0.5 fen → 1 fen, −0.5 fen → −1 fen).
//! Division by zero yields zero (a household without members has a per-capita income of 0, and
//! formulas guard eligibility with a member count).

use chrono::NaiveDate;
use gongrong_domain::Money;
use serde::Serialize;
use std::fmt;

/// Millionths per unit of a `ratio`.
pub const RATIO_SCALE: i64 = 1_000_000;

/// Index of an enum declared in the catalogue (`policies/enums.toml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EnumId(pub u16);

/// The static type of an expression or variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    Money,
    Integer,
    Ratio,
    Bool,
    Date,
    Enum(EnumId),
}

impl Type {
    pub fn is_numeric(self) -> bool {
        matches!(self, Type::Money | Type::Integer | Type::Ratio)
    }

    /// Decimal digits after the point of the raw representation (money counts in fen, so 0).
    pub fn scale_digits(self) -> u32 {
        match self {
            Type::Ratio => 6,
            _ => 0,
        }
    }

    /// The value a numeric type starts from (sums over no members, `max` over no members).
    pub fn zero(self) -> Value {
        match self {
            Type::Money => Value::Money(Money::ZERO),
            Type::Integer => Value::Int(0),
            Type::Ratio => Value::Ratio(Ratio(0)),
            Type::Bool => Value::Bool(false),
            Type::Date => Value::Date(NaiveDate::MIN),
            Type::Enum(e) => Value::Enum(e, 0),
        }
    }
}

/// A fixed-point ratio in millionths: `Ratio(1_500_000)` is 1.5.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Ratio(pub i64);

impl Ratio {
    pub const ONE: Ratio = Ratio(RATIO_SCALE);

    /// Parses `1.5`, `0.25`, `-2`, `15%` (at most 6 decimals).
    pub fn parse(s: &str) -> Option<Ratio> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            return Ratio::parse(p).map(|r| Ratio(round_div(i128::from(r.0), 100)));
        }
        let (neg, digits) = match s.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, s),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 6
        {
            return None;
        }
        let whole: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let mut f = 0i64;
        for (i, b) in frac.bytes().enumerate() {
            f += i64::from(b - b'0') * 10i64.pow(5 - i as u32);
        }
        let v = whole.checked_mul(RATIO_SCALE)?.checked_add(f)?;
        Some(Ratio(if neg { -v } else { v }))
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let whole = a / RATIO_SCALE as u64;
        let frac = a % RATIO_SCALE as u64;
        if frac == 0 {
            return write!(f, "{sign}{whole}");
        }
        let digits = format!("{frac:06}");
        write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// A runtime value. `Copy` and 16 bytes: evaluation stores values in one flat vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Money(Money),
    Int(i64),
    Ratio(Ratio),
    Bool(bool),
    Date(NaiveDate),
    /// An enum value: the enum and the variant's index in its declaration.
    Enum(EnumId, u16),
}

/// JSON form (in the AST's serialisation): `{"type": …, "raw": …}`.
impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Value", 2)?;
        st.serialize_field("type", &self.ty())?;
        st.serialize_field("raw", &self.raw())?;
        st.end()
    }
}

impl Value {
    pub fn ty(self) -> Type {
        match self {
            Value::Money(_) => Type::Money,
            Value::Int(_) => Type::Integer,
            Value::Ratio(_) => Type::Ratio,
            Value::Bool(_) => Type::Bool,
            Value::Date(_) => Type::Date,
            Value::Enum(e, _) => Type::Enum(e),
        }
    }

    /// The raw `i64` of a numeric value (fen, integer, millionths), the variant index of an enum,
    /// 0/1 for a bool, days since 1970-01-01 for a date.
    pub fn raw(self) -> i64 {
        match self {
            Value::Money(m) => m.fen(),
            Value::Int(i) => i,
            Value::Ratio(r) => r.0,
            Value::Bool(b) => i64::from(b),
            Value::Date(d) => days_since_epoch(d),
            Value::Enum(_, v) => i64::from(v),
        }
    }

    /// Builds a value of type `ty` from its raw `i64` (the inverse of [`Value::raw`]).
    pub fn from_raw(ty: Type, raw: i64) -> Value {
        match ty {
            Type::Money => Value::Money(Money::from_fen(raw)),
            Type::Integer => Value::Int(raw),
            Type::Ratio => Value::Ratio(Ratio(raw)),
            Type::Bool => Value::Bool(raw != 0),
            Type::Date => Value::Date(date_from_days(raw)),
            Type::Enum(e) => Value::Enum(e, u16::try_from(raw).unwrap_or(0)),
        }
    }

    pub fn as_bool(self) -> bool {
        matches!(self, Value::Bool(true))
    }

    pub fn as_money(self) -> Money {
        match self {
            Value::Money(m) => m,
            _ => Money::ZERO,
        }
    }
}

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Days since 1970-01-01 (Arrow's `Date32`).
pub fn days_since_epoch(d: NaiveDate) -> i64 {
    (d - EPOCH).num_days()
}

pub fn date_from_days(days: i64) -> NaiveDate {
    EPOCH
        .checked_add_signed(chrono::Duration::days(days))
        .unwrap_or(NaiveDate::MIN)
}

/// Arithmetic operators of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// The result type of `lhs op rhs`, or `None` if the combination is not allowed.
///
/// | op      | allowed operands → result |
/// |---------|---------------------------|
/// | `+ -`   | money∘money → money, integer∘integer → integer, ratio∘ratio → ratio |
/// | `*`     | money×integer, integer×money → money (exact); money×ratio, ratio×money → money (rounded); integer×integer → integer; integer×ratio, ratio×integer, ratio×ratio → ratio |
/// | `/`     | money÷integer, money÷ratio → money (rounded); money÷money → ratio; integer÷integer, integer÷ratio, ratio÷integer, ratio÷ratio → ratio (rounded) |
///
/// Mixed integer/ratio in `+ -` is allowed by the type checker, which first converts the
/// integer to a ratio (an explicit `IntToRatio` node in the AST).
pub fn arith_result(op: ArithOp, l: Type, r: Type) -> Option<Type> {
    use Type::*;
    match op {
        ArithOp::Add | ArithOp::Sub => match (l, r) {
            (Money, Money) => Some(Money),
            (Integer, Integer) => Some(Integer),
            (Ratio, Ratio) => Some(Ratio),
            _ => None,
        },
        ArithOp::Mul => match (l, r) {
            (Money, Integer | Ratio) | (Integer | Ratio, Money) => Some(Money),
            (Integer, Integer) => Some(Integer),
            (Integer | Ratio, Integer | Ratio) => Some(Ratio),
            _ => None,
        },
        ArithOp::Div => match (l, r) {
            (Money, Integer | Ratio) => Some(Money),
            (Money, Money) => Some(Ratio),
            (Integer | Ratio, Integer | Ratio) => Some(Ratio),
            _ => None,
        },
    }
}

/// Divides `n / d` rounding half away from zero; `d == 0` gives 0.
pub fn round_div(n: i128, d: i128) -> i64 {
    if d == 0 {
        return 0;
    }
    let q = n / d;
    let r = n % d;
    let adj = if 2 * r.abs() >= d.abs() {
        n.signum() * d.signum()
    } else {
        0
    };
    clamp_i64(q + adj)
}

fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

fn pow10(digits: u32) -> i128 {
    10i128.pow(digits)
}

/// Applies `op` to raw values `a: l` and `b: r` giving a raw value of type `out`
/// (`out = arith_result(op, l, r)`), by the rounding rule of this module.
///
/// Implementation: with scales `sa`, `sb`, `so` (0 or 6 decimal digits),
/// `a*b` is exact at scale `sa+sb` and is rescaled to `so`; `a/b` is computed as
/// `a * 10^(so - sa + sb) / b` rounded.
pub fn arith(op: ArithOp, l: Type, a: i64, r: Type, b: i64, out: Type) -> i64 {
    let (sa, sb, so) = (l.scale_digits(), r.scale_digits(), out.scale_digits());
    let (a, b) = (i128::from(a), i128::from(b));
    match op {
        ArithOp::Add => clamp_i64(a + b),
        ArithOp::Sub => clamp_i64(a - b),
        ArithOp::Mul => {
            let p = a * b;
            let s = sa + sb;
            if s >= so {
                round_div(p, pow10(s - so))
            } else {
                clamp_i64(p * pow10(so - s))
            }
        }
        ArithOp::Div => {
            // exponent = so - sa + sb, always ≥ 0 for the allowed combinations
            let e = (so + sb).saturating_sub(sa);
            round_div(a * pow10(e), b)
        }
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn apply(self, a: i64, b: i64) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(fen: i64) -> i64 {
        fen
    }

    #[test]
    fn money_times_ratio_rounds_half_away_from_zero() {
        // 800 yuan × 1.3 = 1040 yuan exactly
        let r = Ratio::parse("1.3").unwrap().0;
        assert_eq!(
            arith(
                ArithOp::Mul,
                Type::Money,
                m(80_000),
                Type::Ratio,
                r,
                Type::Money
            ),
            104_000
        );
        // 0.05 yuan × 0.5 = 2.5 fen → 3 fen; negative → −3
        let half = Ratio::parse("0.5").unwrap().0;
        assert_eq!(
            arith(ArithOp::Mul, Type::Money, 5, Type::Ratio, half, Type::Money),
            3
        );
        assert_eq!(
            arith(
                ArithOp::Mul,
                Type::Money,
                -5,
                Type::Ratio,
                half,
                Type::Money
            ),
            -3
        );
    }

    #[test]
    fn money_divisions() {
        // 900 yuan / 3 = 300 yuan; 100 fen / 3 = 33 fen; 200 fen / 3 = 67 fen
        let d = |a, b| arith(ArithOp::Div, Type::Money, a, Type::Integer, b, Type::Money);
        assert_eq!(d(90_000, 3), 30_000);
        assert_eq!(d(100, 3), 33);
        assert_eq!(d(200, 3), 67);
        assert_eq!(d(100, 0), 0);
        // money / money → ratio
        assert_eq!(
            arith(
                ArithOp::Div,
                Type::Money,
                150,
                Type::Money,
                100,
                Type::Ratio
            ),
            1_500_000
        );
        // money / ratio → money: 100 yuan / 0.5 = 200 yuan
        assert_eq!(
            arith(
                ArithOp::Div,
                Type::Money,
                10_000,
                Type::Ratio,
                500_000,
                Type::Money
            ),
            20_000
        );
        // integer / integer → ratio: 2/3 = 0.666667
        assert_eq!(
            arith(
                ArithOp::Div,
                Type::Integer,
                2,
                Type::Integer,
                3,
                Type::Ratio
            ),
            666_667
        );
        // ratio × ratio: 1.5 × 1.5 = 2.25
        assert_eq!(
            arith(
                ArithOp::Mul,
                Type::Ratio,
                1_500_000,
                Type::Ratio,
                1_500_000,
                Type::Ratio
            ),
            2_250_000
        );
        // integer × ratio = ratio exactly
        assert_eq!(
            arith(
                ArithOp::Mul,
                Type::Integer,
                3,
                Type::Ratio,
                1_500_000,
                Type::Ratio
            ),
            4_500_000
        );
    }

    #[test]
    fn ratio_parse_and_display() {
        assert_eq!(Ratio::parse("1.5"), Some(Ratio(1_500_000)));
        assert_eq!(Ratio::parse("15%"), Some(Ratio(150_000)));
        assert_eq!(Ratio::parse("-0.25"), Some(Ratio(-250_000)));
        assert_eq!(Ratio::parse("0.1234567"), None);
        assert_eq!(Ratio::parse("x"), None);
        assert_eq!(Ratio(1_500_000).to_string(), "1.5");
        assert_eq!(Ratio(2_000_000).to_string(), "2");
        assert_eq!(Ratio(-50_000).to_string(), "-0.05");
    }

    #[test]
    fn raw_round_trips() {
        let d = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        for v in [
            Value::Money(Money::from_fen(-5)),
            Value::Int(7),
            Value::Ratio(Ratio(3)),
            Value::Bool(true),
            Value::Date(d),
            Value::Enum(EnumId(2), 3),
        ] {
            assert_eq!(Value::from_raw(v.ty(), v.raw()), v);
        }
        assert_eq!(days_since_epoch(EPOCH), 0);
    }
}
