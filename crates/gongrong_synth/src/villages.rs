//! The district's villages (村) and communities (社区): the 12 real towns and streets of Linzi
//! from the national table, each with generated 12-digit codes and plausible names.
//! Streets (街道, town codes 001–005) hold many communities and few villages; towns (镇,
//! codes 1xx) hold mostly villages. Communities are numbered 001–199, villages 201–999.

use crate::SynthError;
use gongrong_domain::region::LINZI;
use gongrong_domain::{RegionCode, RegionTable};
use rand::Rng;
use std::collections::HashSet;

pub(crate) struct Town {
    pub name: String,
    /// The 9 significant digits, e.g. `370305100`.
    pub prefix: String,
    pub is_street: bool,
}

pub(crate) struct Village {
    pub code: String,
    pub name: String,
    pub town: usize,
    pub is_community: bool,
}

pub(crate) struct District {
    pub towns: Vec<Town>,
    pub villages: Vec<Village>,
}

const DIRECTIONS: &[&str] = &[
    "东", "西", "南", "北", "前", "后", "上", "下", "中", "大", "小",
];
const SURNAMES: &[&str] = &[
    "王", "张", "李", "刘", "孙", "陈", "杨", "赵", "徐", "高", "马", "于", "崔", "宋", "周", "吴",
    "韩", "郭", "黄", "朱", "姜", "田", "董", "郑", "曹", "冯", "许", "孟", "魏", "胡", "贾", "丁",
    "边", "毕", "齐", "袁", "梁", "石", "任", "吕", "程", "傅", "路", "薛", "侯", "史", "武", "桑",
    "房", "管", "晏", "巩", "耿", "葛",
];
const VILLAGE_SUFFIX: &[&str] = &["庄", "", "店", "桥", "洼", "营", "屯"];
const PLACE_WORDS: &[&str] = &[
    "高阳", "永安", "石佛", "兴旺", "梧台", "安平", "太平", "河崖", "龙池", "凤凰", "金岭", "南仇",
    "褚家", "召口", "阚家", "郎家", "乙烯", "桐林", "西单", "敬仲", "尚庄", "后李", "东齐", "遄台",
    "葛家", "龙贯", "北羊", "南马", "康平", "西关", "东关", "田旺", "朱台", "皇城", "稷山", "牛山",
    "天齐", "安合", "申明", "齐陵", "淄河", "乌河", "淄江", "辛安", "大夫", "宫家", "愚公", "相家",
];
const COMMUNITY_WORDS: &[&str] = &[
    "齐园", "雪宫", "晏婴", "稷下", "闻韶", "桓公", "管仲", "牛山", "天齐", "金岭", "临淄", "齐都",
    "乐安", "太公", "康平", "安泰", "和平", "幸福", "繁华", "齐鲁", "大顺", "福宁", "景和", "金茂",
    "遄台", "乙烯", "辛店", "齐兴", "兴齐", "广场",
];
const ORDINALS: &[&str] = &["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// Number of villages for a universe of `persons` people: ~370 at the default 3,700, growing
/// with the fourth root of the size, never more than half the people, within 12..=7,200.
pub(crate) fn village_count(persons: u64) -> usize {
    let scaled = 370.0 * (persons as f64 / 3_700.0).powf(0.25);
    let cap = (persons / 2).max(12) as f64;
    scaled.min(cap).round().clamp(12.0, 7_200.0) as usize
}

fn pick<'a, R: Rng>(rng: &mut R, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn candidate_name<R: Rng>(rng: &mut R, community: bool) -> String {
    let suffix = if community { "社区" } else { "村" };
    match rng.random_range(0..10) {
        0..=3 => format!("{}{}{}", pick(rng, DIRECTIONS), pick(rng, SURNAMES), suffix),
        4..=5 if !community => {
            format!("{}家{}村", pick(rng, SURNAMES), pick(rng, VILLAGE_SUFFIX))
        }
        4..=7 if community => format!("{}{}", pick(rng, COMMUNITY_WORDS), suffix),
        _ => format!("{}{}", pick(rng, PLACE_WORDS), suffix),
    }
}

