//! Row validation of register CSV files.

use crate::fixtures::*;
use chrono::NaiveDate;
use gongrong_domain::codes::{
    DisabilityCategory, DisabilityGrade, HouseholdAttribute, IdentityKind, LabourSkill,
    PovertyCause, Relation, Sex,
};
use gongrong_domain::{Money, Register};
use gongrong_import::{ImportError, ImportOptions, Mapping, RegisterReader};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn a_valid_poverty_row_is_accepted_with_every_column_raw() {
    let dir = tempfile::tempdir().unwrap();
    let f = poverty_file(dir.path(), &[poverty_row(&[])]);
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert!(r.rejects.is_empty(), "{:#?}", r.rejects);
    let rec = &r.records[0];
    assert_eq!(rec.register, Register::Poverty);
    assert_eq!(rec.row, 1);
    assert_eq!(rec.household_key, "3703051002010001");
    assert_eq!(rec.id_number.to_string(), man());
    assert_eq!(rec.id_number_raw, man());
    assert_eq!(rec.sex, Sex::Male);
    assert_eq!(rec.birth_date, ymd(1980, 1, 1));
    assert_eq!(rec.relation, Relation::Head);
    assert_eq!(rec.village.as_str(), VILLAGE);
    assert_eq!(rec.identity, Some(IdentityKind::FormerlyPoor));
    assert_eq!(rec.identity_since, Some(ymd(2019, 1, 1)));
    assert_eq!(rec.household_attribute, Some(HouseholdAttribute::Dibao));
    assert_eq!(rec.poverty_cause, Some(PovertyCause::Illness));
    assert_eq!(rec.labour, Some(LabourSkill::Ordinary));
    assert_eq!(
        rec.annual_income_per_capita,
        Some(Money::from_fen(1_234_560))
    );
    assert_eq!(rec.ethnicity.as_deref(), Some("汉族"));
    assert_eq!(rec.phone.as_deref(), Some("13800000000"));
    assert_eq!(rec.disability, None);
    assert_eq!(rec.death_date, None);
    assert_eq!(rec.raw.len(), POVERTY_HEADERS.len());
    assert_eq!(rec.raw[1], ("乡(镇)".to_owned(), "齐都镇".to_owned()));
    assert_eq!(rec.raw[12], ("残疾类别".to_owned(), String::new()));
}

#[test]
fn a_valid_dibao_row_maps_labour_through_the_toml() {
    let dir = tempfile::tempdir().unwrap();
    let f = dibao_file(
        dir.path(),
        &[
            dibao_row(&[]),
            dibao_row(&[("劳动能力", "部分劳动能力"), ("保障类型", "特困")]),
            dibao_row(&[("劳动能力", "无劳动能力"), ("保障类型", "低保边缘")]),
        ],
    );
    let r = run(&f, &Mapping::builtin(Register::Dibao)).unwrap();
    assert!(r.rejects.is_empty(), "{:#?}", r.rejects);
    let labour: Vec<_> = r.records.iter().map(|r| r.labour).collect();
    assert_eq!(
        labour,
        [
            Some(LabourSkill::Ordinary),
            Some(LabourSkill::Weak),
            Some(LabourSkill::None)
        ]
    );
    let rec = &r.records[0];
    assert_eq!(rec.identity_since, Some(ymd(2021, 3, 1)));
    assert_eq!(rec.monthly_benefit, Some(Money::from_yuan(1500)));
    assert_eq!(rec.monthly_income_per_capita, Some(Money::from_yuan(300)));
    assert_eq!(rec.bank_account.as_deref(), Some("6228480000000000000"));
    let d = rec.disability.unwrap();
    assert_eq!(
        (d.category, d.grade),
        (DisabilityCategory::Limb, DisabilityGrade::Two)
    );
    assert_eq!(r.records[1].identity, Some(IdentityKind::ExtremePoverty));
    // The source spelling stays in raw.
    assert!(
        rec.raw
            .contains(&("劳动能力".to_owned(), "有劳动能力".to_owned()))
    );
}

