//! The population facts generator against the reference catalogue: deterministic, in the
//! catalogue's input schema, and evaluated by the one-household evaluator with sensible results.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gongrong_domain::Money;
use gongrong_policy::dividend::{self, Priority, ShareRule};
use gongrong_policy::{Catalogue, Period, PeriodPlan, Reform, coverage};
use gongrong_synth::facts::{ColumnData, FactsConfig, population};
use std::path::PathBuf;
use std::sync::Arc;

fn policies() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies")
}

fn catalogue() -> Arc<Catalogue> {
    Arc::new(Catalogue::load(&policies()).unwrap_or_else(|e| panic!("{e}")))
}

fn config(persons: u64, seed: u64) -> FactsConfig {
    FactsConfig {
        seed,
        persons,
        ..FactsConfig::default()
    }
}

#[test]
fn deterministic_and_in_the_catalogue_schema() {
    let cat = catalogue();
    let a = population(&cat, &config(150_000, 7)).unwrap();
    let b = population(&cat, &config(150_000, 7)).unwrap();
    assert!(a == b, "same seed, same population");
    let c = population(&cat, &config(150_000, 8)).unwrap();
    assert!(a != c);
    assert_eq!(a.person_count(), 150_000);
    assert_eq!(a.persons.rows, 150_000);
    assert_eq!(*a.first_member.last().unwrap() as usize, a.person_count());
    for h in 0..a.household_count() {
        let (from, to) = (a.first_member[h] as usize, a.first_member[h + 1] as usize);
        assert!(to > from, "every household has members");
        assert!(
            a.person_household[from..to]
                .iter()
                .all(|&x| x as usize == h)
        );
    }
    for col in a.persons.columns.iter().chain(&a.households.columns) {
        let def = cat.var(col.var);
        assert!(def.is_input(), "{}", col.name);
        let rows = if def.entity == gongrong_policy::Entity::Person {
            a.person_count()
        } else {
            a.household_count()
        };
        assert_eq!(col.data.len(), rows, "{}", col.name);
    }
    // Both years of income, every person input the generator knows.
    assert!(a.persons.column("wage_income").is_some());
    let last = a.persons.column("wage_income@last_year").unwrap();
    assert_eq!(last.period, Some(Period::Year(2023)));
    for name in [
        "birth_date",
        "disability_category",
        "school_stage",
        "cannot_eat",
        "has_able_supporter",
    ] {
        assert!(a.persons.column(name).is_some(), "{name}");
    }
    // Towns are Linzi's.
    assert!(
        a.village
            .iter()
            .all(|v| v.to_string().starts_with("370305"))
    );
    if let ColumnData::UInt8(stages) = &a.persons.column("school_stage").unwrap().data {
        assert!(stages.iter().any(|&s| s > 0));
    } else {
        panic!("school_stage is an enum column");
    }
}

#[test]
fn the_reference_catalogue_on_a_generated_district() {
    let cat = catalogue();
    let pop = population(&cat, &config(20_000, 370_305)).unwrap();
    let facts = pop.all_facts(&cat);
    let period: Period = "2024-06".parse().unwrap();
    let plan = PeriodPlan::new(cat.clone(), period).unwrap();
    let mut dibao = 0;
    let mut extreme = 0;
    let mut near = 0;
    for hh in &facts {
        let ev = plan.evaluate(hh);
        dibao += usize::from(ev.get("dibao_eligible", None).unwrap().as_bool());
        near += usize::from(ev.get("near_dibao", None).unwrap().as_bool());
        extreme += (0..hh.members.len())
            .filter(|&m| ev.get("extreme_poverty", Some(m)).unwrap().as_bool())
            .count();
    }
    let n = facts.len();
    // Mostly dibao households, some near-dibao, some extreme-poverty persons (like the registers).
    assert!(
        dibao * 100 / n > 40 && dibao * 100 / n < 80,
        "dibao {dibao} of {n}"
    );
    assert!(near > 0 && extreme > 0, "near {near}, extreme {extreme}");
    // The merged catalogue has no duplicates in any exclusivity group …
    let report = coverage::scan(&plan, &facts);
    assert!(
        report.duplicates.is_empty(),
        "{:?}",
        report.duplicates.first()
    );
    assert!(report.needs["college_entrant"].with_need > 0);
    assert_eq!(report.needs["college_entrant"].uncovered, 0);
    // … and gaps where the catalogue has none: unsafe houses outside the households in difficulty.
    assert!(report.needs.values().any(|s| s.with_need > 0));
    // Before the merge, every college entrant of a poor dibao household got two aids.
    let september: Period = "2024-09".parse().unwrap();
    let r = Reform::load(&policies().join("reforms/pre_merge_college_aid.toml")).unwrap();
    let before = PeriodPlan::new(Arc::new(cat.with_reforms(&[r]).unwrap()), september).unwrap();
    let report = coverage::scan(&before, &facts);
    let dup = &report.groups["education_aid"];
    assert!(dup.persons > 0);
    assert_eq!(
        dup.duplicate_amount,
        Money::from_yuan(4_500) * dup.persons as i64
    );
}

#[test]
fn year_end_dividends_on_a_generated_district() {
    let cat = catalogue();
    let pop = population(&cat, &config(20_000, 11)).unwrap();
    let facts = pop.all_facts(&cat);
    let plan = PeriodPlan::new(cat.clone(), Period::Year(2024)).unwrap();
    let claims = dividend::claims(&plan, &facts);
    assert!(!claims.is_empty());
    let shortfall: Money = claims.iter().map(|c| c.shortfall()).sum();
    assert!(shortfall > Money::ZERO);
    // A pool smaller than the shortfalls closes them in priority order and shares nothing.
    let small = dividend::allocate(
        Money::from_fen(shortfall.fen() / 2),
        &claims,
        ShareRule::PerCapita,
        Priority::default(),
    )
    .unwrap();
    assert_eq!(small.shared, Money::ZERO);
    assert!(small.still_below_line > 0);
    assert_eq!(
        small.awards.iter().map(|a| a.total).sum::<Money>(),
        small.pool
    );
    // A larger pool closes every shortfall and shares the rest.
    let big = dividend::allocate(
        shortfall + Money::from_yuan(100_000),
        &claims,
        ShareRule::PerHousehold,
        Priority::default(),
    )
    .unwrap();
    assert_eq!(big.still_below_line, 0);
    assert_eq!(big.topped_up, shortfall);
    assert_eq!(big.shared, Money::from_yuan(100_000));
}
