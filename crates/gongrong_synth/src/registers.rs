//! Row layouts of the generated files (docs/LAYOUTS.md): the village list, the poverty
//! register (扶贫登记), the dibao register (低保登记) and `truth.csv`.

use crate::defects::{Defect, DefectCounts};
use crate::households::{Household, Since};
use crate::people::Person;
use crate::sink::{CsvTable, Table, XlsxTable};
use crate::villages::District;
use crate::{Encoding, OutputFormat, SynthConfig, SynthError};
use gongrong_domain::Register;
use gongrong_domain::codes::LabourSkill;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub const VILLAGE_HEADERS: [&str; 2] = ["区划代码", "村名称"];

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

pub const TRUTH_HEADERS: [&str; 5] = ["register", "row", "person_uid", "household_uid", "defect"];

const POVERTY_NUMERIC: &[usize] = &[19];
const DIBAO_NUMERIC: &[usize] = &[17, 18];

/// Writes the village list.
pub(crate) fn write_villages(
    path: PathBuf,
    encoding: Encoding,
    district: &District,
) -> Result<PathBuf, SynthError> {
    let mut t = CsvTable::create(path, encoding)?;
    t.write(&VILLAGE_HEADERS)?;
    for v in &district.villages {
        t.write(&[v.code.as_str(), v.name.as_str()])?;
    }
    t.finish()
}

fn table(
    dir: &Path,
    stem: &str,
    config: &SynthConfig,
    numeric: &'static [usize],
) -> Result<Table, SynthError> {
    let csv = match config.format {
        OutputFormat::Csv | OutputFormat::Both => Some(CsvTable::create(
            dir.join(format!("{stem}.csv")),
            config.encoding,
        )?),
        OutputFormat::Xlsx => None,
    };
    let xlsx = match config.format {
        OutputFormat::Xlsx | OutputFormat::Both => Some(XlsxTable::create(
            dir.join(format!("{stem}.xlsx")),
            numeric,
            config.as_of,
        )?),
        OutputFormat::Csv => None,
    };
    Ok(Table::new(csv, xlsx))
}

/// The two registers and the truth, written household by household.
pub(crate) struct Registers {
    poverty: Table,
    dibao: Table,
    truth: CsvTable,
    /// Dibao truth rows, appended after the poverty ones at the end.
    dibao_truth: csv::Writer<Vec<u8>>,
    fields: Vec<String>,
    truth_fields: [String; 5],
    pub poverty_rows: u64,
    pub dibao_rows: u64,
    pub counts: DefectCounts,
}

impl Registers {
    pub(crate) fn create(dir: &Path, config: &SynthConfig) -> Result<Self, SynthError> {
        let mut poverty = table(dir, "poverty_register", config, POVERTY_NUMERIC)?;
        let mut dibao = table(dir, "dibao_register", config, DIBAO_NUMERIC)?;
        let mut truth = CsvTable::create(dir.join("truth.csv"), Encoding::Utf8)?;
        poverty.write(&POVERTY_HEADERS)?;
        dibao.write(&DIBAO_HEADERS)?;
        truth.write(&TRUTH_HEADERS)?;
        Ok(Self {
            poverty,
            dibao,
            truth,
            dibao_truth: csv::Writer::from_writer(Vec::new()),
            fields: vec![String::new(); POVERTY_HEADERS.len()],
            truth_fields: Default::default(),
            poverty_rows: 0,
            dibao_rows: 0,
            counts: DefectCounts::default(),
        })
    }

    pub(crate) fn write_household(
        &mut self,
        hh: &Household,
        district: &District,
    ) -> Result<(), SynthError> {
        if hh.poverty.is_some() {
            let listed = hh.members.iter().filter(|p| p.in_poverty);
            for p in listed.clone() {
                self.poverty_row(hh, p, district, false)?;
            }
            for p in listed.filter(|p| is_duplicate(p, Register::Poverty)) {
                self.poverty_row(hh, p, district, true)?;
            }
        }
        if hh.dibao.is_some() {
            for &i in &hh.dibao_order {
                self.dibao_row(hh, &hh.members[i], district, false)?;
            }
            for &i in &hh.dibao_order {
                if is_duplicate(&hh.members[i], Register::Dibao) {
                    self.dibao_row(hh, &hh.members[i], district, true)?;
                }
            }
        }
        Ok(())
    }

