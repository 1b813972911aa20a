use crate::support::{catalogue, policies_dir};
use gongrong_policy::testing::run_dir;

#[test]
fn analysts_yaml_cases_pass() {
    let cat = catalogue();
    let dir = policies_dir();
    let report = run_dir(&cat, &dir.join("tests"), &dir.join("reforms"));
    println!("{report}");
    assert_eq!(report.failed(), 0, "{report}");
    assert!(
        report.outcomes.len() >= 60,
        "{} cases",
        report.outcomes.len()
    );
    // Every policy of the catalogue has at least one case checking one of its outputs.
    for p in cat.policies() {
        let outputs: Vec<&str> = std::iter::once(p.eligible)
            .chain(p.amount)
            .map(|v| cat.var(v).name.as_str())
            .collect();
        assert!(
            report
                .outcomes
                .iter()
                .any(|o| o.checked.iter().any(|c| outputs.contains(&c.as_str()))),
            "no case checks {} ({outputs:?})",
            p.code
        );
    }
}

#[test]
fn a_wrong_expectation_fails_with_the_values() {
    let cat = catalogue();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wrong.yaml"),
        r#"
- name: wrong on purpose
  period: 2024-06
  members: [{ birth_date: 1980-01-01, wage_income: 3600 }]
  expect:
    dibao_benefit: 1
- name: unknown variable
  period: 2024-06
  members: [{ birth_dat: 1980-01-01 }]
  expect:
    dibao_benefit: 1
- name: bad period
  period: 2024-13
  expect:
    dibao_benefit: 1
"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.yaml"), "- name: [unclosed\n").unwrap();
    let report = run_dir(&cat, dir.path(), &policies_dir().join("reforms"));
    assert_eq!(report.outcomes.len(), 3);
    assert_eq!(report.failed(), 4, "{report}");
    let text = report.to_string();
    assert!(
        text.contains("dibao_benefit: expected 1.0, got 500.0"),
        "{text}"
    );
    assert!(
        text.contains("member 1, birth_dat: unknown variable (did you mean `birth_date`?)"),
        "{text}"
    );
    assert!(text.contains("\"2024-13\" is not a period"), "{text}");
    assert!(text.contains("ERROR broken.yaml: line 1"), "{text}");
}
