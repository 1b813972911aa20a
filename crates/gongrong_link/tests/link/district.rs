//! A seeded synthetic district for linkage tests: households in villages, two registers that share most
//! households, and the defects the registers really have (ID typos, legacy numbers, name variants,
//! duplicates, members listed in one register only, common names, twins).

use chrono::{Datelike, NaiveDate};
use gongrong_domain::IdNumber;
use gongrong_domain::codes::Sex;
use gongrong_link::{LinkRecord, Truth};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
    "莫", "孔", "向", "汤", "单", "解", "仇", "区", "朴", "查", "盖", "乐", "翟", "欧阳", "司马",
    "上官", "诸葛",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "华", "玉兰", "萍", "红", "建华", "建国", "建军",
    "志强", "秀兰", "玉梅", "桂兰", "淑珍", "凤英", "玉珍", "海燕", "晓燕", "文", "辉", "鹏", "斌",
    "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "林", "欣", "婷", "雪", "慧", "颖", "琳",
    "晶", "倩", "丹", "玲", "燕", "梅", "兰", "英", "峰", "波", "宏", "亮", "国庆", "国强", "国华",
    "建平", "建新", "建明", "志明", "志刚", "志勇", "海涛", "海波", "春花", "春梅", "秀珍", "秀云",
    "桂芳", "桂荣", "凤兰", "金凤", "玉华", "玉英", "玉凤", "丽娟", "丽华", "丽萍", "晓明", "晓东",
    "晓红", "晓丽", "红梅", "红霞", "爱华", "爱国", "德华", "德明", "长青", "长江", "振华", "振国",
    "文华", "文明", "子涵", "子轩", "浩然", "梓涵", "一诺", "欣怡", "雨涵", "佳怡", "梓轩", "思远",
    "俊杰", "家豪", "宇轩", "明轩", "嘉怡", "立新", "永刚", "永强", "永红", "永华", "喜梅", "金花",
    "荣华", "福生", "宝山", "保国", "庆丰", "树林", "德胜", "凤芝", "淑英", "淑兰", "桂珍", "秀芝",
    "玉芝", "翠兰", "翠英", "素珍", "雪梅", "冬梅", "秋菊", "春兰", "月英", "美玲", "海军", "红军",
    "卫东", "卫国", "向东", "向阳", "学军", "学文", "东升", "建峰", "云峰", "晓峰", "国栋", "成龙",
    "鸿飞", "泽民", "传海", "广林",
];

const MINORITY: &[(&str, &str)] = &[
    ("阿卜杜拉", "买买提"),
    ("艾力", "吐尔逊"),
    ("古丽", "阿不都"),
    ("热依拉", "艾买提"),
    ("扎西", "次仁"),
    ("阿依", "努尔"),
];

/// Same-pinyin replacements for given-name characters (homophone typos of an input method).
const HOMOPHONES: &[(char, char)] = &[
    ('丽', '莉'),
    ('伟', '玮'),
    ('军', '君'),
    ('华', '桦'),
    ('静', '婧'),
    ('明', '铭'),
    ('峰', '锋'),
    ('红', '虹'),
    ('英', '瑛'),
    ('芳', '方'),
    ('玲', '铃'),
    ('杰', '洁'),
    ('萍', '平'),
    ('梅', '玫'),
    ('兰', '岚'),
    ('霞', '夏'),
    ('娟', '鹃'),
    ('强', '蔷'),
    ('波', '博'),
    ('林', '琳'),
];

/// Simplified → traditional (or variant) forms a clerk's input method may produce.
const TRADITIONAL: &[(char, char)] = &[
    ('陈', '陳'),
    ('张', '張'),
    ('刘', '劉'),
    ('杨', '楊'),
    ('黄', '黃'),
    ('赵', '趙'),
    ('吴', '吳'),
    ('孙', '孫'),
    ('马', '馬'),
    ('罗', '羅'),
    ('郑', '鄭'),
    ('谢', '謝'),
    ('伟', '偉'),
    ('华', '華'),
    ('国', '國'),
    ('军', '軍'),
    ('丽', '麗'),
    ('红', '紅'),
    ('东', '東'),
    ('凤', '鳳'),
    ('兰', '蘭'),
    ('龙', '龍'),
    ('强', '強'),
    ('涛', '濤'),
    ('辉', '輝'),
    ('峰', '峯'),
    ('庆', '慶'),
    ('荣', '榮'),
    ('爱', '愛'),
    ('长', '長'),
    ('单', '單'),
    ('乐', '樂'),
    ('欧', '歐'),
    ('阳', '陽'),
    ('叶', '葉'),
];