    /// The defect this row carries, if any, counted once per row.
    fn defect_of(&mut self, p: &Person, register: Register, repeat: bool) -> Option<Defect> {
        let d = match (&p.defect, repeat) {
            (_, true) => Some(Defect::DuplicateRow),
            (Some(pl), false) if pl.register == register && pl.defect != Defect::DuplicateRow => {
                Some(pl.defect)
            }
            _ => None,
        };
        if let Some(d) = d {
            self.counts.add(d);
        }
        d
    }

    fn name_and_id(&mut self, p: &Person, defect: Option<Defect>, register: Register) {
        let planted = p.defect.as_ref().filter(|pl| pl.register == register);
        let name = match (defect, planted.and_then(|pl| pl.alt_name.as_deref())) {
            (Some(Defect::NameVariant), Some(alt)) => alt,
            _ => p.name.as_str(),
        };
        // Name and ID number sit in columns 4 and 5 of both registers.
        let (n, i) = (4, 5);
        self.fields[n].push_str(name);
        let alt = planted.and_then(|pl| pl.alt_id);
        match (defect, alt) {
            (Some(Defect::IdTypoSubstitution | Defect::IdTypoSwap), Some(id)) => {
                self.fields[i].push_str(id.as_str());
            }
            (Some(Defect::IdLegacy15), _) => {
                let legacy = p.id.legacy15();
                self.fields[i].push_str(std::str::from_utf8(&legacy).unwrap_or_default());
            }
            _ => self.fields[i].push_str(p.id.as_str()),
        }
    }

    fn poverty_row(
        &mut self,
        hh: &Household,
        p: &Person,
        district: &District,
        repeat: bool,
    ) -> Result<(), SynthError> {
        let Some(side) = hh.poverty.as_ref() else {
            return Ok(());
        };
        let village = &district.villages[hh.village];
        let town = &district.towns[village.town];
        let defect = self.defect_of(p, Register::Poverty, repeat);
        let lagging = matches!(defect, Some(Defect::DeceasedListed));
        self.fields.iter_mut().for_each(String::clear);
        self.name_and_id(p, defect, Register::Poverty);
        let f = &mut self.fields;
        f[0].push_str(&side.key);
        f[1].push_str(&town.name);
        f[2].push_str(&village.name);
        f[3].push_str(&village.code);
        f[6].push_str(if p.male { "男" } else { "女" });
        f[7].push_str(p.relation.zh());
        f[8].push_str(p.ethnicity);
        f[9].push_str(p.school.zh());
        f[10].push_str(p.health.zh());
        f[11].push_str(p.labour.zh());
        if let Some((cat, grade)) = p.disability {
            f[12].push_str(cat.zh());
            f[13].push_str(grade.zh());
        }
        if let Some(sc) = p.self_care {
            f[14].push_str(sc.zh());
        }
        f[15].push_str(side.identity.zh());
        let _ = match side.since {
            Since::Year(y) => write!(f[16], "{y}"),
            Since::Date(d) => {
                push_date(&mut f[16], d);
                Ok(())
            }
        };
        f[17].push_str(side.attribute.zh());
        f[18].push_str(side.cause.zh());
        let _ = write!(f[19], "{}", side.annual_income_pc);
        f[20].push_str(&hh.phone);
        match p.death.filter(|_| !lagging) {
            Some(d) => {
                f[21].push_str("死亡");
                push_date(&mut f[22], d);
            }
            None => f[21].push_str("正常"),
        }
        self.poverty.write(&self.fields[..POVERTY_HEADERS.len()])?;
        self.poverty_rows += 1;
        let row = self.poverty_rows;
        self.truth_row(Register::Poverty, row, p, hh, defect)
    }

