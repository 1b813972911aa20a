//! A seeded store and helpers to call the router in-process.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use gongrong_domain::codes::{
    Health, HouseholdAttribute, IdentityKind, LabourSkill, Relation, SchoolStage, SelfCare,
};
use gongrong_domain::unify::exact_id;
use gongrong_domain::{
    Disability, FixedClock, IdNumber, Money, Region, RegionCode, Register, RegisterRecord, Role,
};
use gongrong_store::{Access, AuditFilter, AuditRecord, NewBatch, NewUser, SearchQuery, Store};
use gongrong_web::{AppConfig, AppState, hash_password, router};
use std::sync::{Arc, OnceLock};
use tempfile::TempDir;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse 电池 staple";

/// Town A (370305100) has villages 东关村 and 西关村; town B (370305102, 皇城镇) has 南村.
pub const VILLAGE_DONGGUAN: &str = "370305100201";
pub const VILLAGE_XIGUAN: &str = "370305100202";
pub const VILLAGE_NANCUN: &str = "370305102201";
pub const TOWN_A: &str = "370305100";
pub const DISTRICT: &str = "370305";

pub fn id(first17: &str) -> IdNumber {
    IdNumber::from_first17(first17).unwrap()
}

/// 王大山 (head) and 李秀英 (spouse) in 东关村: in both registers.
pub fn head_id() -> IdNumber {
    id("37030519500101001")
}
pub fn spouse_id() -> IdNumber {
    id("37030519520304002")
}
/// 赵小红 in 西关村: poverty register only.
pub fn zhao_id() -> IdNumber {
    id("37030519800512002")
}
/// 孙老三 in 南村 (town B): dibao register only.
pub fn sun_id() -> IdNumber {
    id("37030519450708003")
}

pub const PHONE: &str = "13812345678";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

/// The tests set the district up as the commands would.
pub fn sys() -> Access {
    Access::system("test", now())
}

pub fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[allow(clippy::too_many_arguments)]
pub fn record(
    register: Register,
    row: u64,
    key: &str,
    id_number: IdNumber,
    name: &str,
    relation: Relation,
    village: &str,
    identity: IdentityKind,
) -> RegisterRecord {
    let raw = vec![
        ("户编号".to_owned(), key.to_owned()),
        ("姓名".to_owned(), name.to_owned()),
        ("身份证号".to_owned(), id_number.to_string()),
        ("与户主关系".to_owned(), relation.zh().to_owned()),
        ("联系电话".to_owned(), PHONE.to_owned()),
    ];
    RegisterRecord {
        register,
        row,
        household_key: key.to_owned(),
        id_number,
        id_number_raw: id_number.to_string(),
        name: name.to_owned(),
        sex: id_number.sex(),
        birth_date: id_number.birth_date(),
        relation,
        village: code(village),
        ethnicity: Some("汉族".to_owned()),
        health: Some(Health::Chronic),
        labour: Some(LabourSkill::Weak),
        disability: None,
        self_care: Some(SelfCare::SelfReliant),
        school_stage: Some(SchoolStage::NotInSchool),
        identity: Some(identity),
        identity_since: Some(date("2021-01-01")),
        household_attribute: Some(HouseholdAttribute::Dibao),
        poverty_cause: None,
        annual_income_per_capita: Some(Money::from_yuan(6000)),
        monthly_income_per_capita: None,
        monthly_benefit: None,
        death_date: None,
        phone: Some(PHONE.to_owned()),
        bank_account: None,
        raw,
    }
}

/// The hash of [`PASSWORD`], computed once for the whole test binary (argon2 is slow on purpose).
pub fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(PASSWORD).unwrap())
        .clone()
}

pub struct Fixture {
    pub store: Store,
    pub state: AppState,
    /// Household of 王大山 / 李秀英 (东关村, both registers).
    pub hh_dongguan: i64,
    /// Household of 赵小红 (西关村, poverty only).
    pub hh_xiguan: i64,
    /// Household of 孙老三 (南村, town B, dibao only).
    pub hh_nancun: i64,
    _dir: TempDir,
}

async fn import(store: &Store, register: Register, records: Vec<RegisterRecord>) {
    let mut w = store
        .begin_import(
            &sys(),
            NewBatch {
                register,
                file_name: format!("{}.csv", register.code()),
                sha256: format!("{:064x}", register as u8 + 1),
                encoding: "utf-8".into(),
                imported_at: now(),
                imported_by: "test".into(),
            },
        )
        .await
        .unwrap();
    w.add_records(&records).await.unwrap();
    w.commit().await.unwrap();
}