#[derive(Clone, Debug)]
pub struct Person {
    pub uid: u32,
    pub household: u32,
    pub name: String,
    pub birth: NaiveDate,
    pub sex: Sex,
    pub id: IdNumber,
    pub village: String,
}

/// One generated register row with its truth.
#[derive(Clone, Debug)]
pub struct Row {
    pub record: LinkRecord,
    pub person: u32,
    pub defect: Option<&'static str>,
}

pub struct District {
    pub persons: Vec<Person>,
    pub rows: Vec<Row>,
}

impl District {
    pub fn records(&self) -> Vec<LinkRecord> {
        self.rows.iter().map(|r| r.record.clone()).collect()
    }

    pub fn truth(&self) -> Truth {
        let mut t = Truth::default();
        for r in &self.rows {
            t.insert(
                r.record.source,
                r.record.row,
                &format!("P{}", r.person),
                r.defect,
            );
        }
        t
    }

    /// Writes `poverty.csv`, `dibao.csv` (layouts of docs/LAYOUTS.md, subset of columns) and `truth.csv`.
    pub fn write_csv(&self, dir: &Path) {
        let mut p = String::from("户编号,乡(镇),行政区划代码,姓名,证件号码,性别,与户主关系\n");
        let mut d =
            String::from("家庭编号,所属区划,成员姓名,身份证号码,性别,出生日期,与户主关系\n");
        let mut t = String::from("register,row,person_uid,household_uid,defect\n");
        for r in &self.rows {
            let rec = &r.record;
            let sex = rec.sex.map_or("", |s| s.zh());
            let hh = rec.household.as_deref().unwrap_or("");
            let region = rec.region.as_deref().unwrap_or("");
            let id = rec.id_raw.as_deref().unwrap_or("");
            let person = &self.persons[r.person as usize];
            if rec.source == 0 {
                writeln!(p, "{hh},某镇,{region},\"{}\",{id},{sex},户主", rec.name).unwrap();
            } else {
                let bd = rec.birth_date.map(|b| b.to_string()).unwrap_or_default();
                writeln!(d, "{hh},{region},\"{}\",{id},{sex},{bd},户主", rec.name).unwrap();
            }
            let register = if rec.source == 0 { "poverty" } else { "dibao" };
            writeln!(
                t,
                "{register},{},P{},H{},{}",
                rec.row,
                r.person,
                person.household,
                r.defect.unwrap_or("")
            )
            .unwrap();
        }
        std::fs::write(dir.join("poverty.csv"), p).unwrap();
        std::fs::write(dir.join("dibao.csv"), d).unwrap();
        std::fs::write(dir.join("truth.csv"), t).unwrap();
    }
}

/// Zipf-like pick: index i with weight 1/(i+1)^s.
fn zipf(rng: &mut ChaCha8Rng, n: usize, cumulative: &[f64]) -> usize {
    let x = rng.random::<f64>() * cumulative[n - 1];
    cumulative.partition_point(|&c| c < x).min(n - 1)
}

fn cumulative(n: usize, s: f64) -> Vec<f64> {
    let mut acc = 0.0;
    (0..n)
        .map(|i| {
            acc += 1.0 / ((i + 1) as f64).powf(s);
            acc
        })
        .collect()
}

struct Gen {
    rng: ChaCha8Rng,
    used_ids: HashSet<IdNumber>,
    surname_cum: Vec<f64>,
    given_cum: Vec<f64>,
}

impl Gen {
    fn id(&mut self, birth: NaiveDate, sex: Sex) -> IdNumber {
        let addr = ["370305", "370305", "370305", "370302", "370303", "370321"]
            [self.rng.random_range(0..6)];
        loop {
            let mut seq = self.rng.random_range(0..500u32) * 2;
            if sex == Sex::Male {
                seq += 1;
            }
            let body = format!("{addr}{}{:03}", birth.format("%Y%m%d"), seq % 1000);
            if let Ok(id) = IdNumber::from_first17(&body)
                && self.used_ids.insert(id)
            {
                return id;
            }
        }
    }

