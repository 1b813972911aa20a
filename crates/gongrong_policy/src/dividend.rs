//! Year-end income check and differentiated dividends (差异化分红, project support model).
//!
//! From this year's income of each participating household and a dividend pool:
//!
//! 1. **Shortfall** = max(0, line × members − this year's household income), in fen.
//! 2. **Top-ups first.** Households with a shortfall are ranked by [`Priority`]; in that order
//!    each gets its whole shortfall while the pool lasts, the last one reached possibly a part.
//!    No money goes further while anyone is still below the line.
//! 3. **Then the rest is shared** among all participants by [`ShareRule`] (per capita, per
//!    household, or by weight), in whole fen by the largest-remainder method: each gets
//!    `floor(rest × w / W)`, and the fen left over go one each to the largest fractional parts
//!    (ties: household id in ascending order).
//!
//! The pool is never overspent: the awards add up to the pool exactly, unless there is nobody
//! to share the rest with (every weight zero), in which case the rest is reported unallocated.

use crate::catalogue::Label;
use crate::eval::Evaluation;
use crate::facts::HouseholdFacts;
use crate::plan::PeriodPlan;
use gongrong_domain::Money;
use serde::Serialize;
use std::cmp::Ordering;

/// One participating household.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub household: String,
    pub members: u32,
    /// This year's household income (counted).
    pub income: Money,
    /// The line per person per year (the poverty-monitoring line).
    pub line: Money,
    /// The share weight for [`ShareRule::Weighted`] (e.g. dividend points).
    pub weight: u32,
}

impl Claim {
    pub fn shortfall(&self) -> Money {
        (self.line * i64::from(self.members) - self.income).max(Money::ZERO)
    }
}

/// Who is topped up first when the pool cannot close every shortfall.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// The lowest per-capita income first (ties: the larger shortfall, then household id).
    #[default]
    LowestPerCapitaIncome,
    /// The largest shortfall first (ties: household id).
    LargestShortfall,
}

