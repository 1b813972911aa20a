use crate::support::{catalogue, policies_dir};
use gongrong_domain::Money;
use gongrong_policy::testing::household_from_yaml;
use gongrong_policy::{HouseholdFacts, Period, PeriodPlan, Reform, coverage, whatif};
use std::sync::Arc;

fn hh(cat: &gongrong_policy::Catalogue, text: &str) -> HouseholdFacts {
    household_from_yaml(cat, text).unwrap_or_else(|e| panic!("{e}"))
}

fn reformed(cat: &Arc<gongrong_policy::Catalogue>, name: &str) -> Arc<gongrong_policy::Catalogue> {
    let r = Reform::load(&policies_dir().join("reforms").join(format!("{name}.toml"))).unwrap();
    Arc::new(cat.with_reforms(&[r]).unwrap_or_else(|e| panic!("{e}")))
}

const COLLEGE_ENTRANT: &str = "
id: H-college
household: { formerly_poor: true }
members:
  - { id: parent, birth_date: 1975-01-01 }
  - { id: student, birth_date: 2006-03-01, school_stage: undergraduate, college_entrant: true }
";

#[test]
fn the_merged_catalogue_pays_one_college_aid_and_the_old_one_paid_two() {
    let cat = catalogue();
    let period: Period = "2024-09".parse().unwrap();
    let students: Vec<HouseholdFacts> = (0..20)
        .map(|i| {
            let mut h = hh(&cat, COLLEGE_ENTRANT);
            h.id = format!("H-{i}");
            h
        })
        .collect();
    let merged = PeriodPlan::new(cat.clone(), period).unwrap();
    let report = coverage::scan(&merged, &students);
    assert!(
        report.duplicates.is_empty(),
        "{:?}",
        report.duplicates.first()
    );
    assert_eq!(report.needs["college_entrant"].with_need, 20);
    assert_eq!(report.needs["college_entrant"].uncovered, 0);

    let before = PeriodPlan::new(reformed(&cat, "pre_merge_college_aid"), period).unwrap();
    let report = coverage::scan(&before, &students);
    let dups: Vec<_> = report
        .duplicates
        .iter()
        .filter(|d| d.group == "education_aid")
        .collect();
    assert_eq!(dups.len(), 20);
    let d = dups[0];
    assert_eq!(d.person, "student");
    let codes: Vec<&str> = d.policies.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, vec!["X01", "X02"]);
    assert_eq!(d.duplicate_amount, Money::from_yuan(4_500));
    // The seed's figure: about 20 students and 90,000 yuan a year paid twice.
    assert_eq!(report.groups["education_aid"].persons, 20);
    assert_eq!(
        report.groups["education_aid"].duplicate_amount,
        Money::from_yuan(90_000)
    );
}

