//! Personal names: common Chinese surnames with a realistic (Shandong-flavoured) frequency,
//! given names typical of each birth cohort, a few minority-style names written with a middle
//! dot (`·`), and the traditional-character spellings a legacy system sometimes stores.

use rand::Rng;

/// Surnames with weights per 10,000 people (roughly the frequencies of rural Shandong).
const SURNAMES: &[(&str, u32)] = &[
    ("王", 900),
    ("张", 780),
    ("李", 760),
    ("刘", 650),
    ("孙", 330),
    ("陈", 300),
    ("杨", 290),
    ("赵", 280),
    ("徐", 230),
    ("高", 220),
    ("马", 200),
    ("于", 200),
    ("崔", 150),
    ("宋", 150),
    ("周", 150),
    ("吴", 140),
    ("韩", 130),
    ("郭", 130),
    ("黄", 120),
    ("朱", 120),
    ("姜", 110),
    ("田", 100),
    ("董", 90),
    ("郑", 90),
    ("曹", 90),
    ("冯", 80),
    ("许", 80),
    ("孟", 80),
    ("魏", 80),
    ("胡", 80),
    ("贾", 70),
    ("丁", 70),
    ("边", 60),
    ("毕", 60),
    ("齐", 60),
    ("袁", 60),
    ("林", 60),
    ("梁", 60),
    ("石", 60),
    ("任", 60),
    ("吕", 60),
    ("程", 60),
    ("傅", 50),
    ("路", 50),
    ("何", 50),
    ("薛", 50),
    ("侯", 50),
    ("史", 50),
    ("武", 50),
    ("苏", 50),
    ("范", 50),
    ("杜", 50),
    ("邓", 40),
    ("房", 40),
    ("管", 40),
    ("罗", 40),
    ("谢", 40),
    ("唐", 40),
    ("阎", 40),
    ("邵", 40),
    ("常", 40),
    ("乔", 40),
    ("尹", 40),
    ("卢", 40),
    ("姚", 40),
    ("秦", 40),
    ("白", 40),
    ("金", 40),
    ("耿", 40),
    ("蒋", 30),
    ("段", 30),
    ("方", 30),
    ("沈", 30),
    ("彭", 30),
    ("庞", 30),
    ("巩", 30),
    ("翟", 30),
    ("牛", 30),
    ("葛", 30),
    ("晏", 20),
    ("鲍", 20),
    ("曾", 20),
    ("叶", 20),
    ("潘", 20),
    ("左", 20),
    ("国", 20),
    ("桑", 20),
    ("荆", 20),
    ("韦", 10),
    ("司马", 3),
    ("欧阳", 3),
    ("诸葛", 2),
];

/// Surnames frequent among the Hui (回族) of Shandong.
const HUI_SURNAMES: &[&str] = &["马", "白", "金", "沙", "丁", "米", "王", "李"];

/// Given names per cohort and sex, most frequent first (sampled with a Zipf-like weight, so
/// the first few repeat often — several 王秀英 born in the same year are realistic).
const GIVEN_OLD_M: &[&str] = &[
    "德胜", "玉明", "德明", "长林", "洪福", "兆林", "金山", "福成", "庆祥", "永胜", "传福", "广福",
    "树林", "春生", "玉林", "德山", "文明", "明德", "振华", "立功", "学文", "建华", "新民", "宝山",
    "福田", "兴旺", "连生", "守信", "方", "荣", "顺", "成", "明", "清",
];
const GIVEN_OLD_F: &[&str] = &[
    "秀英", "桂英", "秀兰", "玉兰", "桂兰", "凤英", "秀珍", "玉珍", "淑珍", "兰英", "秀云", "桂芝",
    "秀芝", "玉英", "凤兰", "翠英", "淑英", "素珍", "桂珍", "玉芝", "金花", "爱莲", "秀荣", "春兰",
    "桂香", "兰", "英", "珍",
];
const GIVEN_MID_M: &[&str] = &[
    "建国", "建华", "国强", "建军", "志刚", "卫东", "红军", "国华", "军", "勇", "伟", "东", "平",
    "刚", "强", "明", "斌", "志强", "建平", "海涛", "学军", "永强", "立新", "文", "涛", "庆华",
    "振东", "洪波", "光明", "新华",
];
const GIVEN_MID_F: &[&str] = &[
    "丽", "红", "霞", "燕", "玲", "芳", "敏", "丽华", "红霞", "秀梅", "玉梅", "桂荣", "春梅",
    "美玲", "爱华", "丽娟", "艳", "萍", "英", "慧", "静", "晓红", "海燕", "秀芳", "素梅", "雪梅",
    "凤霞", "卫红", "冬梅", "金凤",
];
const GIVEN_YOUNG_M: &[&str] = &[
    "伟", "磊", "强", "鹏", "超", "军", "涛", "斌", "杰", "浩", "勇", "亮", "飞", "刚", "健", "波",
    "明", "俊", "帅", "龙", "鑫", "文博", "晓东", "志强", "海洋", "建伟", "海波", "振宇", "国栋",
    "凯",
];
const GIVEN_YOUNG_F: &[&str] = &[
    "静", "丽", "敏", "燕", "艳", "娟", "芳", "婷", "霞", "玲", "晶", "丹", "雪", "倩", "颖", "莉",
    "慧", "洁", "琳", "美玲", "晓燕", "丽娜", "晓丽", "秀丽", "佳", "蕾", "萌", "璐", "欢", "楠",
];
const GIVEN_CHILD_M: &[&str] = &[
    "浩然", "子轩", "宇轩", "浩宇", "梓豪", "俊杰", "博文", "宇航", "子豪", "浩", "宇", "轩", "晨",
    "皓轩", "一鸣", "天佑", "明轩", "思远", "嘉豪", "泽宇", "家豪", "文轩", "锦程", "昊", "睿",
    "宇泽", "俊熙", "子墨", "奕辰", "铭",
];
const GIVEN_CHILD_F: &[&str] = &[
    "子涵", "欣怡", "梓涵", "雨桐", "梓萱", "诗涵", "可馨", "一诺", "思琪", "佳怡", "雨涵", "欣妍",
    "梦瑶", "语桐", "静怡", "若汐", "佳琪", "雅琪", "心怡", "紫涵", "婉清", "诗琪", "悦", "涵",
    "妍", "琪", "怡", "彤", "萱", "瑶",
];

