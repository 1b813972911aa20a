//! UTF-8 (with and without BOM) and GBK CSV files.

use crate::fixtures::*;
use gongrong_domain::Register;
use gongrong_import::{ImportError, ImportOptions, Mapping, TextEncoding};

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn opts(encoding: TextEncoding) -> ImportOptions {
    ImportOptions { encoding }
}

#[test]
fn utf8_with_bom_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(csv_text(&POVERTY_HEADERS, &[poverty_row(&[])]).into_bytes());
    let f = write(dir.path(), "bom.csv", bytes);
    for enc in [TextEncoding::Auto, TextEncoding::Utf8] {
        let r = run_with(&f, &Mapping::builtin(Register::Poverty), &opts(enc)).unwrap();
        assert_eq!(r.records.len(), 1, "{:#?}", r.rejects);
        assert_eq!(r.records[0].raw[0].0, "户编号");
    }
}

#[test]
fn gbk_is_detected_automatically_and_read_when_forced() {
    let dir = tempfile::tempdir().unwrap();
    let text = csv_text(&POVERTY_HEADERS, &[poverty_row(&[("姓名", "欧阳娜娜")])]);
    let f = write(dir.path(), "gbk.csv", gbk(&text));
    for enc in [TextEncoding::Auto, TextEncoding::Gbk] {
        let r = run_with(&f, &Mapping::builtin(Register::Poverty), &opts(enc)).unwrap();
        assert!(r.rejects.is_empty(), "{:#?}", r.rejects);
        assert_eq!(r.records[0].name, "欧阳娜娜");
        assert_eq!(r.records[0].raw[1].1, "齐都镇");
    }
    let scan = gongrong_import::scan_file(&f, TextEncoding::Auto).unwrap();
    assert_eq!(scan.encoding_label(), "gbk");
}

#[test]
fn gbk_read_as_utf8_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = csv_text(&POVERTY_HEADERS, &[poverty_row(&[])]);
    let f = write(dir.path(), "legacy.csv", gbk(&text));
    let err = run_with(
        &f,
        &Mapping::builtin(Register::Poverty),
        &opts(TextEncoding::Utf8),
    )
    .err()
    .unwrap();
    assert!(matches!(err, ImportError::LooksLikeGbk { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "file {} is not UTF-8 (looks like GBK): pass --encoding gbk",
            f.display()
        )
    );
}

#[test]
fn utf8_read_as_gbk_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = poverty_file(dir.path(), &[poverty_row(&[])]);
    let err = run_with(
        &f,
        &Mapping::builtin(Register::Poverty),
        &opts(TextEncoding::Gbk),
    )
    .err()
    .unwrap();
    assert!(matches!(err, ImportError::LooksLikeUtf8 { .. }), "{err}");
    assert!(err.to_string().contains("--encoding utf-8"));
}

#[test]
fn bytes_that_are_neither_are_refused_with_an_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = csv_text(&POVERTY_HEADERS, &[poverty_row(&[])]).into_bytes();
    let at = bytes.len();
    bytes.extend_from_slice(b"\xFF\xFF\n");
    let f = write(dir.path(), "binary.csv", bytes);
    let err = run(&f, &Mapping::builtin(Register::Poverty)).err().unwrap();
    match err {
        ImportError::UnknownEncoding { offset, .. } => assert_eq!(offset, at as u64),
        other => panic!("{other}"),
    }
}

#[test]
fn quoted_fields_with_commas_and_newlines_in_gbk() {
    let dir = tempfile::tempdir().unwrap();
    let text = csv_text(
        &POVERTY_HEADERS,
        &[poverty_row(&[
            ("行政村", "东关村,\n第一组"),
            ("民族", "回族"),
        ])],
    );
    let f = write(dir.path(), "quoted.csv", gbk(&text));
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert!(r.rejects.is_empty(), "{:#?}", r.rejects);
    assert_eq!(r.records[0].raw[2].1, "东关村,\n第一组");
    assert_eq!(r.records[0].ethnicity.as_deref(), Some("回族"));
}
