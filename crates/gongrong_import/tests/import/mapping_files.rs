//! Mapping files on disk: custom headers, value tables, refusals.

use crate::fixtures::*;
use gongrong_domain::Register;
use gongrong_domain::codes::{IdentityKind, LabourSkill};
use gongrong_import::{Field, Mapping, MappingError};

const CUSTOM: &str = r#"
register = "dibao"
date_formats = ["YYYY.M.D", "YYYY"]

[columns]
household_key = ["户号", "家庭编号"]
village = "村代码"
name = "姓名"
id_number = ["身份证号", "公民身份号码"]
relation = "关系"
identity = "类别"
birth_date = "生日"
labour = "劳动力"

[values.identity]
"农村低保对象" = "低保"
"分散特困" = "特困"

[values.labour]
"强" = "普通劳动力"
"不详" = ""
"#;

#[test]
fn a_custom_mapping_reads_other_headers_and_spellings() {
    let dir = tempfile::tempdir().unwrap();
    let mpath = write(dir.path(), "custom.toml", CUSTOM);
    let m = Mapping::load(&mpath).unwrap();
    assert_eq!(m.headers(Field::HouseholdKey), ["户号", "家庭编号"]);
    let w = woman();
    let f = write(
        dir.path(),
        "export.csv",
        csv_text(
            &[
                "家庭编号",
                "村代码",
                "姓名",
                "公民身份号码",
                "关系",
                "类别",
                "生日",
                "劳动力",
            ],
            &[
                vec![
                    "F1",
                    VILLAGE,
                    "王五",
                    &w,
                    "户主",
                    "农村低保对象",
                    "1982.2.2",
                    "强",
                ],
                vec![
                    "F1",
                    VILLAGE,
                    "王五",
                    &w,
                    "户主",
                    "分散特困",
                    "1982.2.2",
                    "不详",
                ],
                vec![
                    "F1",
                    VILLAGE,
                    "王五",
                    &w,
                    "户主",
                    "分散特困",
                    "1982-02-02",
                    "强",
                ],
            ],
        ),
    );
    let r = run(&f, &m).unwrap();
    assert_eq!(r.records.len(), 2, "{:#?}", r.rejects);
    assert_eq!(r.records[0].identity, Some(IdentityKind::Dibao));
    assert_eq!(r.records[0].labour, Some(LabourSkill::Ordinary));
    assert_eq!(r.records[1].identity, Some(IdentityKind::ExtremePoverty));
    assert_eq!(r.records[1].labour, None);
    let rej = r.only_reject(3, "生日");
    assert!(rej.reason.contains("YYYY.M.D"), "{}", rej.reason);
}

#[test]
fn a_malformed_key_is_named_with_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "top.toml",
            CUSTOM.replace("date_formats", "date_format"),
            "date_format",
        ),
        (
            "col.toml",
            CUSTOM.replace("birth_date =", "birthday ="),
            "birthday",
        ),
        (
            "val.toml",
            CUSTOM.replace("[values.labour]", "[values.labor]"),
            "labor",
        ),
    ];
    for (name, text, key) in cases {
        let p = write(dir.path(), name, text);
        let e = Mapping::load(&p).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(&p.display().to_string()), "{msg}");
        assert!(msg.contains(key), "{msg}");
    }
}

#[test]
fn a_mapping_without_a_required_field_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "noid.toml",
        CUSTOM.replace("id_number = [\"身份证号\", \"公民身份号码\"]\n", ""),
    );
    let e = Mapping::load(&p).unwrap_err();
    assert!(
        matches!(
            e,
            MappingError::MissingField {
                field: Field::IdNumber,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn a_value_table_must_map_to_known_labels() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "bad.toml",
        CUSTOM.replace("\"强\" = \"普通劳动力\"", "\"强\" = \"强劳力\""),
    );
    let e = Mapping::load(&p).unwrap_err();
    assert!(e.to_string().contains("强劳力"), "{e}");
}

#[test]
fn missing_mapping_file_names_it() {
    let e = Mapping::load(std::path::Path::new("/nonexistent/m.toml")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/m.toml"));
}

#[test]
fn shipped_layouts_match_docs_layouts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let docs = std::fs::read_to_string(root.join("docs/LAYOUTS.md")).unwrap();
    // The header column of each table in docs/LAYOUTS.md, per section.
    let section = |title: &str| -> Vec<String> {
        let start = docs.find(title).unwrap();
        let rest = &docs[start..];
        let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
        rest[..end]
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| header"))
            .map(|l| l.split('|').nth(1).unwrap().trim().to_owned())
            .collect()
    };
    for (title, mapping) in [
        ("## Village list", Mapping::builtin_villages()),
        ("## Poverty register", Mapping::builtin(Register::Poverty)),
        ("## Dibao register", Mapping::builtin(Register::Dibao)),
    ] {
        let documented = section(title);
        let mut mapped: Vec<String> = mapping.columns().map(|(_, h)| h[0].clone()).collect();
        mapped.sort();
        let mut documented_sorted = documented.clone();
        documented_sorted.sort();
        assert_eq!(mapped, documented_sorted, "{title}");
        for (field, headers) in mapping.columns() {
            let row = docs
                .lines()
                .find(|l| l.starts_with(&format!("| {} |", headers[0])));
            assert!(row.is_some(), "{title}: {field}");
        }
        // Required in docs ⇔ required field.
        for (field, headers) in mapping.columns() {
            let needle = format!("| {} |", headers[0]);
            let start = docs.find(title).unwrap();
            let line = docs[start..]
                .lines()
                .find(|l| l.starts_with(&needle))
                .unwrap();
            let required = line.split('|').nth(3).unwrap().trim() == "yes";
            assert_eq!(
                required,
                field.is_required(mapping.target()),
                "{title}: {field}"
            );
        }
    }
}

/// The store masks raw register columns by their header (`gongrong_store::mask`): every header
/// the shipped layouts map to a sensitive field must be classified as that field's class, and no
/// other header as sensitive.
#[test]
fn shipped_layouts_headers_are_masked_by_class() {
    use gongrong_store::FieldClass;
    use gongrong_store::mask::classify_header;
    let class_of = |f: Field| match f {
        Field::IdNumber => Some(FieldClass::IdNumber),
        Field::Phone => Some(FieldClass::Phone),
        Field::BankAccount => Some(FieldClass::BankAccount),
        Field::Health | Field::SelfCare => Some(FieldClass::Health),
        Field::DisabilityCategory | Field::DisabilityGrade => Some(FieldClass::Disability),
        _ => None,
    };
    let mut checked = 0;
    for register in [Register::Poverty, Register::Dibao] {
        let m = Mapping::builtin(register);
        for (field, headers) in m.columns() {
            for h in headers {
                assert_eq!(
                    classify_header(h),
                    class_of(field),
                    "{register:?} header {h:?} ({field:?})"
                );
                checked += usize::from(class_of(field).is_some());
            }
        }
    }
    assert!(checked >= 12, "sensitive headers checked: {checked}");
}