/// Uyghur-style given names (written `given·father`).
const UYGHUR_M: &[&str] = &[
    "买买提",
    "艾力",
    "艾尔肯",
    "吐尔逊",
    "阿不都",
    "努尔",
    "热合曼",
    "亚森",
    "阿里木",
    "玉素甫",
];
const UYGHUR_F: &[&str] = &[
    "阿依古丽",
    "古丽娜尔",
    "帕提曼",
    "热依拉",
    "努尔古丽",
    "阿依努尔",
    "米娜瓦尔",
    "再努尔",
];

/// Simplified → traditional for characters a legacy system may store in traditional form.
/// (`王` and other characters identical in both scripts are absent.)
pub(crate) const TRADITIONAL: &[(char, char)] = &[
    ('陈', '陳'),
    ('刘', '劉'),
    ('张', '張'),
    ('赵', '趙'),
    ('杨', '楊'),
    ('黄', '黃'),
    ('吴', '吳'),
    ('孙', '孫'),
    ('马', '馬'),
    ('郑', '鄭'),
    ('冯', '馮'),
    ('韩', '韓'),
    ('许', '許'),
    ('邓', '鄧'),
    ('叶', '葉'),
    ('卢', '盧'),
    ('齐', '齊'),
    ('苏', '蘇'),
    ('宝', '寶'),
    ('国', '國'),
    ('华', '華'),
    ('兰', '蘭'),
    ('凤', '鳳'),
    ('红', '紅'),
    ('军', '軍'),
    ('东', '東'),
    ('丽', '麗'),
    ('伟', '偉'),
    ('龙', '龍'),
    ('庆', '慶'),
    ('荣', '榮'),
    ('树', '樹'),
    ('云', '雲'),
    ('兴', '興'),
    ('胜', '勝'),
    ('学', '學'),
    ('刚', '剛'),
    ('鹏', '鵬'),
    ('涛', '濤'),
    ('杰', '傑'),
    ('飞', '飛'),
    ('洁', '潔'),
    ('爱', '愛'),
    ('莲', '蓮'),
    ('艳', '艷'),
    ('颖', '穎'),
    ('晓', '曉'),
    ('长', '長'),
    ('广', '廣'),
    ('传', '傳'),
    ('连', '連'),
    ('轩', '軒'),
    ('诗', '詩'),
    ('梦', '夢'),
    ('语', '語'),
];

pub(crate) fn traditional_of(c: char) -> Option<char> {
    TRADITIONAL.iter().find(|(s, _)| *s == c).map(|(_, t)| *t)
}

/// Cumulative-weight sampler over a static table.
pub(crate) struct Weighted<T: Copy + 'static> {
    items: Vec<T>,
    cumulative: Vec<u32>,
}