#[test]
fn id_number_problems_have_distinct_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let good = man();
    let mut bad_check = good.clone();
    let last = bad_check.pop().unwrap();
    bad_check.push(if last == '0' { '1' } else { '0' });
    let rows = [
        poverty_row(&[("证件号码", &bad_check)]),
        poverty_row(&[("证件号码", "370305198002300013")]),
        poverty_row(&[("证件号码", "3703051980")]),
        poverty_row(&[("证件号码", "37030519800101001A")]),
        poverty_row(&[("证件号码", "")]),
    ];
    let f = poverty_file(dir.path(), &rows);
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert!(r.records.is_empty());
    let reason = |row| r.only_reject(row, "证件号码").reason.clone();
    assert!(reason(1).contains("check character"), "{}", reason(1));
    assert!(reason(2).contains("impossible birth date"), "{}", reason(2));
    assert!(reason(3).contains("10 characters"), "{}", reason(3));
    assert!(reason(4).contains("invalid character"), "{}", reason(4));
    assert!(reason(5).contains("missing"), "{}", reason(5));
    assert_eq!(r.only_reject(1, "证件号码").value, bad_check);
    assert_eq!(r.only_reject(1, "证件号码").file, "poverty.csv");
}

#[test]
fn legacy_15_digit_numbers_are_converted_and_kept_raw() {
    let dir = tempfile::tempdir().unwrap();
    // 370305 491231 002: a woman born 1949-12-31.
    let f = poverty_file(
        dir.path(),
        &[poverty_row(&[
            ("证件号码", "370305491231002"),
            ("性别", "女"),
        ])],
    );
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert!(r.rejects.is_empty(), "{:#?}", r.rejects);
    let rec = &r.records[0];
    assert_eq!(rec.id_number_raw, "370305491231002");
    assert_eq!(&rec.id_number.as_str()[..17], "37030519491231002");
    assert_eq!(rec.birth_date, ymd(1949, 12, 31));
    assert_eq!(rec.sex, Sex::Female);
}

#[test]
fn sex_and_birth_date_must_agree_with_the_id_number() {
    let dir = tempfile::tempdir().unwrap();
    let f = poverty_file(dir.path(), &[poverty_row(&[("性别", "女")])]);
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert!(r.only_reject(1, "性别").reason.contains("man's"));

    let f = dibao_file(dir.path(), &[dibao_row(&[("出生日期", "1982-02-03")])]);
    let r = run(&f, &Mapping::builtin(Register::Dibao)).unwrap();
    let rej = r.only_reject(1, "出生日期");
    assert!(rej.reason.contains("1982-02-02"), "{}", rej.reason);
    assert_eq!(rej.value, "1982-02-03");
}

#[test]
fn region_codes_must_be_known_villages() {
    let dir = tempfile::tempdir().unwrap();
    let f = poverty_file(
        dir.path(),
        &[
            poverty_row(&[("行政区划代码", "370305100999")]),
            poverty_row(&[("行政区划代码", "370305100")]),
            poverty_row(&[("行政区划代码", "37030510020")]),
            poverty_row(&[("行政区划代码", "990305100201")]),
            poverty_row(&[("行政区划代码", VILLAGE2)]),
        ],
    );
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    let reason = |row| r.only_reject(row, "行政区划代码").reason.clone();
    assert!(
        reason(1).contains("unknown region code 370305100999"),
        "{}",
        reason(1)
    );
    assert!(reason(2).contains("not a village code"), "{}", reason(2));
    assert!(
        reason(3).contains("2, 4, 6, 9 or 12 digits"),
        "{}",
        reason(3)
    );
    assert!(reason(4).contains("unknown region code"), "{}", reason(4));
    assert_eq!(r.records.len(), 1);
    assert_eq!(r.records[0].row, 5);
}

