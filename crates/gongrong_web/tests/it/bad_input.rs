//! Bad input at every route, table-driven: SQL and HTML injection attempts in every query
//! parameter, path segment, form field and JSON field; oversized bodies; malformed cookies;
//! forged CSRF tokens. Each is refused or escaped — never a 500, never markup echoed unescaped,
//! never another area's people — and the database is unchanged and its audit chain intact.

use crate::common::{App, Resp, app, sys};
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use gongrong_store::SearchQuery;

const PAYLOADS: &[&str] = &[
    "' OR '1'='1",
    "1; DROP TABLE persons; --",
    "%' OR 1=1 --",
    "370305' UNION SELECT password_hash, 1 FROM users --",
    "\\' ; DELETE FROM audit_log; --",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "</textarea><svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{ l.csrf }}",
    "../../etc/passwd",
    "%00",
    "\u{0}\u{7}\u{1b}[31m",
    "１２３４５６７８９０１２３４５６７８",
    "𠀀𠀁\u{202e}",
];

/// Markup that must never come back unescaped (escaped, `onerror=alert(1)` is plain text).
const DANGEROUS: &[&str] = &[
    "<script>alert",
    "<img src=x",
    "\"><img",
    "<svg onload",
    "</textarea><svg",
];

/// People a clerk of 西关村 must never see, whatever they send.
const OTHER_VILLAGES: &[&str] = &["王大山", "李秀英", "孙老三"];

/// Query-string routes and their parameters (`{}` in a path takes the payload too).
const GET_ROUTES: &[(&str, &[&str])] = &[
    ("/", &[]),
    ("/login", &["next"]),
    ("/lang/en", &["next"]),
    ("/search", &["q", "village", "page"]),
    ("/households/{}", &[]),
    ("/api/v1/search", &["q", "village", "page", "page_size"]),
    ("/api/v1/households/{}", &[]),
    ("/api/v1/dashboard", &[]),
    ("/api/v1/session", &[]),
    ("/review", &["filter", "page"]),
    ("/review/{}", &["saved"]),
    ("/api/v1/review", &["filter", "page"]),
    ("/api/v1/review/{}", &[]),
    ("/admin/users", &[]),
    ("/admin/users/{}", &["saved"]),
    ("/audit", &["actor", "action", "target", "before"]),
    ("/audit/verify", &[]),
    ("/healthz", &[]),
    ("/static/app.css", &[]),
    ("/{}", &[]),
];

/// Form routes and their fields (`/logout` is in the forged-token test: a valid one would end
/// the session the table runs in).
const FORM_ROUTES: &[(&str, &[&str])] = &[
    ("/login", &["username", "password", "next"]),
    ("/review/{}", &["verdict", "note"]),
    ("/reveal", &["subject", "field", "reason", "back"]),
    (
        "/admin/users",
        &["username", "display_name", "role", "area", "department"],
    ),
    (
        "/admin/users/{}",
        &["display_name", "role", "area", "department"],
    ),
    ("/admin/users/{}/{}", &[]),
];

/// JSON routes and their fields.
const JSON_ROUTES: &[(&str, &[&str])] = &[
    ("/api/v1/review/{}", &["verdict", "note"]),
    ("/api/v1/reveal", &["field", "reason"]),
];

fn encode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .unwrap()
        .trim_start_matches("x=")
        .to_owned()
}

fn check(r: &Resp, what: &str, clerk: bool) {
    assert!(
        r.status != StatusCode::INTERNAL_SERVER_ERROR,
        "{what}: 500\n{}",
        r.body
    );
    for bad in DANGEROUS {
        assert!(!r.body.contains(bad), "{what}: {bad} echoed unescaped");
    }
    assert!(
        !r.body.contains("$argon2"),
        "{what}: a password hash leaked"
    );
    assert!(
        !r.body.to_lowercase().contains("sqlite"),
        "{what}: database detail leaked"
    );
    if clerk {
        for name in OTHER_VILLAGES {
            assert!(
                !r.body.contains(name),
                "{what}: {name} leaked to the 西关村 clerk"
            );
        }
    }
}