    fn dibao_row(
        &mut self,
        hh: &Household,
        p: &Person,
        district: &District,
        repeat: bool,
    ) -> Result<(), SynthError> {
        let Some(side) = hh.dibao.as_ref() else {
            return Ok(());
        };
        let village = &district.villages[hh.village];
        let town = &district.towns[village.town];
        let defect = self.defect_of(p, Register::Dibao, repeat);
        let lagging = matches!(defect, Some(Defect::DeceasedListed));
        self.fields.iter_mut().for_each(String::clear);
        self.name_and_id(p, defect, Register::Dibao);
        let f = &mut self.fields;
        f[0].push_str(&side.key);
        f[1].push_str(&village.code);
        f[2].push_str(&town.name);
        f[3].push_str(&village.name);
        f[6].push_str(if p.male { "男" } else { "女" });
        push_date(&mut f[7], p.birth);
        f[8].push_str(p.dibao_relation.zh());
        f[9].push_str(side.identity.zh());
        push_date(&mut f[10], side.since);
        f[11].push_str(p.health.zh());
        if let Some((cat, grade)) = p.disability {
            f[12].push_str(cat.zh());
            f[13].push_str(grade.zh());
        }
        if let Some(sc) = p.self_care {
            f[14].push_str(sc.zh());
        }
        f[15].push_str(p.school.zh());
        f[16].push_str(match p.labour {
            LabourSkill::Ordinary | LabourSkill::Skilled => "有劳动能力",
            LabourSkill::Weak => "部分劳动能力",
            LabourSkill::Lost | LabourSkill::None => "无劳动能力",
        });
        let _ = write!(f[17], "{}", side.monthly_income_pc);
        let _ = write!(f[18], "{}", side.benefit);
        f[19].push_str(&side.bank);
        f[20].push_str(&side.phone);
        if let Some(d) = p.death.filter(|_| !lagging) {
            push_date(&mut f[21], d);
        }
        self.dibao.write(&self.fields[..DIBAO_HEADERS.len()])?;
        self.dibao_rows += 1;
        let row = self.dibao_rows;
        self.truth_row(Register::Dibao, row, p, hh, defect)
    }

    fn truth_row(
        &mut self,
        register: Register,
        row: u64,
        p: &Person,
        hh: &Household,
        defect: Option<Defect>,
    ) -> Result<(), SynthError> {
        let t = &mut self.truth_fields;
        t.iter_mut().for_each(String::clear);
        t[0].push_str(register.code());
        let _ = write!(t[1], "{row}");
        let _ = write!(t[2], "P{:07}", p.uid);
        let _ = write!(t[3], "H{:06}", hh.uid);
        t[4].push_str(defect.map_or("", Defect::code));
        match register {
            Register::Poverty => self.truth.write(t),
            Register::Dibao => {
                self.dibao_truth
                    .write_record(t.iter())
                    .map_err(|source| SynthError::Csv {
                        path: PathBuf::from("truth.csv"),
                        source,
                    })
            }
        }
    }

    pub(crate) fn finish(self, files: &mut Vec<PathBuf>) -> Result<(), SynthError> {
        self.poverty.finish(files)?;
        self.dibao.finish(files)?;
        let dibao_truth = self.dibao_truth.into_inner().map_err(|e| SynthError::Io {
            path: PathBuf::from("truth.csv"),
            source: std::io::Error::other(e.to_string()),
        })?;
        files.push(self.truth.finish_appending(&dibao_truth)?);
        Ok(())
    }
}

fn is_duplicate(p: &Person, register: Register) -> bool {
    p.defect
        .as_ref()
        .is_some_and(|pl| pl.defect == Defect::DuplicateRow && pl.register == register)
}

/// `YYYY-MM-DD`, without going through a format-string parser for every row.
fn push_date(out: &mut String, d: chrono::NaiveDate) {
    use chrono::Datelike;
    let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}
