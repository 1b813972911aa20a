//! Small hand-written register files.

use chrono::NaiveDate;
use gongrong_domain::{IdNumber, RegionCode, RegionTable, RegisterRecord};
use gongrong_import::{ImportError, ImportOptions, Mapping, RejectRow, read_and_validate};
use std::path::{Path, PathBuf};

pub const VILLAGE: &str = "370305100201";
pub const VILLAGE2: &str = "370305100202";

pub const POVERTY_HEADERS: [&str; 23] = [
    "户编号",
    "乡(镇)",
    "行政村",
    "行政区划代码",
    "姓名",
    "证件号码",
    "性别",
    "与户主关系",
    "民族",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "残疾类别",
    "残疾等级",
    "自理能力",
    "户类型",
    "脱贫年度",
    "户属性",
    "主要致贫原因",
    "人均纯收入(元)",
    "联系电话",
    "人员状态",
    "死亡日期",
];

pub const DIBAO_HEADERS: [&str; 22] = [
    "家庭编号",
    "所属区划",
    "街道(乡镇)",
    "社区(村)",
    "成员姓名",
    "身份证号码",
    "性别",
    "出生日期",
    "与户主关系",
    "保障类型",
    "救助开始日期",
    "健康状况",
    "残疾类别",
    "残疾等级",
    "自理能力",
    "在校情况",
    "劳动能力",
    "家庭月人均收入(元)",
    "月保障金(元)",
    "银行账号",
    "联系电话",
    "死亡日期",
];

/// A valid 18-digit ID number from its first 17 digits.
pub fn id(first17: &str) -> String {
    IdNumber::from_first17(first17).unwrap().to_string()
}

/// A man born 1980-01-01.
pub fn man() -> String {
    id("37030519800101001")
}

/// A woman born 1982-02-02.
pub fn woman() -> String {
    id("37030519820202002")
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

pub fn regions() -> RegionTable {
    let mut t = RegionTable::national();
    t.insert(RegionCode::parse(VILLAGE).unwrap(), "东关村");
    t.insert(RegionCode::parse(VILLAGE2).unwrap(), "西关村");
    t
}

/// A valid poverty row (the household head, a man), with some cells replaced.
pub fn poverty_row(overrides: &[(&str, &str)]) -> Vec<String> {
    let man = man();
    let base: [(&str, &str); 23] = [
        ("户编号", "3703051002010001"),
        ("乡(镇)", "齐都镇"),
        ("行政村", "东关村"),
        ("行政区划代码", VILLAGE),
        ("姓名", "张三"),
        ("证件号码", &man),
        ("性别", "男"),
        ("与户主关系", "户主"),
        ("民族", "汉族"),
        ("在校生状况", "非在校生"),
        ("健康状况", "长期慢性病"),
        ("劳动技能", "普通劳动力"),
        ("残疾类别", ""),
        ("残疾等级", ""),
        ("自理能力", "生活自理"),
        ("户类型", "脱贫户"),
        ("脱贫年度", "2019"),
        ("户属性", "低保"),
        ("主要致贫原因", "因病"),
        ("人均纯收入(元)", "12,345.60"),
        ("联系电话", "13800000000"),
        ("人员状态", "正常"),
        ("死亡日期", ""),
    ];
    fill(&POVERTY_HEADERS, &base, overrides)
}

/// A valid dibao row (the household head, a woman), with some cells replaced.
pub fn dibao_row(overrides: &[(&str, &str)]) -> Vec<String> {
    let woman = woman();
    let base: [(&str, &str); 22] = [
        ("家庭编号", "DB-0001"),
        ("所属区划", VILLAGE),
        ("街道(乡镇)", "齐都镇"),
        ("社区(村)", "东关村"),
        ("成员姓名", "李四"),
        ("身份证号码", &woman),
        ("性别", "女"),
        ("出生日期", "1982-02-02"),
        ("与户主关系", "户主"),
        ("保障类型", "低保"),
        ("救助开始日期", "2021-03"),
        ("健康状况", "残疾"),
        ("残疾类别", "肢体残疾"),
        ("残疾等级", "二级"),
        ("自理能力", "部分丧失生活自理能力"),
        ("在校情况", "非在校生"),
        ("劳动能力", "有劳动能力"),
        ("家庭月人均收入(元)", "300"),
        ("月保障金(元)", "1,500.00"),
        ("银行账号", "6228480000000000000"),
        ("联系电话", "13900000000"),
        ("死亡日期", ""),
    ];
    fill(&DIBAO_HEADERS, &base, overrides)
}

fn fill(headers: &[&str], base: &[(&str, &str)], overrides: &[(&str, &str)]) -> Vec<String> {
    for (h, _) in overrides {
        assert!(headers.contains(h), "fixture: no column {h}");
    }
    headers
        .iter()
        .map(|h| {
            overrides
                .iter()
                .rev()
                .find(|(k, _)| k == h)
                .or_else(|| base.iter().find(|(k, _)| k == h))
                .map(|(_, v)| (*v).to_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// CSV text (UTF-8, no BOM) with proper quoting.
pub fn csv_text<S: AsRef<str>>(headers: &[&str], rows: &[Vec<S>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers).unwrap();
    for r in rows {
        w.write_record(r.iter().map(|c| c.as_ref())).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub fn poverty_file(dir: &Path, rows: &[Vec<String>]) -> PathBuf {
    write(dir, "poverty.csv", csv_text(&POVERTY_HEADERS, rows))
}

pub fn dibao_file(dir: &Path, rows: &[Vec<String>]) -> PathBuf {
    write(dir, "dibao.csv", csv_text(&DIBAO_HEADERS, rows))
}

pub struct Run {
    pub records: Vec<RegisterRecord>,
    pub rejects: Vec<RejectRow>,
    pub chunks: usize,
}

impl Run {
    /// The reject rows of one data row.
    pub fn rejects_of(&self, row: u64) -> Vec<&RejectRow> {
        self.rejects.iter().filter(|r| r.row == row).collect()
    }
    /// The single reject of one data row, checked to be on `field`.
    pub fn only_reject(&self, row: u64, field: &str) -> &RejectRow {
        let r = self.rejects_of(row);
        assert_eq!(r.len(), 1, "expected one problem in row {row}: {r:#?}");
        assert_eq!(r[0].field, field, "{r:#?}");
        r[0]
    }
}

pub fn run_with(path: &Path, mapping: &Mapping, opts: &ImportOptions) -> Result<Run, ImportError> {
    let mut run = Run {
        records: Vec::new(),
        rejects: Vec::new(),
        chunks: 0,
    };
    read_and_validate(
        path,
        mapping,
        opts,
        &regions(),
        today(),
        |records, rejects| {
            run.records.extend(records);
            run.rejects.extend(rejects);
            run.chunks += 1;
            Ok::<(), ImportError>(())
        },
    )?;
    Ok(run)
}

pub fn run(path: &Path, mapping: &Mapping) -> Result<Run, ImportError> {
    run_with(path, mapping, &ImportOptions::default())
}