#[test]
fn code_lists_money_dates_and_identity_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let f = poverty_file(
        dir.path(),
        &[
            poverty_row(&[("健康状况", "很好")]),
            poverty_row(&[("人均纯收入(元)", "-5")]),
            poverty_row(&[("人均纯收入(元)", "一千")]),
            poverty_row(&[("脱贫年度", "去年")]),
            poverty_row(&[("户类型", "低保")]),
            poverty_row(&[("与户主关系", "")]),
            poverty_row(&[("残疾等级", "二级")]),
            poverty_row(&[("残疾类别", "视力残疾")]),
            poverty_row(&[("与户主关系", "邻居")]),
        ],
    );
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert!(r.records.is_empty());
    let health = r.only_reject(1, "健康状况");
    assert!(
        health.reason.contains("很好") && health.reason.contains("长期慢性病"),
        "{}",
        health.reason
    );
    assert!(
        r.only_reject(2, "人均纯收入(元)")
            .reason
            .contains("negative")
    );
    assert!(
        r.only_reject(3, "人均纯收入(元)")
            .reason
            .contains("not a number")
    );
    assert!(r.only_reject(4, "脱贫年度").reason.contains("not a date"));
    let kind = &r.only_reject(5, "户类型").reason;
    assert!(
        kind.contains("poverty register") && kind.contains("脱贫户"),
        "{kind}"
    );
    assert!(r.only_reject(6, "与户主关系").reason.contains("missing"));
    assert!(
        r.only_reject(7, "残疾等级")
            .reason
            .contains("needs a disability category")
    );
    assert!(
        r.only_reject(8, "残疾类别")
            .reason
            .contains("needs a disability grade")
    );
    assert!(
        r.only_reject(9, "与户主关系")
            .reason
            .contains("relation to head")
    );
}

#[test]
fn dibao_identity_kinds_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let f = dibao_file(dir.path(), &[dibao_row(&[("保障类型", "脱贫户")])]);
    let r = run(&f, &Mapping::builtin(Register::Dibao)).unwrap();
    let reason = &r.only_reject(1, "保障类型").reason;
    assert!(
        reason.contains("低保、特困、低保边缘") || reason.contains("低保"),
        "{reason}"
    );
}

#[test]
fn a_row_with_several_problems_is_rejected_whole_listing_each() {
    let dir = tempfile::tempdir().unwrap();
    let f = poverty_file(
        dir.path(),
        &[poverty_row(&[
            ("证件号码", "370305198002300013"),
            ("姓名", ""),
            ("劳动技能", "能干"),
            ("行政区划代码", "370305100999"),
        ])],
    );
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert!(r.records.is_empty());
    let mut fields: Vec<&str> = r.rejects_of(1).iter().map(|r| r.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["劳动技能", "姓名", "行政区划代码", "证件号码"]);
}

#[test]
fn status_and_date_of_death() {
    let dir = tempfile::tempdir().unwrap();
    let f = poverty_file(
        dir.path(),
        &[
            poverty_row(&[("人员状态", "死亡"), ("死亡日期", "2023-05")]),
            poverty_row(&[("人员状态", "死亡")]),
            poverty_row(&[("人员状态", "正常"), ("死亡日期", "2023-05-01")]),
            poverty_row(&[("人员状态", "死亡"), ("死亡日期", "2026-01-01")]),
            poverty_row(&[("人员状态", "死亡"), ("死亡日期", "1970-01-01")]),
            poverty_row(&[("人员状态", "外出")]),
        ],
    );
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert_eq!(r.records.len(), 1);
    assert_eq!(r.records[0].death_date, Some(ymd(2023, 5, 1)));
    assert!(
        r.only_reject(2, "人员状态")
            .reason
            .contains("死亡日期 is empty")
    );
    assert!(r.only_reject(3, "死亡日期").reason.contains("正常"));
    assert!(r.only_reject(4, "死亡日期").reason.contains("after today"));
    assert!(
        r.only_reject(5, "死亡日期")
            .reason
            .contains("before the birth date")
    );
    assert!(
        r.only_reject(6, "人员状态")
            .reason
            .contains("person status")
    );
}

#[test]
fn blank_rows_are_skipped_but_counted_in_row_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let blank = vec![String::new(); POVERTY_HEADERS.len()];
    let f = poverty_file(
        dir.path(),
        &[poverty_row(&[]), blank, poverty_row(&[("证件号码", "1")])],
    );
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert_eq!(r.records.len(), 1);
    assert_eq!(r.rejects[0].row, 3);
}