async fn counts(app: &App) -> (u64, u64) {
    let page = app
        .fx
        .store
        .search(
            &sys(),
            &SearchQuery {
                page_size: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let users = app.fx.store.users(&sys()).await.unwrap().len() as u64;
    (page.total, users)
}

#[tokio::test]
async fn injection_attempts_at_every_route_are_refused_or_escaped() {
    let app = app().await;
    let before = counts(&app).await;
    // A district official and an administrator reach every route; the western clerk must see
    // nothing of other villages whatever they send.
    let sessions = [
        ("district", app.login("district").await, false),
        ("admin", app.login("admin").await, false),
        ("clerk_xg", app.login("clerk_xg").await, true),
    ];
    let mut requests = 0;
    for (who, session, clerk) in &sessions {
        let token = app.csrf(session).await;
        for payload in PAYLOADS {
            let p = encode(payload);
            for (route, params) in GET_ROUTES {
                let path = route.replace("{}", &p);
                let mut urls = vec![path.clone()];
                for param in *params {
                    urls.push(format!("{path}?{param}={p}"));
                }
                for url in urls {
                    let r = app.get(&url, Some(session)).await;
                    check(&r, &format!("{who} GET {url}"), *clerk);
                    requests += 1;
                }
            }
            for (route, fields) in FORM_ROUTES {
                let path = route.replace("{}", &p);
                let mut variants: Vec<Vec<(&str, &str)>> = vec![vec![]];
                for f in *fields {
                    variants.push(vec![(f, payload)]);
                }
                // All fields at once, plus plausible values elsewhere.
                variants.push(fields.iter().map(|f| (*f, *payload)).collect());
                for form in variants {
                    let mut with_token = form.clone();
                    with_token.push(("csrf", &token));
                    let r = app.post_form_raw(&path, &with_token, Some(session)).await;
                    check(&r, &format!("{who} POST {path} {form:?}"), *clerk);
                    requests += 1;
                }
            }
            for (route, fields) in JSON_ROUTES {
                let path = route.replace("{}", &p);
                for f in *fields {
                    let mut body = serde_json::json!({
                        "verdict": "match", "note": "", "field": "id_number",
                        "reason": "核对身份", "subject": {"kind": "person", "id": 1},
                    });
                    body[*f] = serde_json::Value::String((*payload).to_owned());
                    let r = crate::review::post_json(&app, &path, body, session).await;
                    check(&r, &format!("{who} POST {path} {f}"), *clerk);
                    requests += 1;
                }
            }
        }
    }
    // Malformed JSON of every kind.
    let (_, session, _) = &sessions[0];
    let token = app.csrf(session).await;
    for body in [
        "{",
        "[]",
        "null",
        "{\"verdict\": 1}",
        "{\"subject\": \"x\"}",
        "\u{0}",
    ] {
        for path in ["/api/v1/review/1", "/api/v1/reveal"] {
            let r = app
                .request(
                    Request::builder()
                        .method(Method::POST)
                        .uri(path)
                        .header(header::CONTENT_TYPE, "application/json")
                        .header(header::COOKIE, session)
                        .header("x-csrf-token", &token)
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path} {body:?}");
            assert_eq!(r.json()["error"], "bad_request");
        }
    }
    assert!(requests > 2_000, "{requests} requests");
    // Nothing stored changed, and the audit chain is whole.
    assert_eq!(counts(&app).await, before);
    let report = app.fx.store.verify_audit_chain(&sys()).await.unwrap();
    assert_eq!(report.problem, None);
}

#[tokio::test]
async fn every_state_changing_route_refuses_a_forged_token() {
    let app = app().await;
    let session = app.login("district").await;
    let admin = app.login("admin").await;
    let routes = [
        ("/logout", &session),
        ("/review/1", &session),
        ("/reveal", &session),
        ("/admin/users", &admin),
        ("/admin/users/town_a", &admin),
        ("/admin/users/town_a/disable", &admin),
        ("/admin/users/town_a/password", &admin),
        ("/admin/users/town_a/unlock", &admin),
        ("/api/v1/review/1", &session),
        ("/api/v1/reveal", &session),
    ];
    for (path, cookie) in routes {
        for token in [None, Some("forged"), Some("0".repeat(64).as_str())] {
            let mut b = Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::COOKIE, cookie.as_str());
            let body = if path.starts_with("/api/") {
                b = b.header(header::CONTENT_TYPE, "application/json");
                if let Some(t) = token {
                    b = b.header("x-csrf-token", t);
                }
                Body::from(
                    r#"{"verdict":"match","field":"id_number","reason":"x","subject":{"kind":"person","id":1}}"#,
                )
            } else {
                b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                let mut form = vec![
                    ("verdict", "match"),
                    ("role", "auditor"),
                    ("area", "370305"),
                ];
                if let Some(t) = token {
                    form.push(("csrf", t));
                }
                Body::from(serde_urlencoded::to_string(form).unwrap())
            };
            let r = app.request(b.body(body).unwrap()).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {token:?}");
        }
    }
    // Nothing happened: the session lives, the account is unchanged, no decision stored.
    assert_eq!(app.get("/", Some(&session)).await.status, StatusCode::OK);
    assert!(app.fx.store.review_decisions().await.unwrap().is_empty());
    let town_a = app
        .fx
        .store
        .users(&sys())
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.user.username == "town_a")
        .unwrap();
    assert!(!town_a.disabled);
    let events = app.fx.events(500).await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "csrf.rejected")
            .count(),
        routes.len() * 3
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_at_every_post_route() {
    let app = app().await;
    let session = app.login("district").await;
    let token = app.csrf(&session).await;
    let big = "x".repeat(200 * 1024);
    for path in [
        "/login",
        "/logout",
        "/review/1",
        "/reveal",
        "/admin/users",
        "/admin/users/x",
        "/api/v1/review/1",
        "/api/v1/reveal",
    ] {
        for announce in [false, true] {
            let mut b = Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::COOKIE, &session);
            // The API sends its token as a header; a form's token is in the (too large) body.
            b = if path.starts_with("/api/") {
                b.header(header::CONTENT_TYPE, "application/json")
                    .header("x-csrf-token", &token)
            } else {
                b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            };
            if announce {
                b = b.header(header::CONTENT_LENGTH, big.len());
            }
            let body = format!("note={big}");
            let r = app.request(b.body(Body::from(body)).unwrap()).await;
            assert_eq!(
                r.status,
                StatusCode::PAYLOAD_TOO_LARGE,
                "{path} announced={announce}"
            );
        }
    }
}