/// How what is left after the top-ups is shared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareRule {
    /// In proportion to members.
    #[default]
    PerCapita,
    /// Equally per household.
    PerHousehold,
    /// In proportion to [`Claim::weight`].
    Weighted,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Award {
    pub household: String,
    pub shortfall: Money,
    pub top_up: Money,
    pub share: Money,
    pub total: Money,
    /// 1-based rank in the top-up order (households with a shortfall only).
    pub rank: Option<u32>,
    pub explanation: Label,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub pool: Money,
    pub topped_up: Money,
    pub shared: Money,
    /// What could not be allocated (no one to share with).
    pub unallocated: Money,
    /// Households still below the line after the top-ups.
    pub still_below_line: u32,
    /// In the order of the claims given.
    pub awards: Vec<Award>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DividendError {
    #[error("the dividend pool cannot be negative ({0} yuan)")]
    NegativePool(Money),
    #[error("household {0}: income and line cannot be negative")]
    Negative(String),
    #[error("household {0} is claimed twice")]
    Duplicate(String),
}

fn per_capita_cmp(a: &Claim, b: &Claim) -> Ordering {
    // a.income / a.members vs b.income / b.members, exactly (no members: treated as 1).
    let am = i128::from(a.members.max(1));
    let bm = i128::from(b.members.max(1));
    (i128::from(a.income.fen()) * bm).cmp(&(i128::from(b.income.fen()) * am))
}

/// Allocates `pool` among `claims`.
pub fn allocate(
    pool: Money,
    claims: &[Claim],
    rule: ShareRule,
    priority: Priority,
) -> Result<Allocation, DividendError> {
    if pool.is_negative() {
        return Err(DividendError::NegativePool(pool));
    }
    let mut ids: Vec<&str> = claims.iter().map(|c| c.household.as_str()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(DividendError::Duplicate(w[0].to_owned()));
    }
    if let Some(c) = claims
        .iter()
        .find(|c| c.income.is_negative() || c.line.is_negative())
    {
        return Err(DividendError::Negative(c.household.clone()));
    }
    let n = claims.len();
    let shortfall: Vec<Money> = claims.iter().map(Claim::shortfall).collect();
    let mut order: Vec<usize> = (0..n).filter(|&i| shortfall[i] > Money::ZERO).collect();
    order.sort_by(|&a, &b| {
        let (ca, cb) = (&claims[a], &claims[b]);
        let first = match priority {
            Priority::LowestPerCapitaIncome => per_capita_cmp(ca, cb),
            Priority::LargestShortfall => shortfall[b].cmp(&shortfall[a]),
        };
        first
            .then(shortfall[b].cmp(&shortfall[a]))
            .then(ca.household.cmp(&cb.household))
    });
    let mut rank = vec![None; n];
    let mut top_up = vec![Money::ZERO; n];
    let mut left = pool;
    for (r, &i) in order.iter().enumerate() {
        rank[i] = Some(r as u32 + 1);
        let t = shortfall[i].min(left);
        top_up[i] = t;
        left -= t;
    }
    let still_below_line = order.iter().filter(|&&i| top_up[i] < shortfall[i]).count() as u32;
    let weight = |c: &Claim| -> i128 {
        match rule {
            ShareRule::PerCapita => i128::from(c.members),
            ShareRule::PerHousehold => 1,
            ShareRule::Weighted => i128::from(c.weight),
        }
    };
    let total_w: i128 = claims.iter().map(weight).sum();
    let mut share = vec![Money::ZERO; n];
    let mut unallocated = Money::ZERO;
    if left > Money::ZERO {
        if total_w == 0 {
            unallocated = left;
        } else {
            let rest = i128::from(left.fen());
            let mut given = 0i128;
            let mut fracs: Vec<(i128, usize)> = Vec::with_capacity(n);
            for (i, c) in claims.iter().enumerate() {
                let p = rest * weight(c);
                let base = p / total_w;
                given += base;
                share[i] = Money::from_fen(i64::try_from(base).unwrap_or(0));
                fracs.push((p % total_w, i));
            }
            fracs.sort_by(|a, b| {
                b.0.cmp(&a.0)
                    .then(claims[a.1].household.cmp(&claims[b.1].household))
            });
            let extra = usize::try_from(rest - given).unwrap_or(0);
            for &(_, i) in fracs.iter().take(extra) {
                share[i] += Money::from_fen(1);
            }
        }
    }
    let rule_zh = match rule {
        ShareRule::PerCapita => "按人均",
        ShareRule::PerHousehold => "按户均",
        ShareRule::Weighted => "按权重",
    };
    let rule_en = match rule {
        ShareRule::PerCapita => "per capita",
        ShareRule::PerHousehold => "per household",
        ShareRule::Weighted => "by weight",
    };
    let awards = claims
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let total = top_up[i] + share[i];
            let rank_zh = rank[i].map_or_else(String::new, |r| format!("（补差第{r}顺位）"));
            let rank_en = rank[i].map_or_else(String::new, |r| format!(" (top-up rank {r})"));
            let short_zh = if top_up[i] < shortfall[i] {
                format!("，资金不足，尚差 {} 元", shortfall[i] - top_up[i])
            } else {
                String::new()
            };
            let short_en = if top_up[i] < shortfall[i] {
                format!("; the pool ran out, {} yuan still short", shortfall[i] - top_up[i])
            } else {
                String::new()
            };
            Award {
                household: c.household.clone(),
                shortfall: shortfall[i],
                top_up: top_up[i],
                share: share[i],
                total,
                rank: rank[i],
                explanation: Label {
                    zh: format!(
                        "当年家庭收入 {} 元，监测线 {} 元 × {} 人，差额 {} 元；补差 {} 元{rank_zh}{short_zh}；{rule_zh}分配 {} 元；合计 {} 元",
                        c.income, c.line, c.members, shortfall[i], top_up[i], share[i], total
                    ),
                    en: format!(
                        "income this year {} yuan, line {} yuan × {} members, shortfall {} yuan; top-up {} yuan{rank_en}{short_en}; share {rule_en} {} yuan; total {} yuan",
                        c.income, c.line, c.members, shortfall[i], top_up[i], share[i], total
                    ),
                },
            }
        })
        .collect::<Vec<_>>();
    let topped_up: Money = top_up.iter().copied().sum();
    let shared: Money = share.iter().copied().sum();
    Ok(Allocation {
        pool,
        topped_up,
        shared,
        unallocated,
        still_below_line,
        awards,
    })
}