    fn given(&mut self) -> &'static str {
        GIVEN[zipf(&mut self.rng, GIVEN.len(), &self.given_cum)]
    }

    fn surname(&mut self) -> &'static str {
        SURNAMES[zipf(&mut self.rng, SURNAMES.len(), &self.surname_cum)]
    }

    fn birth(&mut self, from: i32, to: i32) -> NaiveDate {
        let y = self.rng.random_range(from..=to.max(from));
        let doy = self.rng.random_range(0..365);
        NaiveDate::from_yo_opt(y, doy + 1).unwrap_or_default()
    }

    fn sex(&mut self) -> Sex {
        if self.rng.random_bool(0.5) {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

fn variant_name(rng: &mut ChaCha8Rng, name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    if name.contains('·') {
        let sep = ["．", ".", "•", "", " · "][rng.random_range(0..5)];
        return Some(name.replace('·', sep));
    }
    let mut options: Vec<String> = Vec::new();
    if chars
        .iter()
        .any(|c| TRADITIONAL.iter().any(|(s, _)| s == c))
    {
        options.push(
            chars
                .iter()
                .map(|c| {
                    TRADITIONAL
                        .iter()
                        .find(|(s, _)| s == c)
                        .map_or(*c, |(_, t)| *t)
                })
                .collect(),
        );
    }
    if let Some(pos) = (1..chars.len()).find(|&i| HOMOPHONES.iter().any(|(a, _)| *a == chars[i])) {
        let mut v = chars.clone();
        v[pos] = HOMOPHONES
            .iter()
            .find(|(a, _)| *a == chars[pos])
            .map_or(v[pos], |(_, b)| *b);
        options.push(v.into_iter().collect());
    }
    let mut spaced = chars.clone();
    spaced.insert(
        1,
        if rng.random_bool(0.5) {
            ' '
        } else {
            '\u{3000}'
        },
    );
    options.push(spaced.into_iter().collect());
    let full: String = name.chars().collect::<String>() + " ";
    options.push(full);
    let i = rng.random_range(0..options.len());
    Some(options.swap_remove(i))
}

fn legacy15(id: &IdNumber) -> Option<String> {
    let s = id.as_str();
    (s[6..8] == *"19").then(|| format!("{}{}", &s[..6], &s[8..17]))
}

fn substitution_typo(rng: &mut ChaCha8Rng, id: &IdNumber) -> String {
    let mut b = id.as_str().as_bytes().to_vec();
    let pos = rng.random_range(0..18);
    if pos == 17 {
        let choices = b"0123456789X";
        loop {
            let c = choices[rng.random_range(0..11)];
            if c != b[17] {
                b[17] = c;
                break;
            }
        }
    } else {
        b[pos] = b'0' + (b[pos] - b'0' + rng.random_range(1..10)) % 10;
    }
    String::from_utf8(b).unwrap_or_default()
}

fn swap_typo(rng: &mut ChaCha8Rng, id: &IdNumber) -> Option<String> {
    let mut b = id.as_str().as_bytes().to_vec();
    for _ in 0..20 {
        let pos = rng.random_range(0..17);
        if b[pos] != b[pos + 1] {
            b.swap(pos, pos + 1);
            return String::from_utf8(b).ok();
        }
    }
    None
}

/// Generates `households` households (≈2.6 persons each) and the two registers.
pub fn generate(households: usize, seed: u64) -> District {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
        used_ids: HashSet::new(),
        surname_cum: cumulative(SURNAMES.len(), 1.0),
        given_cum: cumulative(GIVEN.len(), 0.9),
    };
    let villages: Vec<String> = (0..370)
        .map(|v| format!("370305{:03}{:03}", 100 + v % 12, 200 + v / 12))
        .collect();
    let mut persons: Vec<Person> = Vec::new();
    for h in 0..households {
        let village = villages[g.rng.random_range(0..villages.len())].clone();
        let minority = g.rng.random_bool(0.02);
        let surname = g.surname();
        let head_birth = g.birth(1935, 1995);
        let mut members: Vec<(String, NaiveDate, Sex)> = Vec::new();
        let head_sex = g.sex();
        let mk = |g: &mut Gen, surname: &str| -> String {
            if minority {
                let (a, b) = MINORITY[g.rng.random_range(0..MINORITY.len())];
                format!("{a}·{b}")
            } else {
                format!("{surname}{}", g.given())
            }
        };
        members.push((mk(&mut g, surname), head_birth, head_sex));
        if g.rng.random_bool(0.75) {
            let spouse_surname = g.surname();
            let b = g.birth(head_birth.year() - 4, head_birth.year() + 4);
            let sex = if head_sex == Sex::Male {
                Sex::Female
            } else {
                Sex::Male
            };
            members.push((mk(&mut g, spouse_surname), b, sex));
        }
        let children = [0, 0, 1, 1, 2, 2, 3][g.rng.random_range(0..7)];
        let generation: Option<char> = g
            .rng
            .random_bool(0.4)
            .then(|| ['建', '国', '志', '晓', '海', '永'][g.rng.random_range(0..6)]);
        let mut last_child: Option<NaiveDate> = None;
        for _ in 0..children {
            let twin = last_child.is_some() && g.rng.random_bool(0.08);
            let b = match (twin, last_child) {
                (true, Some(d)) => d,
                _ => g.birth(head_birth.year() + 20, (head_birth.year() + 40).min(2018)),
            };
            last_child = Some(b);
            let name = match generation {
                Some(c) if !minority => {
                    let tail = g.given().chars().last().unwrap_or('明');
                    format!("{surname}{c}{tail}")
                }
                _ => mk(&mut g, surname),
            };
            let sex = g.sex();
            members.push((name, b, sex));
        }
        if g.rng.random_bool(0.15) {
            let b = g.birth(head_birth.year() - 35, head_birth.year() - 20);
            let sex = g.sex();
            members.push((mk(&mut g, surname), b, sex));
        }
        for (name, birth, sex) in members {
            let id = g.id(birth, sex);
            persons.push(Person {
                uid: persons.len() as u32,
                household: h as u32,
                name,
                birth,
                sex,
                id,
                village: village.clone(),
            });
        }
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut next_row = [0u64; 2];
    let mut membership = vec![(false, false); households];
    for m in &mut membership {
        let x = g.rng.random::<f64>();
        *m = if x < 0.55 {
            (true, true)
        } else if x < 0.89 {
            (true, false)
        } else {
            (false, true)
        };
    }
    for source in 0..2u8 {
        for p in &persons {
            let (in_p, in_d) = membership[p.household as usize];
            let in_both = in_p && in_d;
            let listed = if source == 0 { in_p } else { in_d };
            if !listed || (in_both && g.rng.random_bool(0.03)) {
                continue;
            }
            let mut defect = None;
            let mut id_raw = Some(p.id.as_str().to_owned());
            let mut name = p.name.clone();
            let x = g.rng.random::<f64>();
            if x < 0.010 {
                id_raw = Some(substitution_typo(&mut g.rng, &p.id));
                defect = Some("id_typo_substitution");
            } else if x < 0.015 {
                if let Some(t) = swap_typo(&mut g.rng, &p.id) {
                    id_raw = Some(t);
                    defect = Some("id_typo_swap");
                }
            } else if x < 0.035 {
                if let Some(l) = legacy15(&p.id) {
                    id_raw = Some(l);
                    defect = Some("id_legacy15");
                }
            } else if x < 0.065 {
                if let Some(v) = variant_name(&mut g.rng, &name) {
                    name = v;
                    defect = Some("name_variant");
                }
            } else if x < 0.067 {
                id_raw = None;
                defect = Some("id_missing");
            }
            let hh_prefix = if source == 0 { "FP" } else { "DB" };
            let record = LinkRecord {
                source,
                row: 0,
                household: Some(format!("{hh_prefix}{:07}", p.household)),
                id_raw,
                name,
                birth_date: (source == 1).then_some(p.birth),
                sex: Some(p.sex),
                region: Some(p.village.clone()),
            };
            let copies = if g.rng.random_bool(0.005) { 2 } else { 1 };
            for c in 0..copies {
                next_row[source as usize] += 1;
                rows.push(Row {
                    record: LinkRecord {
                        row: next_row[source as usize],
                        ..record.clone()
                    },
                    person: p.uid,
                    defect: if c == 1 {
                        Some("duplicate_row")
                    } else {
                        defect
                    },
                });
            }
        }
    }
    District { persons, rows }
}
