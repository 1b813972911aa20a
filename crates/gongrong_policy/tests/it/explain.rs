use crate::support::catalogue;
use gongrong_domain::{Lang, Money};
use gongrong_policy::{HouseholdFacts, Origin, Period, PeriodPlan, PersonFacts, Value};

fn national_example(cat: &gongrong_policy::Catalogue) -> HouseholdFacts {
    let wage = cat.var_id("wage_income").unwrap();
    let birth = cat.var_id("birth_date").unwrap();
    let mut hh = HouseholdFacts {
        id: "H-1".into(),
        village: "370305100201".into(),
        ..Default::default()
    };
    for (i, b) in ["1980-03-01", "1982-05-01", "2012-11-20"]
        .iter()
        .enumerate()
    {
        let mut p = PersonFacts {
            id: format!("P-{}", i + 1),
            ..Default::default()
        };
        if i < 2 {
            p.values
                .set(wage, None, Value::Money(Money::from_yuan(5400)));
        }
        p.values.set(birth, None, Value::Date(b.parse().unwrap()));
        hh.members.push(p);
    }
    hh
}

#[test]
fn explanation_names_formulas_parameters_with_dates_and_inputs() {
    let cat = catalogue();
    let plan = PeriodPlan::new(cat.clone(), "2024-06".parse::<Period>().unwrap()).unwrap();
    let facts = national_example(&cat);
    let ev = plan.evaluate(&facts);
    // 10,800 a year / 12 / 3 = 300 per capita; gap 1,500; the child's minor supplement 80.
    assert_eq!(
        ev.get("dibao_benefit", None),
        Some(Value::Money(Money::from_yuan(1580)))
    );
    let ex = ev.explain(&facts);
    let p01 = ex.policies.iter().find(|p| p.code == "P01").unwrap();
    assert!(p01.results[0].eligible);
    assert_eq!(p01.results[0].amount, Some(serde_json::json!(1580.0)));
    let node = |name: &str, member: Option<usize>| {
        ex.nodes
            .iter()
            .find(|n| n.variable == name && n.member == member)
            .unwrap_or_else(|| panic!("no node {name} {member:?}"))
    };
    let gap = node("dibao_gap_benefit", None);
    assert_eq!(gap.value, serde_json::json!(1500.0));
    assert!(
        gap.formula
            .as_deref()
            .unwrap()
            .contains("param(dibao.standard) - dibao_per_capita_income")
    );
    let std = gap
        .parameters
        .iter()
        .find(|p| p.name == "dibao.standard")
        .unwrap();
    assert_eq!(std.value, serde_json::json!(800.0));
    assert_eq!(std.from.to_string(), "2024-01-01");
    assert!(std.illustrative);
    // The per-capita income depends on the assessed income, which reads last year's incomes of
    // each member: inputs are leaves with their origin.
    let wage = ex
        .nodes
        .iter()
        .find(|n| {
            n.variable == "wage_income"
                && n.member == Some(0)
                && n.period == Some(Period::Year(2023))
        })
        .unwrap();
    assert_eq!(wage.origin, Origin::Fact);
    assert_eq!(wage.member_id.as_deref(), Some("P-1"));
    let child_wage = ex
        .nodes
        .iter()
        .find(|n| {
            n.variable == "wage_income"
                && n.member == Some(2)
                && n.period == Some(Period::Year(2023))
        })
        .unwrap();
    assert_eq!(child_wage.origin, Origin::Default);
    // Every dependency id points at an existing node, and a node's dependencies come first.
    for n in &ex.nodes {
        for &d in &n.depends_on {
            assert!(d < n.id);
        }
    }
    let json = serde_json::to_string(&ex.to_json()).unwrap();
    assert!(json.contains("\"dibao.standard\""));
    let zh = ex.render_text(Lang::Zh, Some("P01"));
    assert!(
        zh.starts_with("P01 最低生活保障金: 符合 — 1580.00 元"),
        "{zh}"
    );
    assert!(
        zh.contains("低保标准（每人每月） [dibao.standard] = 800.00 元 (2024-01-01起执行)"),
        "{zh}"
    );
    assert!(zh.contains("〔申报〕"), "{zh}");
    let en = ex.render_text(Lang::En, Some("P01"));
    assert!(
        en.contains("Dibao benefit: entitled — 1580.00 yuan"),
        "{en}"
    );
    assert!(en.contains("in force from 2024-01-01"), "{en}");
    assert!(en.contains("[member 3]"), "{en}");
    // Person policies give one result per member.
    let p14 = ex.policies.iter().find(|p| p.code == "P14").unwrap();
    assert_eq!(p14.results.len(), 3);
}

#[test]
fn a_yearly_evaluation_explains_yearly_policies_only() {
    let cat = catalogue();
    let plan = PeriodPlan::new(cat.clone(), Period::Year(2024)).unwrap();
    let facts = national_example(&cat);
    let ex = plan.evaluate(&facts).explain(&facts);
    let codes: Vec<&str> = ex.policies.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, vec!["P13"]);
}
