//! The clerical-review queue: listing and scope, the side-by-side page, deciding, roles.

use crate::common::{App, PHONE, app, head_id, now, record, sun_id, sys};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use gongrong_domain::codes::{IdentityKind, Relation};
use gongrong_domain::{IdNumber, Register};
use gongrong_store::{NewBatch, NewReviewPair, ReviewFilter, ReviewVerdict, Store};

/// The fixture's review pairs, by id.
pub struct Pairs {
    /// 王大山 (poverty) × 王大山 (dibao), 东关村.
    pub wang: i64,
    /// 赵小红 (poverty, 西关村) × 李秀英 (dibao, 东关村): town A, two villages.
    pub zhao: i64,
    /// 孙老三 × 孙老叁 (both dibao, 南村 in town B).
    pub sun: i64,
    pub wang_key: (i64, i64),
    pub zhao_key: (i64, i64),
}

fn explanation(weight: f64, id_level: &str, name_level: &str) -> serde_json::Value {
    serde_json::json!({
        "a": 0, "b": 1,
        "prior_weight": -14.8,
        "terms": [
            {"comparison": "id_number", "level": id_level, "weight": 6.5, "tf_adjustment": 0.0},
            {"comparison": "name", "level": name_level, "weight": 4.25, "tf_adjustment": -0.75},
            {"comparison": "birth_date", "level": "exact", "weight": 5.1, "tf_adjustment": 0.0},
            {"comparison": "sex", "level": "same", "weight": 0.9, "tf_adjustment": 0.0},
            {"comparison": "region", "level": "same_village", "weight": 2.3, "tf_adjustment": 0.0},
        ],
        "weight": weight,
        "probability": 0.62,
        "band": "review",
        "rule": null,
        "duplicate": null,
    })
}

/// Adds a second dibao file with 孙老叁 (南村), and three review pairs.
pub async fn add_review_pairs(store: &Store) -> Pairs {
    let sun2_id = IdNumber::from_first17("37030519450708013").unwrap();
    let mut w = store
        .begin_import(
            &sys(),
            NewBatch {
                register: Register::Dibao,
                file_name: "dibao_2.csv".into(),
                sha256: format!("{:064x}", 99),
                encoding: "utf-8".into(),
                imported_at: now(),
                imported_by: "test".into(),
            },
        )
        .await
        .unwrap();
    w.add_records(&[record(
        Register::Dibao,
        1,
        "D009",
        sun2_id,
        "孙老叁",
        Relation::Head,
        crate::common::VILLAGE_NANCUN,
        IdentityKind::Dibao,
    )])
    .await
    .unwrap();
    w.commit().await.unwrap();

    let staged = store.staged_records(&sys()).await.unwrap();
    let sid = |register: Register, name: &str| {
        staged
            .iter()
            .find(|s| s.record.register == register && s.record.name == name)
            .unwrap_or_else(|| panic!("{name} staged"))
            .staging_id
    };
    let key = |a: i64, b: i64| (a.min(b), a.max(b));
    let wang_key = key(
        sid(Register::Poverty, "王大山"),
        sid(Register::Dibao, "王大山"),
    );
    let zhao_key = key(
        sid(Register::Poverty, "赵小红"),
        sid(Register::Dibao, "李秀英"),
    );
    let sun_key = key(
        sid(Register::Dibao, "孙老三"),
        sid(Register::Dibao, "孙老叁"),
    );
    let pair = |(l, r): (i64, i64), weight: f64, id_level: &str, name_level: &str| NewReviewPair {
        left_staging_id: l,
        right_staging_id: r,
        weight,
        probability: 0.62,
        explanation: explanation(weight, id_level, name_level),
    };
    let added = store
        .replace_review_queue(
            &sys(),
            &[
                pair(wang_key, 3.5, "near", "exact"),
                pair(zhao_key, -1.25, "different", "different"),
                pair(sun_key, 1.0, "near", "same_pinyin"),
            ],
            now(),
        )
        .await
        .unwrap();
    assert_eq!(added, 3);
    let (all, total) = store
        .review_queue(&sys(), ReviewFilter::All, 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 3);
    let id_of = |left: &str| {
        all.iter()
            .find(|p| p.left_name == left || p.right_name == left)
            .unwrap()
            .id
    };
    Pairs {
        wang: id_of("王大山"),
        zhao: id_of("赵小红"),
        sun: id_of("孙老叁"),
        wang_key,
        zhao_key,
    }
}

async fn review_app() -> (App, Pairs) {
    let app = app().await;
    let pairs = add_review_pairs(&app.fx.store).await;
    (app, pairs)
}

