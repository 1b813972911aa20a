//! A broken catalogue is refused at load (or, for a parameter without a value on a needed date,
//! when resolved for that period) with the file, line and a message.

use crate::support::policies_dir;
use gongrong_policy::{Catalogue, LoadError, Period, PeriodPlan};
use std::path::Path;
use std::sync::Arc;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let name = e.file_name();
        if p.is_dir() {
            if name != "tests" && name != "reforms" {
                copy_dir(&p, &to.join(name));
            }
        } else {
            std::fs::copy(&p, to.join(name)).unwrap();
        }
    }
}

/// A copy of `policies/` with `old` replaced by `new` in `file`; returns the directory and the
/// 1-based line where `new` starts.
fn broken(file: &str, old: &str, new: &str) -> (tempfile::TempDir, u32) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&policies_dir(), dir.path());
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text
        .find(old)
        .unwrap_or_else(|| panic!("{old:?} not in {file}"));
    let line = text[..at].matches('\n').count() as u32 + 1;
    std::fs::write(&path, text.replacen(old, new, 1)).unwrap();
    (dir, line)
}

fn refused(dir: &Path) -> LoadError {
    match Catalogue::load(dir) {
        Ok(_) => panic!("the broken catalogue was accepted"),
        Err(e) => e,
    }
}

fn assert_one(e: &LoadError, file: &str, line: u32, needle: &str) {
    assert!(
        e.diagnostics.iter().any(|d| d.location.file == file
            && d.location.line == line
            && d.message.contains(needle)),
        "expected {file}:{line} “{needle}” in\n{e}"
    );
}

#[test]
fn type_error() {
    let (dir, line) = broken(
        "P14_old_age_allowance.toml",
        "if age >= 100 then param(elderly.allowance_100)",
        "if age >= 100 then 500",
    );
    let e = refused(dir.path());
    assert_one(
        &e,
        "P14_old_age_allowance.toml",
        line,
        "money needs a unit: write `500 yuan`",
    );
    // the column points at the literal
    let d = &e.diagnostics[0];
    assert_eq!(d.location.column, 20, "{e}");
}

#[test]
fn type_error_adding_money_and_bool() {
    let (dir, line) = broken(
        "P01_dibao.toml",
        "dibao_gap_benefit + members.sum(dibao_supplement)",
        "dibao_gap_benefit + dibao_eligible",
    );
    let e = refused(dir.path());
    assert_one(&e, "P01_dibao.toml", line, "cannot compute money + a bool");
}

#[test]
fn unknown_variable_with_suggestion() {
    let (dir, line) = broken(
        "P01_dibao.toml",
        "members.sum(dibao_supplement)",
        "members.sum(dibao_suplement)",
    );
    let e = refused(dir.path());
    assert_one(
        &e,
        "P01_dibao.toml",
        line,
        "unknown variable `dibao_suplement` (did you mean `dibao_supplement`?)",
    );
}

#[test]
fn unknown_parameter() {
    let (dir, line) = broken(
        "P22_filial_piety.toml",
        "param(filial.match_cap)",
        "param(filial.match_cp)",
    );
    let e = refused(dir.path());
    assert_one(
        &e,
        "P22_filial_piety.toml",
        line,
        "unknown parameter `filial.match_cp`",
    );
}

#[test]
fn dependency_cycle() {
    let (dir, _) = broken(
        "variables/common.toml",
        "age_on(birth_date, period.start)",
        "if old_age_allowance > 0 yuan then 80 else age_on(birth_date, period.start)",
    );
    let e = refused(dir.path());
    let d = e
        .diagnostics
        .iter()
        .find(|d| d.message.contains("dependency cycle"))
        .unwrap_or_else(|| panic!("{e}"));
    assert!(
        d.message.contains("age") && d.message.contains("old_age_allowance"),
        "{e}"
    );
}

#[test]
fn a_formula_reading_itself_last_year_is_a_cycle() {
    let (dir, _) = broken(
        "variables/common.toml",
        "+ business_income + property_income + transfer_income",
        "+ business_income + property_income + transfer_income + counted_income@last_year",
    );
    let e = refused(dir.path());
    assert!(
        e.diagnostics.iter().any(|d| d
            .message
            .contains("dependency cycle: counted_income → counted_income")),
        "{e}"
    );
}

#[test]
fn person_variable_in_a_household_formula() {
    let (dir, line) = broken(
        "P01_dibao.toml",
        "formula = \"members.count(not extreme_poverty)\"",
        "formula = \"if extreme_poverty then 0 else 1\"",
    );
    let e = refused(dir.path());
    assert_one(
        &e,
        "P01_dibao.toml",
        line,
        "`extreme_poverty` is a person variable",
    );
}

#[test]
fn yearly_formula_reading_a_monthly_variable() {
    let (dir, line) = broken(
        "P13_project_dividends.toml",
        "formula = \"(formerly_poor or monitored) and not has_working_member\"",
        "formula = \"(formerly_poor or monitored or dibao_eligible) and not has_working_member\"",
    );
    let e = refused(dir.path());
    assert_one(
        &e,
        "P13_project_dividends.toml",
        line,
        "a year formula cannot read the month variable `dibao_eligible`",
    );
}

#[test]
fn syntax_error_and_toml_error_and_unknown_department_are_all_reported() {
    let (dir, _) = broken(
        "P06_family_doctor.toml",
        "in_difficulty and (age",
        "in_difficulty and and (age",
    );
    let p = dir.path().join("P05_premium_subsidy.toml");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        text.replace("department = \"yibao\"", "department = \"yibaoo\""),
    )
    .unwrap();
    let e = refused(dir.path());
    let text = e.to_string();
    assert!(text.contains("P06_family_doctor.toml:"), "{text}");
    assert!(text.contains("expected a value, found `and`"), "{text}");
    assert!(text.contains("P05_premium_subsidy.toml:6:14: P05: unknown department `yibaoo` (did you mean `yibao`?)"), "{text}");
}

#[test]
fn unknown_toml_key() {
    let (dir, _) = broken(
        "variables/needs.toml",
        "formula = \"college_entrant",
        "formla = \"college_entrant",
    );
    let e = refused(dir.path());
    let text = e.to_string();
    assert!(
        text.contains("variables/needs.toml:16:1: unknown field `formla`"),
        "{text}"
    );
}

#[test]
fn parameter_without_a_value_on_the_requested_date() {
    let cat = Arc::new(Catalogue::load(&policies_dir()).unwrap());
    // The reference catalogue's dibao standard starts in 2021.
    let err = PeriodPlan::new(cat.clone(), "2020-06".parse::<Period>().unwrap()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("2020-06"), "{text}");
    let d = err
        .problems
        .iter()
        .find(|d| {
            d.message
                .contains("`dibao.standard` has no value on 2020-06-01")
        })
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(d.location.file, "parameters/dibao.toml");
    assert_eq!(d.location.line, 3);
    assert!(
        d.message.contains("its first value is from 2021-01-01"),
        "{text}"
    );
    // A period whose dates all have values resolves.
    if let Err(e) = PeriodPlan::new(cat, "2021-06".parse::<Period>().unwrap()) {
        panic!("{e}");
    }
}

#[test]
fn duplicate_parameter_date_and_bad_value() {
    let (dir, line) = broken(
        "parameters/housing.toml",
        "values = [{ from = 2021-01-01, value = 15000 }]",
        "values = [{ from = 2021-01-01, value = 15000 }, { from = 2021-01-01, value = \"abc\" }]",
    );
    let e = refused(dir.path());
    assert_one(&e, "parameters/housing.toml", line, "bad value");
}
