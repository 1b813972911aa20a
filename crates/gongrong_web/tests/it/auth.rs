//! Sign-in, sign-out, sessions, redirects when signed out.

use crate::common::{PASSWORD, app};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

#[tokio::test]
async fn signed_out_pages_redirect_to_login_and_api_says_401() {
    let app = app().await;
    let r = app.get("/", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");

    let path = format!("/households/{}", app.fx.hh_dongguan);
    let r = app.get(&path, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        format!("/login?next=%2Fhouseholds%2F{}", app.fx.hh_dongguan)
    );

    let r = app.get("/search?q=%E7%8E%8B", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login?next="));

    for api in [
        "/api/v1/search?q=x",
        "/api/v1/households/1",
        "/api/v1/dashboard",
    ] {
        let r = app.get(api, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{api}");
        assert_eq!(r.json()["error"], "unauthenticated", "{api}");
    }

    // A made-up session token is no session.
    let r = app.get("/", Some("gongrong_session=deadbeef")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_page_renders_in_chinese_by_default() {
    let app = app().await;
    let r = app.get("/login", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"<html lang="zh-CN">"#));
    assert!(r.body.contains("用户登录"));
    assert!(r.body.contains(r#"name="password""#));
    assert!(!r.body.contains("<script"), "no script on any page");
}

#[tokio::test]
async fn login_success_sets_a_strict_http_only_cookie_and_audits() {
    let app = app().await;
    let r = app
        .submit_login(&[
            ("username", "town_a"),
            ("password", PASSWORD),
            ("next", "/search"),
        ])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/search");
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("gongrong_session="))
        .unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "not configured for HTTPS");
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("gongrong_session=");
    assert_eq!(token.len(), 64, "32 random bytes, hex");

    let session = format!("gongrong_session={token}");
    let r = app.get("/", Some(&session)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("镇街经办 周强"), "display name in header");
    assert!(r.body.contains("镇街经办人"), "role label in header");
    assert!(r.body.contains("退出登录"), "sign-out button");

    let events = app.fx.events(50).await;
    assert!(
        events
            .iter()
            .any(|e| e.action == "session.login" && e.actor == "town_a"),
        "{events:?}"
    );

    // Already signed in: the form sends you on.
    let r = app.get("/login", Some(&session)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_never_redirects_off_site() {
    let app = app().await;
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let r = app
            .submit_login(&[
                ("username", "town_a"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/", "{next}");
    }
}

#[tokio::test]
async fn login_failure_is_generic_and_audited() {
    let app = app().await;
    // One browser: the same login-form token for both attempts.
    let (cookie, token) = app.login_token().await;
    let attempt = |username: &'static str| {
        let (cookie, token) = (cookie.clone(), token.clone());
        let app = &app;
        async move {
            app.post_form_raw(
                "/login",
                &[
                    ("username", username),
                    ("password", "nope"),
                    ("csrf", &token),
                ],
                Some(&cookie),
            )
            .await
        }
    };
    let wrong = attempt("town_a").await;
    let unknown = attempt("nobody").await;
    for r in [&wrong, &unknown] {
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("用户名或密码不正确。"));
        assert!(
            r.set_cookies()
                .iter()
                .all(|c| !c.starts_with("gongrong_session="))
        );
    }
    // Apart from the echoed username, the two answers are identical: no user enumeration.
    assert_eq!(
        wrong.body.replace("town_a", "X"),
        unknown.body.replace("nobody", "X")
    );
    let events = app.fx.events(50).await;
    let failed: Vec<_> = events
        .iter()
        .filter(|e| e.action == "session.login_failed")
        .map(|e| e.actor.as_str())
        .collect();
    assert!(
        failed.contains(&"town_a") && failed.contains(&"nobody"),
        "{failed:?}"
    );

    let r = app.submit_login(&[("username", "town_a")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "missing field");
}

#[tokio::test]
async fn logout_invalidates_the_session() {
    let app = app().await;
    let session = app.login("clerk_dg").await;
    assert_eq!(app.get("/", Some(&session)).await.status, StatusCode::OK);

    let r = app.post_form("/logout", &[], Some(&session)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("gongrong_session=;") && c.contains("Max-Age=0"))
    );

    // The old cookie no longer works anywhere.
    let r = app.get("/", Some(&session)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.get("/api/v1/dashboard", Some(&session)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let events = app.fx.events(50).await;
    assert!(
        events
            .iter()
            .any(|e| e.action == "session.logout" && e.actor == "clerk_dg")
    );
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = app().await;
    let session = app.login("clerk_dg").await;
    let req = Request::builder()
        .method(Method::POST)
        .uri("/logout")
        .header(header::HOST, "gongrong.local")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &session)
        .body(Body::empty())
        .unwrap();
    let r = app.request(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The session survived.
    assert_eq!(app.get("/", Some(&session)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = app().await;
    let big = "x".repeat(200 * 1024);
    let r = app
        .submit_login(&[("username", &big), ("password", "p")])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("提交的内容过大。"));
    // Announced by Content-Length: refused before the body is read.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big))
        .unwrap();
    assert_eq!(app.request(req).await.status, StatusCode::PAYLOAD_TOO_LARGE);
}