#[test]
fn short_rows_are_padded_and_extra_cells_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let plain = [("人均纯收入(元)", "12345.60")];
    let mut short = poverty_row(&plain);
    short.truncate(20);
    let mut long = poverty_row(&plain);
    long.push("多余".to_owned());
    let mut trailing_empty = poverty_row(&plain);
    trailing_empty.push(String::new());
    let mut text = csv_text(&POVERTY_HEADERS, &[poverty_row(&[])]);
    for r in [short, long, trailing_empty] {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    let f = write(dir.path(), "ragged.csv", text);
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert_eq!(r.records.len(), 3, "{:#?}", r.rejects);
    assert_eq!(r.records[1].raw.len(), POVERTY_HEADERS.len());
    let extra = r.only_reject(3, "column 24");
    assert_eq!(extra.value, "多余");
}

#[test]
fn headers_match_across_full_width_punctuation_and_spaces() {
    let dir = tempfile::tempdir().unwrap();
    let headers: Vec<String> = POVERTY_HEADERS
        .iter()
        .map(|h| h.replace('(', "（").replace(')', "）"))
        .map(|h| {
            if h == "姓名" {
                " 姓 名 ".to_owned()
            } else {
                h
            }
        })
        .collect();
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let f = write(dir.path(), "fw.csv", csv_text(&refs, &[poverty_row(&[])]));
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert!(r.rejects.is_empty(), "{:#?}", r.rejects);
    assert_eq!(
        r.records[0].annual_income_per_capita,
        Some(Money::from_fen(1_234_560))
    );
    assert_eq!(r.records[0].raw[1].0, "乡（镇）");
}

#[test]
fn missing_required_column_is_an_error_before_any_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let keep: Vec<usize> = (0..POVERTY_HEADERS.len())
        .filter(|&i| !matches!(POVERTY_HEADERS[i], "证件号码" | "户类型"))
        .collect();
    let headers: Vec<&str> = keep.iter().map(|&i| POVERTY_HEADERS[i]).collect();
    let row: Vec<String> = keep.iter().map(|&i| poverty_row(&[])[i].clone()).collect();
    let f = write(dir.path(), "nocol.csv", csv_text(&headers, &[row]));
    let mut chunks = 0;
    let err = gongrong_import::read_and_validate(
        &f,
        &Mapping::builtin(Register::Poverty),
        &ImportOptions::default(),
        &regions(),
        today(),
        |_, _| {
            chunks += 1;
            Ok::<(), ImportError>(())
        },
    )
    .unwrap_err();
    assert_eq!(chunks, 0);
    let msg = err.to_string();
    assert!(matches!(err, ImportError::MissingColumns { .. }), "{msg}");
    assert!(
        msg.contains("证件号码") && msg.contains("户类型") && msg.contains("nocol.csv"),
        "{msg}"
    );
}

#[test]
fn empty_and_header_only_files() {
    let dir = tempfile::tempdir().unwrap();
    let m = Mapping::builtin(Register::Poverty);
    for (name, bytes) in [
        ("empty.csv", &b""[..]),
        ("bom.csv", &b"\xEF\xBB\xBF"[..]),
        ("newlines.csv", &b"\n\n"[..]),
    ] {
        let f = write(dir.path(), name, bytes);
        let err = run(&f, &m).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!("file {} is empty", f.display()),
            "{name}"
        );
    }
    let f = write(
        dir.path(),
        "header.csv",
        csv_text::<String>(&POVERTY_HEADERS, &[]),
    );
    let err = run(&f, &m).err().unwrap();
    assert!(matches!(err, ImportError::NoRows { .. }), "{err}");
}

#[test]
fn duplicate_mapped_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut headers = POVERTY_HEADERS.to_vec();
    headers[1] = "姓名";
    let f = write(
        dir.path(),
        "dup.csv",
        csv_text(&headers, &[poverty_row(&[])]),
    );
    let err = run(&f, &Mapping::builtin(Register::Poverty)).err().unwrap();
    assert!(matches!(err, ImportError::DuplicateColumn { .. }), "{err}");
}

