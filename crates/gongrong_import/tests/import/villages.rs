//! The village list, read without a database.

use crate::fixtures::*;
use gongrong_domain::RegionTable;
use gongrong_import::{ImportOptions, Mapping, read_villages};

#[test]
fn villages_are_checked_against_the_national_towns() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "villages.csv",
        csv_text(
            &["区划代码", "村名称"],
            &[
                vec![VILLAGE, "东关村"],
                vec!["370305100202", "西关村"],
                vec!["370305999201", "无此镇村"],
                vec!["370305100", "齐都镇"],
                vec!["370305100203", ""],
                vec![VILLAGE, "东关村"],
                vec!["37030510020x", "坏码村"],
            ],
        ),
    );
    let list = read_villages(
        &f,
        &Mapping::builtin_villages(),
        &ImportOptions::default(),
        &RegionTable::national(),
    )
    .unwrap();
    let codes: Vec<&str> = list.villages.iter().map(|v| v.code.as_str()).collect();
    assert_eq!(codes, [VILLAGE, "370305100202"]);
    let rows: Vec<u64> = list.rejects.iter().map(|r| r.row).collect();
    assert_eq!(rows, [3, 4, 5, 6, 7]);
    assert!(
        list.rejects[0].reason.contains("370305999"),
        "{}",
        list.rejects[0].reason
    );
    assert!(list.rejects[1].reason.contains("not a village code"));
    assert_eq!(list.rejects[2].field, "村名称");
    assert!(list.rejects[3].reason.contains("first in row 1"));
}

#[test]
fn a_register_mapping_cannot_read_villages() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "v.csv",
        "区划代码,村名称\n370305100201,东关村\n",
    );
    let err = read_villages(
        &f,
        &Mapping::builtin(gongrong_domain::Register::Dibao),
        &ImportOptions::default(),
        &RegionTable::national(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("village list"), "{err}");
}