/// POST JSON with the session's CSRF token in `X-CSRF-Token`, as an API client does.
pub async fn post_json(
    app: &App,
    path: &str,
    body: serde_json::Value,
    cookie: &str,
) -> crate::common::Resp {
    let token = app.csrf(cookie).await;
    app.request(
        Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, cookie)
            .header("x-csrf-token", token)
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn queue_lists_the_pairs_of_ones_area() {
    let (app, p) = review_app().await;

    // The district sees every pair; the header links the queue.
    let session = app.login("district").await;
    let r = app.get("/review", Some(&session)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"href="/review""#), "nav link");
    for name in ["王大山", "赵小红", "李秀英", "孙老三", "孙老叁"] {
        assert!(r.body.contains(name), "{name} listed");
    }
    assert!(r.body.contains("共 3 对"), "{}", r.body);
    assert!(r.body.contains(&format!(r#"href="/review/{}""#, p.sun)));
    let j = app
        .get("/api/v1/review?filter=all", Some(&session))
        .await
        .json();
    assert_eq!(j["total"], 3, "{j}");
    assert_eq!(j["counts"]["pending"], 3);
    // Most likely first.
    assert_eq!(j["pairs"][0]["id"], p.wang);

    // A town caseworker sees the pairs of the town only, by page, API and URL.
    let session = app.login("town_a").await;
    let r = app.get("/review", Some(&session)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("王大山") && r.body.contains("赵小红"));
    assert!(!r.body.contains("孙老三") && !r.body.contains("孙老叁"));
    assert!(r.body.contains("共 2 对"));
    let j = app.get("/api/v1/review", Some(&session)).await.json();
    assert_eq!(j["total"], 2, "{j}");
    let r = app.get(&format!("/review/{}", p.sun), Some(&session)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("孙老"));
    let missing = app.get("/review/999999", Some(&session)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.body.replace("%2Freview%2F999999", "HERE"),
        r.body.replace(&format!("%2Freview%2F{}", p.sun), "HERE"),
        "out of scope looks exactly like missing"
    );
    let r = app
        .get(&format!("/api/v1/review/{}", p.sun), Some(&session))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "not_found");
    let events = app.fx.events(100).await;
    assert!(events.iter().any(|e| e.action == "review.read_denied"
        && e.target == format!("review:{}", p.sun)
        && e.actor == "town_a"));

    // Village clerks do not review: no link, 403 on the queue and on a pair of their village.
    let session = app.login("clerk_dg").await;
    let home = app.get("/", Some(&session)).await;
    assert!(!home.body.contains(r#"href="/review""#));
    for path in [
        "/review".to_owned(),
        format!("/review/{}", p.wang),
        "/api/v1/review".to_owned(),
        format!("/api/v1/review/{}", p.wang),
    ] {
        let r = app.get(&path, Some(&session)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!r.body.contains("王大山"), "{path}");
    }

    // Bad parameters.
    let session = app.login("district").await;
    let r = app.get("/review?filter=nope", Some(&session)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app.get("/api/v1/review?page=0", Some(&session)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Signed out: the sign-in page.
    let r = app.get("/review", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn pair_page_shows_both_records_and_the_weights() {
    let (app, p) = review_app().await;
    let session = app.login("town_a").await;
    let r = app
        .get(&format!("/review/{}", p.wang), Some(&session))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.matches("王大山").count() >= 2, "both names");
    for expected in [
        "P001",
        "D001",
        "扶贫登记",
        "poverty.csv",
        "dibao.csv",
        &head_id().to_string(),
        PHONE,
        r#"class="differs""#,
        // The explanation: prior, levels, weights, tf adjustment, total, probability.
        "先验权重",
        "-14.80",
        "相近",
        "完全相同",
        "+6.50",
        "+4.25",
        "-0.75",
        "+3.50",
        "62.0%",
        "待人工核对",
        "<svg",
        r#"class="w-pos""#,
        r#"class="w-neg""#,
        // The decision form.
        &format!(r#"action="/review/{}""#, p.wang),
        r#"value="match""#,
        r#"value="non_match""#,
        "未核对",
    ] {
        assert!(b.contains(expected), "{expected} missing");
    }
    assert!(!b.contains("style="), "no inline styles (CSP)");
    assert!(!b.contains("<script"), "no script");
    let events = app.fx.events(100).await;
    assert!(events.iter().any(|e| e.action == "review.read"
        && e.target == format!("review:{}", p.wang)
        && e.actor == "town_a"));

    // The API has the same pair.
    let j = app
        .get(&format!("/api/v1/review/{}", p.wang), Some(&session))
        .await
        .json();
    assert_eq!(j["left"]["record"]["name"], "王大山");
    assert_eq!(j["right"]["record"]["name"], "王大山");
    assert_eq!(j["explanation"]["terms"][0]["level"], "near");
    assert_eq!(j["can_decide"], true);
    assert!(j.to_string().contains(&head_id().to_string()));

    // An auditor reads the pair masked and without a form.
    let session = app.login("auditor").await;
    let r = app
        .get(&format!("/review/{}", p.wang), Some(&session))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&head_id().masked()));
    assert!(r.body.contains("只能查看"));
    assert!(!r.body.contains(r#"value="match""#));
    for secret in [head_id().to_string(), PHONE.to_owned()] {
        assert!(!r.body.contains(&secret), "{secret} leaked on the page");
    }
    let j = app
        .get(&format!("/api/v1/review/{}", p.sun), Some(&session))
        .await;
    assert_eq!(j.status, StatusCode::OK);
    assert_eq!(j.json()["can_decide"], false);
    for secret in [sun_id().to_string(), PHONE.to_owned()] {
        assert!(!j.body.contains(&secret), "{secret} leaked in the API");
    }
    assert!(j.body.contains(&sun_id().masked()));
}

#[tokio::test]
async fn deciding_stores_and_audits_the_decision() {
    let (app, p) = review_app().await;
    let session = app.login("town_a").await;
    let path = format!("/review/{}", p.wang);
    let r = app
        .post_form(
            &path,
            &[("verdict", "match"), ("note", "户籍核实为同一人")],
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{path}?saved=1"));
    let decisions = app.fx.store.review_decisions().await.unwrap();
    assert_eq!(
        decisions,
        vec![(p.wang_key.0, p.wang_key.1, ReviewVerdict::Match)]
    );
    let events = app.fx.events(100).await;
    let e = events
        .iter()
        .find(|e| e.action == "review.decide")
        .expect("decision audited");
    assert_eq!(e.target, format!("review:{}", p.wang));
    assert_eq!(e.actor, "town_a");
    assert!(
        e.detail.contains("match") && e.detail.contains("户籍核实为同一人"),
        "{}",
        e.detail
    );

    // The page shows the decision, who made it and when; the queue moved it to "decided".
    let r = app.get(&format!("{path}?saved=1"), Some(&session)).await;
    assert!(r.body.contains("判定已保存"));
    assert!(r.body.contains("同一人"));
    assert!(
        r.body.contains("由 town_a 于 2026-03-02 10:00 判定"),
        "{}",
        r.body
    );
    assert!(r.body.contains("户籍核实为同一人"));
    let r = app.get("/review", Some(&session)).await;
    assert!(!r.body.contains(&format!(r#"href="/review/{}""#, p.wang)));
    let r = app.get("/review?filter=decided", Some(&session)).await;
    assert!(r.body.contains(&format!(r#"href="/review/{}""#, p.wang)));
    assert!(r.body.contains("verdict-match"));

    // By the API: "not a match".
    let r = post_json(
        &app,
        &format!("/api/v1/review/{}", p.zhao),
        serde_json::json!({"verdict": "non_match", "note": ""}),
        &session,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["decision"]["verdict"], "non_match");
    assert_eq!(r.json()["decision"]["decided_by"], "town_a");
    let decisions = app.fx.store.review_decisions().await.unwrap();
    assert!(decisions.contains(&(p.zhao_key.0, p.zhao_key.1, ReviewVerdict::NonMatch)));
    let j = app
        .get("/api/v1/review?filter=decided", Some(&session))
        .await
        .json();
    assert_eq!(j["total"], 2);
    assert_eq!(j["counts"]["pending"], 0);

    // Bad verdicts are refused; a pair of another town is not found and stays undecided.
    let r = app
        .post_form(&path, &[("verdict", "maybe")], Some(&session))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = post_json(
        &app,
        &format!("/api/v1/review/{}", p.zhao),
        serde_json::json!({"verdict": 1}),
        &session,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .post_form(
            &format!("/review/{}", p.sun),
            &[("verdict", "match")],
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fx.store.review_decisions().await.unwrap().len(), 2);
}

#[tokio::test]
async fn roles_that_may_not_decide_get_403() {
    let (app, p) = review_app().await;
    for user in ["auditor", "clerk_dg", "admin", "edu"] {
        let session = app.login(user).await;
        let r = app
            .post_form(
                &format!("/review/{}", p.wang),
                &[("verdict", "match")],
                Some(&session),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        let r = post_json(
            &app,
            &format!("/api/v1/review/{}", p.wang),
            serde_json::json!({"verdict": "match"}),
            &session,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        assert_eq!(r.json()["error"], "forbidden");
    }
    assert!(app.fx.store.review_decisions().await.unwrap().is_empty());

    // A cross-site form post is refused before it reaches the handler.
    let session = app.login("town_a").await;
    let r = app
        .request(
            Request::builder()
                .method(Method::POST)
                .uri(format!("/review/{}", p.wang))
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::ORIGIN, "http://evil.example")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &session)
                .body(Body::from("verdict=match"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.fx.store.review_decisions().await.unwrap().is_empty());
}