#[test]
fn a_villages_mapping_cannot_read_a_register() {
    let dir = tempfile::tempdir().unwrap();
    let f = poverty_file(dir.path(), &[poverty_row(&[])]);
    let err = run(&f, &Mapping::builtin_villages()).err().unwrap();
    assert!(err.to_string().contains("village list"), "{err}");
}

#[test]
fn reading_is_chunked() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Vec<String>> = (0..25)
        .map(|i| poverty_row(&[("户编号", &format!("H{i:03}"))]))
        .collect();
    let f = poverty_file(dir.path(), &rows);
    let m = Mapping::builtin(Register::Poverty);
    let regions = regions();
    let mut reader = RegisterReader::open(&f, &m, &ImportOptions::default(), &regions, today())
        .unwrap()
        .with_chunk_rows(10);
    let mut sizes = Vec::new();
    let mut last_progress = 0;
    while let Some(c) = reader.next_chunk().unwrap() {
        sizes.push(c.records.len());
        let (done, total) = reader.progress();
        assert!(done >= last_progress && done <= total);
        last_progress = done;
    }
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(reader.progress().0, reader.progress().1);
    assert_eq!(reader.stats().accepted, 25);
    assert_eq!(reader.scan().encoding_label(), "utf-8");
}

#[test]
fn reject_report_is_utf8_with_bom() {
    let dir = tempfile::tempdir().unwrap();
    let f = poverty_file(dir.path(), &[poverty_row(&[("性别", "女"), ("姓名", "")])]);
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    let out = dir.path().join("rejects.csv");
    gongrong_import::write_reject_report(&out, &r.rejects).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFfile,row,field,value,reason\n"));
    let mut rd = csv::Reader::from_reader(&bytes[3..]);
    let lines: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(&lines[0][0], "poverty.csv");
    assert_eq!(&lines[0][1], "1");
    assert!(lines.iter().any(|l| &l[2] == "性别" && &l[3] == "女"));
}

#[test]
fn a_title_line_above_the_header_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = "扶贫对象花名册（2024年）\n".to_owned();
    text.push_str(&csv_text(
        &POVERTY_HEADERS,
        &[poverty_row(&[]), poverty_row(&[("性别", "女")])],
    ));
    let f = write(dir.path(), "titled.csv", text);
    let r = run(&f, &Mapping::builtin(Register::Poverty)).unwrap();
    assert_eq!(r.records.len(), 1);
    assert_eq!(r.records[0].row, 1);
    assert_eq!(r.records[0].raw[0].0, "户编号");
    assert_eq!(r.rejects[0].row, 2);
}

/// A million-row file streams in bounded memory. Slow in debug builds: run with
/// `cargo test --release -p gongrong_import -- --ignored`.
#[test]
#[ignore]
fn a_million_rows_stream_in_chunks() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    w.write_all(csv_text::<String>(&POVERTY_HEADERS, &[]).as_bytes())
        .unwrap();
    let row = poverty_row(&[("人均纯收入(元)", "12345.60")]);
    let key = POVERTY_HEADERS.iter().position(|h| *h == "户编号").unwrap();
    for i in 0..1_000_000u32 {
        let mut r = row.clone();
        r[key] = format!("H{i:07}");
        writeln!(w, "{}", r.join(",")).unwrap();
    }
    drop(w);
    let started = std::time::Instant::now();
    let mut accepted = 0usize;
    let mut biggest_chunk = 0usize;
    gongrong_import::read_and_validate(
        &path,
        &Mapping::builtin(Register::Poverty),
        &ImportOptions::default(),
        &regions(),
        today(),
        |records, rejects| {
            assert!(rejects.is_empty());
            biggest_chunk = biggest_chunk.max(records.len());
            accepted += records.len();
            Ok::<(), ImportError>(())
        },
    )
    .unwrap();
    assert_eq!(accepted, 1_000_000);
    assert_eq!(biggest_chunk, gongrong_import::CHUNK_ROWS);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ?");
    eprintln!(
        "1,000,000 rows in {:.1?}; peak memory {peak}",
        started.elapsed()
    );
}