async fn person_of(store: &Store, name: &str) -> (i64, i64) {
    let page = store
        .search(
            &sys(),
            &SearchQuery {
                text: Some(name.into()),
                village: None,
                page: 0,
                page_size: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.hits.len(), 1, "exactly one {name} in the fixture");
    (page.hits[0].person_id, page.hits[0].household_id)
}

async fn household_of(store: &Store, name: &str) -> i64 {
    person_of(store, name).await.1
}

/// Users: one per role and area used by the tests; all with [`PASSWORD`].
pub const USERS: &[(&str, &str, Role, &str)] = &[
    (
        "clerk_dg",
        "东关村经办 刘明",
        Role::VillageClerk,
        VILLAGE_DONGGUAN,
    ),
    (
        "clerk_xg",
        "西关村经办 陈芳",
        Role::VillageClerk,
        VILLAGE_XIGUAN,
    ),
    ("town_a", "镇街经办 周强", Role::TownCaseworker, TOWN_A),
    ("auditor", "审计 吴静", Role::Auditor, DISTRICT),
    (
        "district",
        "区民政 郑伟",
        Role::DistrictCivilAffairs,
        DISTRICT,
    ),
    ("admin", "管理员 孔丽", Role::Admin, DISTRICT),
];

/// A department officer of the education bureau (教育), district-wide; the fixture lists
/// 赵小红 for the department (as the policy engine's population run would).
pub const EDU_OFFICER: &str = "edu";

pub async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("gongrong.db").to_str().unwrap())
        .await
        .unwrap();
    store
        .upsert_villages(
            &sys(),
            &[
                Region {
                    code: code(VILLAGE_DONGGUAN),
                    name: "东关村".into(),
                },
                Region {
                    code: code(VILLAGE_XIGUAN),
                    name: "西关村".into(),
                },
                Region {
                    code: code(VILLAGE_NANCUN),
                    name: "南村".into(),
                },
            ],
        )
        .await
        .unwrap();

    let mut head_p = record(
        Register::Poverty,
        1,
        "P001",
        head_id(),
        "王大山",
        Relation::Head,
        VILLAGE_DONGGUAN,
        IdentityKind::FormerlyPoor,
    );
    head_p.disability = Some(Disability {
        category: gongrong_domain::codes::DisabilityCategory::Limb,
        grade: gongrong_domain::codes::DisabilityGrade::Two,
    });
    let spouse_p = record(
        Register::Poverty,
        2,
        "P001",
        spouse_id(),
        "李秀英",
        Relation::Spouse,
        VILLAGE_DONGGUAN,
        IdentityKind::FormerlyPoor,
    );
    let zhao = record(
        Register::Poverty,
        3,
        "P002",
        zhao_id(),
        "赵小红",
        Relation::Head,
        VILLAGE_XIGUAN,
        IdentityKind::FormerlyPoor,
    );
    import(&store, Register::Poverty, vec![head_p, spouse_p, zhao]).await;

    let head_d = record(
        Register::Dibao,
        1,
        "D001",
        head_id(),
        "王大山",
        Relation::Head,
        VILLAGE_DONGGUAN,
        IdentityKind::Dibao,
    );
    let spouse_d = record(
        Register::Dibao,
        2,
        "D001",
        spouse_id(),
        "李秀英",
        Relation::Spouse,
        VILLAGE_DONGGUAN,
        IdentityKind::Dibao,
    );
    let sun = record(
        Register::Dibao,
        3,
        "D002",
        sun_id(),
        "孙老三",
        Relation::Head,
        VILLAGE_NANCUN,
        IdentityKind::Dibao,
    );
    import(&store, Register::Dibao, vec![head_d, spouse_d, sun]).await;

    let staged = store.staged_records(&sys()).await.unwrap();
    let unified = exact_id(&staged, date("2026-03-01"));
    store
        .replace_registry(&sys(), &unified, now())
        .await
        .unwrap();

    for (username, display_name, role, area) in USERS {
        store
            .upsert_user(
                &sys(),
                &NewUser {
                    username: (*username).into(),
                    display_name: (*display_name).into(),
                    role: *role,
                    area: code(area),
                    department: None,
                    password_hash: password_hash(),
                },
            )
            .await
            .unwrap();
    }
    store
        .upsert_user(
            &sys(),
            &NewUser {
                username: EDU_OFFICER.into(),
                display_name: "区教育局 何敏".into(),
                role: Role::DepartmentOfficer,
                area: code(DISTRICT),
                department: Some("教育".into()),
                password_hash: password_hash(),
            },
        )
        .await
        .unwrap();

    let regions = Arc::new(store.region_table().await.unwrap());
    let state = AppState::new(
        store.clone(),
        Arc::new(FixedClock(now())),
        AppConfig::default(),
        regions,
    );
    let (zhao, hh_xiguan) = person_of(&store, "赵小红").await;
    store
        .replace_department_people(
            &sys(),
            "教育",
            &[gongrong_store::DepartmentPerson {
                person_id: zhao,
                policy: "P08".into(),
            }],
        )
        .await
        .unwrap();
    Fixture {
        hh_dongguan: household_of(&store, "王大山").await,
        hh_xiguan,
        hh_nancun: household_of(&store, "孙老三").await,
        store,
        state,
        _dir: dir,
    }
}