#[test]
fn gaps_are_needs_no_enabled_policy_covers() {
    let cat = catalogue();
    let period: Period = "2024-06".parse().unwrap();
    let plan = PeriodPlan::new(cat.clone(), period).unwrap();
    // An unsafe house in a household above every line: P10 is for households in difficulty.
    let unsafe_house = hh(
        &cat,
        "
id: H-house
household: { housing_safety: grade_d }
members: [{ birth_date: 1960-01-01, wage_income: 50000 }]
",
    );
    // A severely disabled person is covered by P18 — a need, no gap.
    let severe = hh(&cat, "
id: H-severe
members: [{ birth_date: 1960-01-01, wage_income: 50000, disability_category: limb, disability_grade: 1 }]
");
    let report = coverage::scan(&plan, [&unsafe_house, &severe]);
    let gaps: Vec<(&str, &str)> = report
        .gaps
        .iter()
        .map(|g| (g.household.as_str(), g.need.as_str()))
        .collect();
    assert!(gaps.contains(&("H-house", "unsafe_house")), "{gaps:?}");
    assert!(!gaps.iter().any(|g| g.1 == "severe_disability"), "{gaps:?}");
    assert_eq!(report.needs["severe_disability"].with_need, 1);
    assert_eq!(report.needs["unsafe_house"].uncovered, 1);
    // Switching P18 off opens the gap.
    let r = Reform::parse(
        "no_p18",
        "no_p18.toml",
        "name = { zh = \"停\", en = \"off\" }\nswitch_off = [\"P18\"]\n".into(),
    )
    .unwrap();
    let off = PeriodPlan::new(Arc::new(cat.with_reforms(&[r]).unwrap()), period).unwrap();
    let report = coverage::scan(&off, [&severe]);
    assert!(
        report
            .gaps
            .iter()
            .any(|g| g.need == "severe_disability" && g.member == Some(0)),
        "{:?}",
        report.gaps
    );
}

#[test]
fn extreme_poverty_and_dibao_do_not_cover_one_person_twice() {
    let cat = catalogue();
    let plan = PeriodPlan::new(cat.clone(), "2024-06".parse::<Period>().unwrap()).unwrap();
    let mixed = hh(&cat, "
members:
  - { birth_date: 1944-03-01, has_able_supporter: false, disability_category: limb, disability_grade: 1 }
  - { birth_date: 1970-05-01, wage_income: 6000, disability_category: hearing, disability_grade: 4 }
");
    let report = coverage::scan(&plan, [&mixed]);
    assert!(report.duplicates.is_empty(), "{:?}", report.duplicates);
    let ev = plan.evaluate(&mixed);
    let covers = coverage::member_covers(&ev);
    let codes = |m: usize| {
        covers[m]
            .iter()
            .map(|c| cat.policy(c.policy).code.clone())
            .collect::<Vec<_>>()
    };
    assert!(
        codes(0).contains(&"P02".to_owned()) && !codes(0).contains(&"P01".to_owned()),
        "{:?}",
        codes(0)
    );
    assert!(
        codes(1).contains(&"P01".to_owned()) && codes(1).contains(&"P17".to_owned()),
        "{:?}",
        codes(1)
    );
    // The household's dibao (300) goes to its one beneficiary.
    let p01 = covers[1]
        .iter()
        .find(|c| cat.policy(c.policy).code == "P01")
        .unwrap();
    assert_eq!(p01.amount, Money::from_yuan(300));
}

#[test]
fn what_if_by_town() {
    let cat = catalogue();
    let period: Period = "2024-07".parse().unwrap();
    let base = PeriodPlan::new(cat.clone(), period).unwrap();
    let reform = PeriodPlan::new(reformed(&cat, "raise_dibao_standard"), period).unwrap();
    let national = "
members:
  - { birth_date: 1980-03-01, wage_income: 3600 }
  - { birth_date: 1982-05-01, wage_income: 3600 }
  - { birth_date: 1979-11-20, wage_income: 3600 }
";
    let mut a = hh(&cat, national);
    a.id = "A".into();
    a.village = "370305100201".into();
    let mut b = hh(&cat, national);
    b.id = "B".into();
    b.village = "370305101205".into();
    let mut rich = hh(
        &cat,
        "members: [{ birth_date: 1980-03-01, wage_income: 90000 }]",
    );
    rich.id = "C".into();
    rich.village = "370305101206".into();
    let cmp = whatif::compare(&base, &reform, [&a, &b, &rich], true);
    // P01: 1,500 → 1,650 a month, × 12 = +1,800 a year per national-example household.
    assert_eq!(
        cmp.by_policy["P01"],
        (Money::from_yuan(36_000), Money::from_yuan(39_600))
    );
    assert_eq!(cmp.total.households, 3);
    assert_eq!(cmp.total.households_better_off, 2);
    assert_eq!(cmp.total.persons_better_off, 6);
    assert_eq!(cmp.total.households_worse_off, 0);
    let t100 = &cmp.by_town["370305100"];
    let t101 = &cmp.by_town["370305101"];
    assert_eq!(t100.households, 1);
    assert_eq!(t101.households, 2);
    assert_eq!(t100.cost_change(), Money::from_yuan(1_800));
    assert_eq!(t101.cost_change(), Money::from_yuan(1_800));
    assert_eq!(cmp.households[2].baseline, cmp.households[2].reform);
    // The sum of towns is the total.
    let sum: Money = cmp.by_town.values().map(|t| t.cost_change()).sum();
    assert_eq!(sum, cmp.total.cost_change());
}

#[test]
fn what_if_switching_a_policy_off_makes_people_worse_off() {
    let cat = catalogue();
    let period: Period = "2024-06".parse().unwrap();
    let base = PeriodPlan::new(cat.clone(), period).unwrap();
    let reform = PeriodPlan::new(reformed(&cat, "switch_off_old_age_allowance"), period).unwrap();
    let old = hh(
        &cat,
        "members: [{ birth_date: 1940-01-01, transfer_income: 60000 }]",
    );
    let cmp = whatif::compare(&base, &reform, [&old], false);
    assert_eq!(cmp.total.households_worse_off, 1);
    assert_eq!(cmp.total.cost_change(), -Money::from_yuan(1_200));
    assert!(cmp.households.is_empty());
}
