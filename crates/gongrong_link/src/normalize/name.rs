//! Name normalisation: the comparison key and the pinyin keys of a written name.
//!
//! Key: Unicode NFKC (full-width → half-width, compatibility ideographs and Kangxi radicals → unified
//! ideographs), traditional → simplified and variant → standard ideographs ([`super::tables`]), Latin
//! letters lower-cased; dropped: spaces, the separators of minority names (`·` `.` `•` `・` `‧` `-` …, or
//! none at all: all spellings give one key), digits, other punctuation and bracketed remarks such as
//! `（已故）`.
//!
//! Pinyin: toneless, syllables concatenated, `ü` written `v`; the surname (one character, or two for a
//! compound surname 复姓) uses its surname reading (单 shan, 解 xie, 曾 zeng, 尉迟 yuchi …).

use super::tables::{COMPOUND_SURNAMES, SURNAME_READINGS, simplify};
use pinyin::ToPinyin;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// A normalised name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedName {
    /// The comparison key (simplified ideographs, no separators or spaces).
    pub key: String,
    /// Number of characters of `key` that form the surname (0 for an empty key).
    pub surname_chars: usize,
    /// Toneless pinyin of the whole name.
    pub pinyin: String,
    /// Toneless pinyin of the surname, with the surname reading.
    pub surname_pinyin: String,
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        '·' | '•'
            | '.'
            | '・'
            | '‧'
            | '∙'
            | '⋅'
            | '●'
            | '。'
            | '-'
            | '_'
            | '—'
            | '–'
            | '‐'
            | ','
            | '、'
            | '/'
            | '\''
            | '`'
    )
}

/// The comparison key of a name.
pub fn name_key(raw: &str) -> String {
    let mut key = String::with_capacity(raw.len());
    // Fast path: only unified ideographs (NFKC leaves them alone).
    if raw.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)) {
        key.extend(raw.chars().map(simplify));
        return key;
    }
    let mut depth = 0u32;
    for c in raw.nfkc() {
        match c {
            '(' | '[' | '【' | '〔' | '<' | '《' => depth += 1,
            ')' | ']' | '】' | '〕' | '>' | '》' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || is_separator(c) || c.is_ascii_digit() => {}
            c if c.is_ascii_alphabetic() => key.push(c.to_ascii_lowercase()),
            c if c.is_alphabetic() => key.push(simplify(c)),
            _ => {}
        }
    }
    key
}

static READINGS: LazyLock<FxHashMap<&'static str, &'static str>> =
    LazyLock::new(|| SURNAME_READINGS.iter().copied().collect());
static COMPOUND: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| COMPOUND_SURNAMES.iter().copied().collect());

fn surname_reading(surname: &str) -> Option<&'static str> {
    READINGS.get(surname).copied()
}

/// Pinyin of a key fragment, with `ü` as `v`; characters without a reading are kept as they are.
fn push_pinyin(fragment: &str, out: &mut String) {
    for (c, py) in fragment.chars().zip(fragment.to_pinyin()) {
        match py {
            Some(p) => {
                for pc in p.plain().chars() {
                    out.push(if pc == 'ü' { 'v' } else { pc });
                }
            }
            None => out.push(c),
        }
    }
}

/// Normalises a written name into its key and pinyin keys.
pub fn normalize_name(raw: &str) -> NormalizedName {
    let key = name_key(raw);
    let n = key.chars().count();
    let two = key.char_indices().nth(2).map_or(key.len(), |(i, _)| i);
    let surname_chars = if n >= 3 && COMPOUND.contains(&key[..two]) {
        2
    } else {
        n.min(1)
    };
    let split = key
        .char_indices()
        .nth(surname_chars)
        .map_or(key.len(), |(i, _)| i);
    let (surname, given) = key.split_at(split);
    let mut surname_pinyin = String::new();
    match surname_reading(surname) {
        Some(r) => surname_pinyin.push_str(r),
        None => push_pinyin(surname, &mut surname_pinyin),
    }
    let mut pinyin = String::with_capacity(surname_pinyin.len() + 6 * given.len() / 3);
    pinyin.push_str(&surname_pinyin);
    push_pinyin(given, &mut pinyin);
    NormalizedName {
        key,
        surname_chars,
        pinyin,
        surname_pinyin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_traditional_variants_and_spaces() {
        assert_eq!(name_key("陳 建國"), "陈建国");
        assert_eq!(name_key("张\u{3000}三"), "张三");
        assert_eq!(name_key("ＡＢＣ"), "abc");
        assert_eq!(name_key("李峯"), "李峰");
        // U+F9B2 is a compatibility ideograph for 零.
        assert_eq!(name_key("王\u{F9B2}"), name_key("王零"));
        assert_eq!(name_key("张三（已故）"), "张三");
    }

    #[test]
    fn minority_separators() {
        let k = name_key("买买提·艾力");
        for v in [
            "买买提.艾力",
            "买买提•艾力",
            "买买提艾力",
            "买买提・艾力",
            "买买提 · 艾力",
            "买买提．艾力",
        ] {
            assert_eq!(name_key(v), k, "{v}");
        }
    }

    #[test]
    fn surname_readings() {
        let cases = [
            ("单田芳", "shan", "shantianfang"),
            ("解缙", "xie", "xiejin"),
            ("仇英", "qiu", "qiuying"),
            ("区永", "ou", "ouyong"),
            ("朴志勇", "piao", "piaozhiyong"),
            ("查良镛", "zha", "zhaliangyong"),
            ("曾国藩", "zeng", "zengguofan"),
            ("尉迟恭", "yuchi", "yuchigong"),
            ("万俟卨", "moqi", "moqixie"),
            ("长孙无忌", "zhangsun", "zhangsunwuji"),
            ("覃伟", "qin", "qinwei"),
            ("盖聂", "ge", "genie"),
            ("乐毅", "yue", "yueyi"),
            ("朝晖", "chao", "chaohui"),
            ("欧阳修", "ouyang", "ouyangxiu"),
        ];
        for (name, surname, full) in cases {
            let n = normalize_name(name);
            assert_eq!(n.surname_pinyin, surname, "{name}");
            assert_eq!(n.pinyin, full, "{name}");
        }
    }

    #[test]
    fn homophones_and_traditional_share_pinyin() {
        assert_eq!(normalize_name("王丽").pinyin, normalize_name("王莉").pinyin);
        assert_eq!(normalize_name("吕").pinyin, "lv");
        assert_eq!(normalize_name("單田芳").key, "单田芳");
        assert_eq!(normalize_name("單田芳").surname_pinyin, "shan");
        assert_eq!(normalize_name("").surname_chars, 0);
        // Given-name characters keep their ordinary reading.
        assert_eq!(normalize_name("王单").pinyin, "wangdan");
    }
}