impl Fixture {
    /// The newest `limit` audit records, newest first.
    pub async fn events(&self, limit: u32) -> Vec<AuditRecord> {
        self.store
            .audit_log(
                &sys(),
                &AuditFilter {
                    limit,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }
}

/// A response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

pub struct App {
    pub fx: Fixture,
    pub router: Router,
}

pub async fn app() -> App {
    let fx = fixture().await;
    let router = router(fx.state.clone());
    App { fx, router }
}

impl App {
    pub async fn request(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 10 << 20)
            .await
            .unwrap();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// GET with optional cookies (`name=value; name=value`).
    pub async fn get(&self, path: &str, cookies: Option<&str>) -> Resp {
        let mut b = Request::builder().method(Method::GET).uri(path);
        if let Some(c) = cookies {
            b = b.header(header::COOKIE, c);
        }
        self.request(b.body(Body::empty()).unwrap()).await
    }

    /// POST a form as a browser would: with the session's CSRF token added (when `cookies`
    /// carry a session and the form has no `csrf` field). [`App::post_form_raw`] adds nothing.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookies: Option<&str>,
    ) -> Resp {
        let token = match cookies {
            Some(c)
                if c.contains("gongrong_session=") && !form.iter().any(|(k, _)| *k == "csrf") =>
            {
                Some(self.csrf(c).await)
            }
            _ => None,
        };
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        if let Some(t) = &token {
            fields.push(("csrf", t));
        }
        self.post_form_raw(path, &fields, cookies).await
    }

    pub async fn post_form_raw(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookies: Option<&str>,
    ) -> Resp {
        let body = serde_urlencoded::to_string(form).unwrap();
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookies {
            b = b.header(header::COOKIE, c);
        }
        self.request(b.body(Body::from(body)).unwrap()).await
    }

    /// The session's CSRF token, as the API hands it out.
    pub async fn csrf(&self, session: &str) -> String {
        let r = self.get("/api/v1/session", Some(session)).await;
        assert_eq!(r.status, StatusCode::OK, "session lookup: {}", r.body);
        r.json()["csrf_token"].as_str().unwrap().to_owned()
    }

    /// The login form's CSRF cookie (`gongrong_login=…`) and token.
    pub async fn login_token(&self) -> (String, String) {
        let r = self.get("/login", None).await;
        let cookie = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("gongrong_login="))
            .expect("login cookie");
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let token = cookie.trim_start_matches("gongrong_login=").to_owned();
        assert!(r.body.contains(&format!(r#"name="csrf" value="{token}""#)));
        (cookie, token)
    }

    /// Submits the login form as a browser would (form token and its cookie).
    pub async fn submit_login(&self, form: &[(&str, &str)]) -> Resp {
        let (cookie, token) = self.login_token().await;
        let mut fields = form.to_vec();
        fields.push(("csrf", &token));
        self.post_form_raw("/login", &fields, Some(&cookie)).await
    }

    /// Signs in and returns the `Cookie` header value carrying the session.
    pub async fn login(&self, username: &str) -> String {
        let r = self
            .submit_login(&[("username", username), ("password", PASSWORD)])
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {username}: {}",
            r.body
        );
        let cookie = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("gongrong_session="))
            .expect("session cookie");
        cookie.split(';').next().unwrap().to_owned()
    }
}

/// A clock a test moves by hand (sessions expire, locks run out).
#[derive(Debug)]
pub struct StepClock(std::sync::Mutex<DateTime<Utc>>);

impl StepClock {
    pub fn new(at: DateTime<Utc>) -> Arc<StepClock> {
        Arc::new(StepClock(std::sync::Mutex::new(at)))
    }
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap();
        *t += by;
    }
}

impl gongrong_domain::Clock for StepClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl App {
    /// The same store and data, served with another clock.
    pub fn with_clock(mut self, clock: Arc<StepClock>) -> App {
        self.fx.state.clock = clock;
        self.router = router(self.fx.state.clone());
        self
    }

    /// A request as if it came from `addr` (the server's connection info).
    pub async fn request_from(&self, mut req: Request<Body>, addr: &str) -> Resp {
        let addr: std::net::SocketAddr = addr.parse().unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        self.request(req).await
    }
}
