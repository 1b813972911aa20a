//! XLSX files: numbers, dates, error cells, truncation.

use crate::fixtures::*;
use chrono::NaiveDate;
use gongrong_domain::{Money, Register};
use gongrong_import::{ImportError, Mapping};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    Date(u16, u8, u8),
    Formula(&'a str),
}

fn xlsx(rows: &[Vec<(usize, Cell<'_>)>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    for (c, h) in POVERTY_HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        let base = poverty_row(&[]);
        for (c, text) in base.iter().enumerate() {
            if !row.iter().any(|(i, _)| *i == c) {
                ws.write_string(r, c as u16, text).unwrap();
            }
        }
        for (c, cell) in row {
            let c = *c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, *s).map(|_| ()),
                Cell::Number(n) => ws.write_number(r, c, *n).map(|_| ()),
                Cell::Date(y, m, d) => ws
                    .write_datetime_with_format(
                        r,
                        c,
                        ExcelDateTime::from_ymd(*y, *m, *d).unwrap(),
                        &date,
                    )
                    .map(|_| ()),
                Cell::Formula(f) => ws
                    .write_formula(r, c, Formula::new(*f).set_result("#N/A"))
                    .map(|_| ()),
            }
            .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn col(h: &str) -> usize {
    POVERTY_HEADERS.iter().position(|x| *x == h).unwrap()
}

#[test]
fn numbers_and_dates_read_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = xlsx(&[
        vec![
            (col("行政区划代码"), Cell::Number(370305100201.0)),
            (col("脱贫年度"), Cell::Number(2019.0)),
            (col("人均纯收入(元)"), Cell::Number(12345.6)),
            (col("联系电话"), Cell::Number(13800000000.0)),
            (col("人员状态"), Cell::Text("死亡")),
            (col("死亡日期"), Cell::Date(2023, 5, 17)),
        ],
        // A legacy 15-digit ID number in a number cell is exact.
        vec![
            (col("证件号码"), Cell::Number(370305491231002.0)),
            (col("性别"), Cell::Text("女")),
        ],
    ]);
    let f = write(dir.path(), "poverty.xlsx", bytes);
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert!(r.rejects.is_empty(), "{:#?}", r.rejects);
    let a = &r.records[0];
    assert_eq!(a.village.as_str(), VILLAGE);
    assert_eq!(a.identity_since, NaiveDate::from_ymd_opt(2019, 1, 1));
    assert_eq!(a.annual_income_per_capita, Some(Money::from_fen(1_234_560)));
    assert_eq!(a.phone.as_deref(), Some("13800000000"));
    assert_eq!(a.death_date, NaiveDate::from_ymd_opt(2023, 5, 17));
    assert!(
        a.raw
            .contains(&("死亡日期".to_owned(), "2023-05-17".to_owned()))
    );
    assert_eq!(r.records[1].id_number_raw, "370305491231002");
    let scan = gongrong_import::scan_file(&f, Default::default()).unwrap();
    assert_eq!(scan.encoding_label(), "xlsx");
}

#[test]
fn an_18_digit_id_in_a_number_cell_is_rejected_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let id: f64 = man().parse().unwrap();
    let bytes = xlsx(&[vec![(col("证件号码"), Cell::Number(id))]]);
    let f = write(dir.path(), "numeric_id.xlsx", bytes);
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    let rej = r.only_reject(1, "证件号码");
    assert!(!rej.value.contains('e'), "{}", rej.value);
    assert_eq!(rej.value.len(), 18);
    assert!(
        rej.reason.contains("15 significant digits"),
        "{}",
        rej.reason
    );
}

#[test]
fn spreadsheet_error_cells_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = xlsx(&[vec![(col("姓名"), Cell::Formula("=NA()"))]]);
    let f = write(dir.path(), "na.xlsx", bytes);
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    let rej = r.only_reject(1, "姓名");
    assert_eq!(rej.value, "#N/A");
    assert!(rej.reason.contains("spreadsheet error"), "{}", rej.reason);
}

#[test]
fn a_truncated_xlsx_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = xlsx(&[vec![]]);
    let f = write(dir.path(), "cut.xlsx", &bytes[..bytes.len() / 2]);
    let err = run(&f, &Mapping::builtin(Register::Poverty)).err().unwrap();
    assert!(matches!(err, ImportError::Workbook { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("cut.xlsx") && msg.contains("XLSX"), "{msg}");
}

#[test]
fn a_zip_that_is_no_workbook_and_an_empty_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "junk.xlsx", b"PK\x03\x04junk");
    let err = run(&f, &Mapping::builtin(Register::Poverty)).err().unwrap();
    assert!(err.to_string().contains("junk.xlsx"), "{err}");
    let f = write(dir.path(), "zero.xlsx", b"");
    let err = run(&f, &Mapping::builtin(Register::Poverty)).err().unwrap();
    assert!(matches!(err, ImportError::Empty { .. }), "{err}");
    let mut wb = Workbook::new();
    wb.add_worksheet();
    let f = write(dir.path(), "blank.xlsx", wb.save_to_buffer().unwrap());
    let err = run(&f, &Mapping::builtin(Register::Poverty)).err().unwrap();
    assert!(matches!(err, ImportError::Empty { .. }), "{err}");
}

#[test]
fn a_missing_column_in_xlsx_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["户编号", "姓名"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "H1").unwrap();
    let f = write(dir.path(), "few.xlsx", wb.save_to_buffer().unwrap());
    let err = run(&f, &Mapping::builtin(Register::Poverty)).err().unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("行政区划代码") && msg.contains("证件号码") && msg.contains("few.xlsx"),
        "{msg}"
    );
}