/// The claim of a household evaluated for a year, if it takes part in P13's dividends
/// (`dividend_participant`), with this year's `household_counted_income`, the year's
/// `monitoring_line` and `household_size`; the weight is the member count.
pub fn claim(ev: &Evaluation<'_>, facts: &HouseholdFacts) -> Option<Claim> {
    let get = |name: &str| ev.get(name, None);
    if !get("dividend_participant")?.as_bool() {
        return None;
    }
    let members = match get("household_size")? {
        crate::types::Value::Int(n) => u32::try_from(n).unwrap_or(0),
        _ => 0,
    };
    Some(Claim {
        household: facts.id.clone(),
        members,
        income: get("household_counted_income")?.as_money(),
        line: get("monitoring_line")?.as_money(),
        weight: members,
    })
}

/// Claims of every participating household, evaluated with a yearly plan.
pub fn claims<'a>(
    plan: &PeriodPlan,
    households: impl IntoIterator<Item = &'a HouseholdFacts>,
) -> Vec<Claim> {
    households
        .into_iter()
        .filter_map(|hh| claim(&plan.evaluate(hh), hh))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(id: &str, members: u32, income: i64, line: i64) -> Claim {
        Claim {
            household: id.into(),
            members,
            income: Money::from_yuan(income),
            line: Money::from_yuan(line),
            weight: members,
        }
    }

    #[test]
    fn tops_up_first_then_shares() {
        let claims = [
            c("a", 2, 11_000, 7_300),
            c("b", 1, 5_000, 7_300),
            c("c", 3, 30_000, 7_300),
        ];
        // shortfalls: a 3,600, b 2,300, c 0; pool 10,000 → 4,100 shared per capita (6 people):
        // a 1,366.666…, b 683.333…, c 2,050 → the one fen left over goes to a (largest fraction)
        let a = allocate(
            Money::from_yuan(10_000),
            &claims,
            ShareRule::PerCapita,
            Priority::default(),
        )
        .unwrap();
        assert_eq!(a.topped_up, Money::from_yuan(5_900));
        assert_eq!(a.shared, Money::from_yuan(4_100));
        assert_eq!(a.awards[0].share, Money::from_fen(136_667));
        assert_eq!(a.awards[1].share, Money::from_fen(68_333));
        assert_eq!(a.awards[2].share, Money::from_yuan(2_050));
        assert_eq!(
            a.awards[1].rank,
            Some(1),
            "b has the lowest per-capita income"
        );
        assert_eq!(a.awards[0].rank, Some(2));
        assert_eq!(
            a.awards.iter().map(|x| x.total).sum::<Money>(),
            Money::from_yuan(10_000)
        );
        assert!(
            a.awards[1].explanation.zh.contains("补差第1顺位"),
            "{}",
            a.awards[1].explanation.zh
        );
        assert!(a.awards[2].explanation.en.contains("shortfall 0.00 yuan"));
    }

    #[test]
    fn a_small_pool_goes_by_priority() {
        let claims = [
            c("a", 2, 10_000, 7_300),
            c("b", 1, 5_000, 7_300),
            c("c", 1, 7_000, 7_300),
        ];
        let a = allocate(
            Money::from_yuan(3_000),
            &claims,
            ShareRule::PerCapita,
            Priority::LowestPerCapitaIncome,
        )
        .unwrap();
        // b (5,000 per capita) first: 2,300; then a (5,000 per capita, larger shortfall than … ) —
        // a's per capita is 5,000 too; the larger shortfall (4,600) goes first: a before b.
        assert_eq!(a.awards[0].rank, Some(1));
        assert_eq!(a.awards[0].top_up, Money::from_yuan(3_000));
        assert_eq!(a.awards[1].top_up, Money::ZERO);
        assert_eq!(a.awards[2].top_up, Money::ZERO);
        assert_eq!(a.still_below_line, 3);
        let a = allocate(
            Money::from_yuan(3_000),
            &claims,
            ShareRule::PerCapita,
            Priority::LargestShortfall,
        )
        .unwrap();
        assert_eq!(a.awards[0].top_up, Money::from_yuan(3_000));
    }

    #[test]
    fn remainders_go_deterministically_and_nothing_is_lost() {
        let claims = [
            c("x", 1, 9_000, 7_300),
            c("y", 1, 9_000, 7_300),
            c("z", 1, 9_000, 7_300),
        ];
        let a = allocate(
            Money::from_fen(100),
            &claims,
            ShareRule::PerHousehold,
            Priority::default(),
        )
        .unwrap();
        let got: Vec<i64> = a.awards.iter().map(|x| x.total.fen()).collect();
        assert_eq!(got, vec![34, 33, 33]);
        let none = allocate(
            Money::from_fen(100),
            &[],
            ShareRule::PerCapita,
            Priority::default(),
        )
        .unwrap();
        assert_eq!(none.unallocated, Money::from_fen(100));
        assert!(
            allocate(
                Money::from_fen(-1),
                &claims,
                ShareRule::PerCapita,
                Priority::default()
            )
            .is_err()
        );
        assert!(matches!(
            allocate(
                Money::ZERO,
                &[claims[0].clone(), claims[0].clone()],
                ShareRule::PerCapita,
                Priority::default()
            ),
            Err(DividendError::Duplicate(_))
        ));
    }

    fn arb_claims() -> impl Strategy<Value = Vec<Claim>> {
        proptest::collection::vec(
            (0u32..7, 0i64..3_000_000, 500_000i64..900_000, 0u32..5),
            0..40,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (m, inc, line, w))| Claim {
                    household: format!("h{i:03}"),
                    members: m,
                    income: Money::from_fen(inc),
                    line: Money::from_fen(line),
                    weight: w,
                })
                .collect()
        })
    }

    fn arb_rule() -> impl Strategy<Value = (ShareRule, Priority)> {
        (0..3u8, 0..2u8).prop_map(|(r, p)| {
            (
                [
                    ShareRule::PerCapita,
                    ShareRule::PerHousehold,
                    ShareRule::Weighted,
                ][r as usize],
                [Priority::LowestPerCapitaIncome, Priority::LargestShortfall][p as usize],
            )
        })
    }

    proptest! {
        #[test]
        fn never_overspent(claims in arb_claims(), pool in 0i64..20_000_000, (rule, prio) in arb_rule()) {
            let a = allocate(Money::from_fen(pool), &claims, rule, prio).unwrap();
            let total: Money = a.awards.iter().map(|x| x.total).sum();
            prop_assert!(total <= a.pool);
            prop_assert_eq!(total + a.unallocated, a.pool);
            prop_assert!(a.awards.iter().all(|x| !x.total.is_negative() && x.top_up <= x.shortfall));
        }

        #[test]
        fn no_money_above_the_line_while_someone_is_below(claims in arb_claims(), pool in 0i64..20_000_000, (rule, prio) in arb_rule()) {
            let a = allocate(Money::from_fen(pool), &claims, rule, prio).unwrap();
            let someone_below = a.awards.iter().any(|x| x.top_up < x.shortfall);
            if someone_below {
                // nothing shared, and nobody without a shortfall got anything
                prop_assert_eq!(a.shared, Money::ZERO);
                prop_assert!(a.awards.iter().filter(|x| x.shortfall == Money::ZERO).all(|x| x.total == Money::ZERO));
                // and whoever got a top-up ranks before everyone still short (except the last one reached)
                let last_paid = a.awards.iter().filter(|x| x.top_up > Money::ZERO).filter_map(|x| x.rank).max().unwrap_or(0);
                prop_assert!(a.awards.iter().filter(|x| x.rank.is_some_and(|r| r < last_paid)).all(|x| x.top_up == x.shortfall));
            }
        }
    }
}
