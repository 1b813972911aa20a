//! Web hardening: CSRF tokens on forms and API calls, the login rate limit and lockout (stored,
//! surviving a restart, unlocked by an administrator), session idle and absolute expiry, token
//! rotation at sign-in and on privilege change.

use crate::common::{App, PASSWORD, StepClock, app, now};
use crate::review::post_json;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Duration;

async fn logout_with(app: &App, session: &str, token: Option<&str>) -> crate::common::Resp {
    let mut form: Vec<(&str, &str)> = Vec::new();
    if let Some(t) = token {
        form.push(("csrf", t));
    }
    app.post_form_raw("/logout", &form, Some(session)).await
}

#[tokio::test]
async fn forms_and_api_calls_need_the_sessions_csrf_token() {
    let app = app().await;
    let session = app.login("town_a").await;
    let other = app.login("district").await;
    let token = app.csrf(&session).await;
    assert_eq!(token.len(), 64);
    // Every page's forms carry it.
    let home = app.get("/", Some(&session)).await;
    assert!(
        home.body
            .contains(&format!(r#"name="csrf" value="{token}""#))
    );

    // Missing, forged, or another session's token: 403, the session survives, and it is logged.
    let other_token = app.csrf(&other).await;
    for bad in [None, Some("forged"), Some(other_token.as_str()), Some("")] {
        let r = logout_with(&app, &session, bad).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{bad:?}");
        assert!(r.body.contains("您无权执行此操作。"));
        assert_eq!(app.get("/", Some(&session)).await.status, StatusCode::OK);
    }
    let refused = app.fx.events(200).await;
    let rejected: Vec<_> = refused
        .iter()
        .filter(|e| e.action == "csrf.rejected" && e.actor == "town_a")
        .collect();
    assert_eq!(rejected.len(), 4, "{rejected:?}");
    assert!(rejected.iter().any(|e| e.detail.contains("missing")));
    assert!(rejected.iter().any(|e| e.detail.contains("wrong")));

    // The API: the header, not a cookie, proves the call is the user's own.
    let no_header = app
        .request(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/review/1")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, &session)
                .body(Body::from(r#"{"verdict":"match"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(no_header.status, StatusCode::FORBIDDEN);
    assert_eq!(no_header.json()["error"], "forbidden");
    let with_header = post_json(
        &app,
        "/api/v1/review/999",
        serde_json::json!({"verdict": "match"}),
        &session,
    )
    .await;
    assert_eq!(with_header.status, StatusCode::NOT_FOUND, "token accepted");

    // The right token works.
    let r = logout_with(&app, &session, Some(&token)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/", Some(&session)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_login_form_has_its_own_token() {
    let app = app().await;
    let (cookie, token) = app.login_token().await;
    let form = [("username", "town_a"), ("password", PASSWORD)];
    // Without the token, with a wrong one, or without its cookie (a form posted from elsewhere).
    let mut missing = form.to_vec();
    let r = app.post_form_raw("/login", &missing, Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    missing.push(("csrf", "0000"));
    let r = app.post_form_raw("/login", &missing, Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut no_cookie = form.to_vec();
    no_cookie.push(("csrf", &token));
    let r = app.post_form_raw("/login", &no_cookie, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.set_cookies()
            .iter()
            .all(|c| !c.starts_with("gongrong_session="))
    );
    let events = app.fx.events(50).await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "csrf.rejected" && e.actor == "anonymous")
            .count(),
        3
    );
    // The cookie is HttpOnly, strict, and only sent back to /login.
    let r = app.get("/login", None).await;
    let c = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("gongrong_login="))
        .unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/login"] {
        assert!(c.contains(attr), "{attr} in {c}");
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_username_until_an_administrator_unlocks_it() {
    let app = app().await;
    let wrong = [("username", "town_a"), ("password", "not the password")];
    for i in 1..=4 {
        let r = app.submit_login(&wrong).await;
        assert_eq!(r.status, StatusCode::OK, "attempt {i}");
        assert!(r.body.contains("用户名或密码不正确。"));
    }
    let r = app.submit_login(&wrong).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the fifth failure locks"
    );
    assert!(r.body.contains("已暂时锁定"));
    // Locked: even the right password is refused, and an unknown name is locked the same way.
    let right = [("username", "town_a"), ("password", PASSWORD)];
    let r = app.submit_login(&right).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.set_cookies()
            .iter()
            .all(|c| !c.starts_with("gongrong_session="))
    );
    for _ in 0..5 {
        app.submit_login(&[("username", "ghost"), ("password", "x")])
            .await;
    }
    assert_eq!(
        app.submit_login(&[("username", "ghost"), ("password", "x")])
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Stored: a restarted server (a new app on the same database) still refuses.
    let restarted = gongrong_web::router(app.fx.state.clone());
    let (cookie, token) = app.login_token().await;
    let body = serde_urlencoded::to_string([
        ("username", "town_a"),
        ("password", PASSWORD),
        ("csrf", token.as_str()),
    ])
    .unwrap();
    let resp = tower::ServiceExt::oneshot(
        restarted,
        Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);

    // The administrator sees the lock and lifts it; the user signs in.
    let admin = app.login("admin").await;
    let page = app.get("/admin/users/town_a", Some(&admin)).await;
    assert!(page.body.contains("锁定至"), "{}", page.body);
    let r = app
        .post_form("/admin/users/town_a/unlock", &[], Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.login("town_a").await;
    let events = app.fx.events(100).await;
    assert!(
        events
            .iter()
            .any(|e| e.action == "user.unlock" && e.actor == "admin")
    );
    assert!(events.iter().any(|e| e.action == "session.login_locked"));
}

#[tokio::test]
async fn an_address_with_many_failures_is_throttled() {
    let app = app().await;
    let limits = app.fx.state.config.login_limits;
    let attempt = |username: String| {
        let app = &app;
        async move {
            let (cookie, token) = app.login_token().await;
            let body = serde_urlencoded::to_string([
                ("username", username.as_str()),
                ("password", "wrong"),
                ("csrf", token.as_str()),
            ])
            .unwrap();
            let req = Request::builder()
                .method(Method::POST)
                .uri("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie)
                .body(Body::from(body))
                .unwrap();
            app.request_from(req, "203.0.113.9:4000").await.status
        }
    };
    // Different usernames each time (no username lock), one address.
    for i in 0..limits.address_failures - 1 {
        assert_eq!(
            attempt(format!("user{i}")).await,
            StatusCode::OK,
            "attempt {i}"
        );
    }
    assert_eq!(attempt("last".into()).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        attempt("another".into()).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another address is not affected.
    let r = app
        .submit_login(&[("username", "town_a"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sessions_expire_when_idle_and_after_their_lifetime() {
    let clock = StepClock::new(now());
    let app = app().await.with_clock(clock.clone());
    let session = app.login("town_a").await;
    // Used every 20 minutes it lives on…
    for _ in 0..3 {
        clock.advance(Duration::minutes(20));
        assert_eq!(app.get("/", Some(&session)).await.status, StatusCode::OK);
    }
    // …but not after 31 idle minutes.
    clock.advance(Duration::minutes(31));
    assert_eq!(
        app.get("/", Some(&session)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get("/api/v1/dashboard", Some(&session)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // However busy, a session ends 8 hours after sign-in.
    let session = app.login("town_a").await;
    for _ in 0..(8 * 60 / 25) {
        clock.advance(Duration::minutes(25));
        assert_eq!(app.get("/", Some(&session)).await.status, StatusCode::OK);
    }
    clock.advance(Duration::minutes(25));
    assert_eq!(
        app.get("/", Some(&session)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn tokens_rotate_at_sign_in_and_on_privilege_change() {
    let app = app().await;
    let first = app.login("town_a").await;
    let second = app.login("town_a").await;
    assert_ne!(first, second, "a new token at every sign-in");
    assert_ne!(app.csrf(&first).await, app.csrf(&second).await);
    // Signing in from a browser that still has a session ends that session.
    let (cookie, token) = app.login_token().await;
    let r = app
        .post_form_raw(
            "/login",
            &[
                ("username", "town_a"),
                ("password", PASSWORD),
                ("csrf", &token),
            ],
            Some(&format!("{cookie}; {second}")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/", Some(&second)).await.status,
        StatusCode::SEE_OTHER
    );

    // An administrator moves the user to another town: their sessions end at once.
    let admin = app.login("admin").await;
    let r = app
        .post_form(
            "/admin/users/town_a",
            &[
                ("display_name", "镇街经办 周强"),
                ("role", "town_caseworker"),
                ("area", "370305102"),
                ("department", ""),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.get("/", Some(&first)).await.status,
        StatusCode::SEE_OTHER
    );
    // Signed in again, they see the new town only.
    let session = app.login("town_a").await;
    let d = app.get("/api/v1/dashboard", Some(&session)).await.json();
    assert_eq!(d["total"]["persons"], 1, "南村's one person: {d}");
}
