//! Page content, language switch, security headers, errors.

use crate::common::{PHONE, app};
use axum::http::StatusCode;

#[tokio::test]
async fn dashboard_counts_and_draws_the_chart() {
    let app = app().await;
    let session = app.login("district").await;
    let r = app.get("/", Some(&session)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("困难家庭概览"));
    assert!(r.body.contains("<svg"), "server-drawn chart");
    assert!(r.body.contains(r#"class="seg-both""#));
    // The fixture: one household in both registers, one poverty-only: overlap 50%.
    assert!(r.body.contains("50.0%"), "{}", r.body);
    assert!(r.body.contains("区民政局"));
    assert!(!r.body.contains("style="), "no inline styles (CSP)");
}

#[tokio::test]
async fn search_finds_and_links_households() {
    let app = app().await;
    let session = app.login("town_a").await;
    let r = app.get("/search", Some(&session)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("东关村") && r.body.contains("西关村"),
        "villages in scope"
    );
    assert!(
        !r.body.contains("南村"),
        "villages of other towns are not offered"
    );

    let r = app.get("/search?q=%E6%9D%8E", Some(&session)).await; // 李
    assert!(r.body.contains("李秀英"));
    assert!(
        r.body
            .contains(&format!(r#"href="/households/{}""#, app.fx.hh_dongguan))
    );

    let r = app
        .get("/search?village=370305100201", Some(&session))
        .await;
    assert!(r.body.contains("王大山") && r.body.contains("李秀英"));
    assert!(!r.body.contains("赵小红"));

    let r = app.get("/search?q=x&page=abc", Some(&session)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请求有误"));
}

#[tokio::test]
async fn household_page_shows_members_identities_and_sources() {
    let app = app().await;
    let session = app.login("clerk_dg").await;
    let r = app
        .get(
            &format!("/households/{}", app.fx.hh_dongguan),
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    for expected in [
        "王大山",
        "李秀英",
        "户主",
        "配偶",
        "长期慢性病",
        "弱劳动力或半劳动力",
        "肢体残疾二级",
        "生活自理",
        "非在校生",
        "76 岁",
        "脱贫户",
        "低保",
        "<details",
        "扶贫登记",
        "低保登记",
        "联系电话",
        PHONE,
        "P001",
        "D001",
    ] {
        assert!(b.contains(expected), "{expected} missing");
    }
    let events = app.fx.events(100).await;
    assert!(events.iter().any(|e| e.action == "household.read"
        && e.actor == "clerk_dg"
        && e.target == format!("household:{}", app.fx.hh_dongguan)));

    let r = app.get("/households/not-a-number", Some(&session)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn language_switch_sets_a_cookie_and_goes_back() {
    let app = app().await;
    let session = app.login("town_a").await;
    let r = app
        .get("/lang/en?next=%2Fsearch%3Fq%3D1", Some(&session))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/search?q=1");
    let lang = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("lang="))
        .unwrap();
    assert!(lang.starts_with("lang=en;"));

    let cookies = format!("{session}; lang=en");
    let r = app.get("/", Some(&cookies)).await;
    assert!(r.body.contains(r#"<html lang="en">"#));
    assert!(r.body.contains("Households in difficulty: overview"));
    assert!(r.body.contains("Town caseworker"), "role label translated");
    assert!(r.body.contains("Sign out"));
    assert!(r.body.contains(r#"href="/lang/zh?next=%2F""#));

    let r = app
        .get(
            &format!("/households/{}", app.fx.hh_dongguan),
            Some(&cookies),
        )
        .await;
    assert!(r.body.contains("spouse") && r.body.contains("long-term chronic illness"));
    assert!(r.body.contains("limb, grade 2"));

    // Without `next`, back to the same-site referer; never off-site.
    let r = app.get("/lang/zh?next=https://evil.example/", None).await;
    assert_eq!(r.location(), "/");
    let r = app.get("/lang/fr", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Error pages are translated too.
    let r = app.get("/no/such/page", Some(&cookies)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.body
            .contains("This page does not exist or is outside your area.")
    );
    let r = app.get("/no/such/page", Some(&session)).await;
    assert!(r.body.contains("页面不存在，或不在您的权限范围内。"));
}

#[tokio::test]
async fn security_headers_everywhere() {
    let app = app().await;
    let session = app.login("town_a").await;
    for (path, cookie) in [
        ("/login", None),
        ("/", Some(session.as_str())),
        ("/healthz", None),
        ("/static/app.css", None),
        ("/nowhere", None),
        ("/api/v1/dashboard", Some(session.as_str())),
    ] {
        let r = app.get(path, cookie).await;
        let h = |n: &str| {
            r.headers
                .get(n)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let csp = h("content-security-policy");
        for directive in [
            "default-src 'none'",
            "style-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(
                csp.contains(directive),
                "{path}: {directive} missing in {csp}"
            );
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("script-src"),
            "{path}: no script may run at all: {csp}"
        );
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "same-origin", "{path}");
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert_eq!(h("cross-origin-opener-policy"), "same-origin", "{path}");
        assert_eq!(h("cross-origin-resource-policy"), "same-origin", "{path}");
        assert!(h("permissions-policy").contains("camera=()"), "{path}");
        assert_eq!(
            h("strict-transport-security"),
            "",
            "{path}: plain HTTP, no HSTS"
        );
    }
    let r = app.get("/", Some(&session)).await;
    assert_eq!(
        r.headers["cache-control"], "no-store",
        "personal data is not cached"
    );

    // Served over HTTPS (secure cookies): HSTS too.
    let mut state = app.fx.state.clone();
    state.config.secure_cookies = true;
    let secure = gongrong_web::router(state);
    let resp = tower::ServiceExt::oneshot(
        secure,
        axum::http::Request::get("/login")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        resp.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    assert!(
        resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
}

/// No template may carry inline script, inline style or an event handler attribute: the CSP
/// forbids them, so they would silently not work.
#[test]
fn templates_have_no_inline_script_or_style() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
        for bad in [
            "<script",
            "style=",
            "<style",
            "javascript:",
            " onclick",
            " onload",
            " onerror",
            " onsubmit",
            " onchange",
        ] {
            assert!(!text.contains(bad), "{} contains {bad}", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 10, "{checked} templates");
}

#[tokio::test]
async fn health_and_stylesheet() {
    let app = app().await;
    let r = app.get("/healthz", None).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ok"));
    let r = app.get("/static/app.css", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(r.body.contains("@media print"));
}