/// A name not yet used in the town; after a few collisions, an ordinal (东王二村) or a number.
fn unique_name<R: Rng>(rng: &mut R, community: bool, used: &mut HashSet<String>) -> String {
    for _ in 0..12 {
        let name = candidate_name(rng, community);
        if used.insert(name.clone()) {
            return name;
        }
    }
    let base = candidate_name(rng, community);
    let suffix = if community { "社区" } else { "村" };
    let stem = base.strip_suffix(suffix).unwrap_or(&base).to_owned();
    for n in 1usize.. {
        let name = match ORDINALS.get(n) {
            Some(ord) => format!("{stem}{ord}{suffix}"),
            None => format!("{stem}{suffix}{n}"),
        };
        if used.insert(name.clone()) {
            return name;
        }
    }
    base
}

/// Splits `total` in proportion to `weights` (largest remainder), each part at least `min`.
pub(crate) fn apportion(total: u64, weights: &[f64], min: u64) -> Vec<u64> {
    let n = weights.len() as u64;
    if n == 0 {
        return Vec::new();
    }
    let floor = min.min(total / n);
    let rest = total - floor * n;
    let sum: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let exact: Vec<f64> = weights.iter().map(|w| rest as f64 * w / sum).collect();
    let mut out: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut left = rest.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - exact[a].floor();
        let fb = exact[b] - exact[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    for i in order.into_iter().cycle() {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out.iter().map(|x| x + floor).collect()
}

pub(crate) fn build<R: Rng>(
    rng: &mut R,
    table: &RegionTable,
    persons: u64,
) -> Result<District, SynthError> {
    let linzi = RegionCode::parse(LINZI).map_err(|_| SynthError::MissingDistrict)?;
    let towns: Vec<Town> = table
        .children(&linzi)
        .into_iter()
        .map(|r| {
            let prefix = r.code.prefix().to_owned();
            let is_street = prefix.as_bytes().get(6) == Some(&b'0');
            Town {
                name: r.name,
                prefix,
                is_street,
            }
        })
        .collect();
    if towns.is_empty() {
        return Err(SynthError::MissingDistrict);
    }
    let weights: Vec<f64> = towns
        .iter()
        .map(|t| (if t.is_street { 1.0 } else { 2.6 }) * rng.random_range(0.8..1.25))
        .collect();
    let per_town = apportion(village_count(persons) as u64, &weights, 1);
    let mut villages = Vec::new();
    for (ti, (town, &count)) in towns.iter().zip(&per_town).enumerate() {
        let share = if town.is_street { 0.45 } else { 0.08 };
        let communities = ((count as f64 * share).round() as u64).min(199);
        let rural = (count - communities).min(799);
        let mut used = HashSet::new();
        for i in 0..communities + rural {
            let community = i < communities;
            let number = if community {
                i + 1
            } else {
                201 + i - communities
            };
            villages.push(Village {
                code: format!("{}{:03}", town.prefix, number),
                name: unique_name(rng, community, &mut used),
                town: ti,
                is_community: community,
            });
        }
    }
    Ok(District { towns, villages })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn linzi_has_about_370_villages_in_12_towns() {
        let table = RegionTable::national();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let d = build(&mut rng, &table, 3_700).unwrap();
        assert_eq!(d.towns.len(), 12);
        assert_eq!(d.villages.len(), 370);
        let mut codes = HashSet::new();
        for v in &d.villages {
            let code = RegionCode::parse(&v.code).unwrap();
            assert_eq!(code.level(), gongrong_domain::Level::Village);
            assert!(table.check(&code.town().unwrap()).is_ok());
            assert!(codes.insert(v.code.clone()));
            assert!(
                v.name.ends_with('村') || v.name.ends_with("社区"),
                "{}",
                v.name
            );
        }
        let in_towns = d.villages.iter().filter(|v| !d.towns[v.town].is_street);
        assert!(in_towns.count() > 250);
        assert!(village_count(1_000_000) < 12 * 800);
        assert_eq!(village_count(10), 12);
    }

    #[test]
    fn apportion_sums() {
        let parts = apportion(100, &[1.0, 2.0, 3.0], 1);
        assert_eq!(parts.iter().sum::<u64>(), 100);
        assert_eq!(apportion(2, &[1.0, 1.0, 1.0], 1).iter().sum::<u64>(), 2);
    }
}