#[tokio::test]
async fn malformed_cookies_are_no_session_and_no_error() {
    let app = app().await;
    let long = format!("gongrong_session={}", "a".repeat(6_000));
    let cookies: Vec<Vec<u8>> = vec![
        b"gongrong_session=".to_vec(),
        b"gongrong_session=deadbeef".to_vec(),
        b"gongrong_session=' OR 1=1 --".to_vec(),
        b"gongrong_session=%00%ff; lang=<script>".to_vec(),
        b"gongrong_session==; ; ;=;".to_vec(),
        b"lang=xx; lang=en; gongrong_session=a; gongrong_session=b".to_vec(),
        long.into_bytes(),
        vec![b'g', b'=', 0xff, 0xfe, 0x80],
        b"gongrong_login=zzz".to_vec(),
    ];
    for raw in cookies {
        let value = HeaderValue::from_bytes(&raw).unwrap();
        for (method, path) in [
            (Method::GET, "/"),
            (Method::GET, "/login"),
            (Method::GET, "/api/v1/dashboard"),
            (Method::POST, "/logout"),
            (Method::POST, "/login"),
        ] {
            let r = app
                .request(
                    Request::builder()
                        .method(method.clone())
                        .uri(path)
                        .header(header::COOKIE, value.clone())
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(Body::from("username=town_a&password=x"))
                        .unwrap(),
                )
                .await;
            assert!(
                matches!(
                    r.status,
                    StatusCode::OK
                        | StatusCode::SEE_OTHER
                        | StatusCode::UNAUTHORIZED
                        | StatusCode::FORBIDDEN
                ),
                "{method} {path} with {raw:?}: {}",
                r.status
            );
            assert!(!r.body.contains("<script>"));
        }
    }
}
