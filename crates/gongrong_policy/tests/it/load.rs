use crate::support::catalogue;
use gongrong_policy::{HouseholdFacts, Period, PeriodPlan, PersonFacts, Value};

#[test]
fn reference_catalogue_loads_with_22_policies() {
    let cat = catalogue();
    assert_eq!(cat.policies().len(), 22);
    assert_eq!(cat.categories().len(), 10);
    assert_eq!(cat.departments().len(), 9);
    let mut used: Vec<&str> = cat
        .policies()
        .iter()
        .map(|p| p.department.as_str())
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(used.len(), 9, "every department runs a policy");
}

#[test]
fn national_example() {
    let cat = catalogue();
    let plan = PeriodPlan::new(cat.clone(), "2024-06".parse::<Period>().unwrap()).unwrap();
    let wage = cat.var_id("wage_income").unwrap();
    let birth = cat.var_id("birth_date").unwrap();
    let mut hh = HouseholdFacts {
        id: "h".into(),
        village: "370305100201".into(),
        ..Default::default()
    };
    for _ in 0..3 {
        let mut p = PersonFacts::default();
        p.values.set(
            wage,
            None,
            Value::Money(gongrong_domain::Money::from_yuan(3600)),
        );
        p.values
            .set(birth, None, Value::Date("1980-03-01".parse().unwrap()));
        hh.members.push(p);
    }
    let ev = plan.evaluate(&hh);
    assert_eq!(
        ev.get("dibao_per_capita_income", None),
        Some(Value::Money(gongrong_domain::Money::from_yuan(300)))
    );
    assert_eq!(
        ev.get("dibao_benefit", None),
        Some(Value::Money(gongrong_domain::Money::from_yuan(1500)))
    );
}