impl<T: Copy + 'static> Weighted<T> {
    pub(crate) fn new(pairs: impl IntoIterator<Item = (T, u32)>) -> Self {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u32;
        for (item, w) in pairs {
            total += w.max(1);
            items.push(item);
            cumulative.push(total);
        }
        Self { items, cumulative }
    }

    /// Zipf-like weights over a list ordered most frequent first.
    pub(crate) fn zipf(list: &'static [T]) -> Self {
        Self::new(
            list.iter()
                .enumerate()
                .map(|(i, s)| (*s, 1200 / (i as u32 + 3))),
        )
    }

    pub(crate) fn sample<R: Rng>(&self, rng: &mut R) -> T {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let x = rng.random_range(0..total);
        let i = self.cumulative.partition_point(|c| *c <= x);
        self.items[i.min(self.items.len() - 1)]
    }
}

/// Birth cohorts whose given names differ.
#[derive(Clone, Copy)]
enum Cohort {
    Old,
    Mid,
    Young,
    Child,
}

fn cohort(birth_year: i32) -> Cohort {
    match birth_year {
        ..1960 => Cohort::Old,
        1960..1980 => Cohort::Mid,
        1980..2000 => Cohort::Young,
        _ => Cohort::Child,
    }
}

/// All name tables, built once per run.
pub(crate) struct NameBook {
    surnames: Weighted<&'static str>,
    given: [Weighted<&'static str>; 8],
    uyghur_m: Weighted<&'static str>,
    uyghur_f: Weighted<&'static str>,
}

impl NameBook {
    pub(crate) fn new() -> Self {
        Self {
            surnames: Weighted::new(SURNAMES.iter().copied()),
            given: [
                Weighted::zipf(GIVEN_OLD_M),
                Weighted::zipf(GIVEN_OLD_F),
                Weighted::zipf(GIVEN_MID_M),
                Weighted::zipf(GIVEN_MID_F),
                Weighted::zipf(GIVEN_YOUNG_M),
                Weighted::zipf(GIVEN_YOUNG_F),
                Weighted::zipf(GIVEN_CHILD_M),
                Weighted::zipf(GIVEN_CHILD_F),
            ],
            uyghur_m: Weighted::zipf(UYGHUR_M),
            uyghur_f: Weighted::zipf(UYGHUR_F),
        }
    }

    pub(crate) fn surname<R: Rng>(&self, rng: &mut R) -> &'static str {
        self.surnames.sample(rng)
    }

    pub(crate) fn hui_surname<R: Rng>(&self, rng: &mut R) -> &'static str {
        HUI_SURNAMES[rng.random_range(0..HUI_SURNAMES.len())]
    }

    pub(crate) fn given<R: Rng>(&self, rng: &mut R, birth_year: i32, male: bool) -> &'static str {
        let base = match cohort(birth_year) {
            Cohort::Old => 0,
            Cohort::Mid => 2,
            Cohort::Young => 4,
            Cohort::Child => 6,
        };
        self.given[base + usize::from(!male)].sample(rng)
    }

    /// A Han name: surname + given name.
    pub(crate) fn han<R: Rng>(
        &self,
        rng: &mut R,
        surname: &str,
        birth_year: i32,
        male: bool,
    ) -> String {
        let given = self.given(rng, birth_year, male);
        let mut s = String::with_capacity(surname.len() + given.len());
        s.push_str(surname);
        s.push_str(given);
        s
    }

    /// A Uyghur-style given name.
    pub(crate) fn uyghur_given<R: Rng>(&self, rng: &mut R, male: bool) -> &'static str {
        if male {
            self.uyghur_m.sample(rng)
        } else {
            self.uyghur_f.sample(rng)
        }
    }
}

/// `given·father`, the usual Chinese transcription of a Uyghur name.
pub(crate) fn dotted(given: &str, father: &str) -> String {
    format!("{given}·{father}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_repeat_and_follow_frequency() {
        let book = NameBook::new();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut wang = 0;
        let mut seen = std::collections::HashMap::new();
        for _ in 0..10_000 {
            let s = book.surname(&mut rng);
            if s == "王" {
                wang += 1;
            }
            *seen.entry(book.han(&mut rng, s, 1950, false)).or_insert(0) += 1;
        }
        assert!((700..1100).contains(&wang), "王 drawn {wang} times");
        assert!(seen.values().any(|n| *n >= 10), "common names repeat");
    }

    #[test]
    fn traditional_forms_are_gbk_encodable() {
        for (_, t) in TRADITIONAL {
            let (_, _, bad) = encoding_rs::GBK.encode(&t.to_string());
            assert!(!bad, "{t}");
        }
        assert_eq!(traditional_of('陈'), Some('陳'));
        assert_eq!(traditional_of('王'), None);
    }
}
