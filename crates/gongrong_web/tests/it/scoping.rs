//! Area scoping and masking: what each role may see, by page, search and API.

use crate::common::{PHONE, app, head_id, spouse_id, sun_id};
use axum::http::StatusCode;

#[tokio::test]
async fn village_clerk_cannot_reach_another_village() {
    let app = app().await;
    // 西关村's clerk; 王大山's household is in 东关村 (same town).
    let session = app.login("clerk_xg").await;

    let r = app
        .get(
            &format!("/households/{}", app.fx.hh_dongguan),
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("王大山"));
    // Indistinguishable from a household that does not exist.
    let missing = app.get("/households/999999", Some(&session)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.body.replace("%2Fhouseholds%2F999999", "HERE"),
        r.body
            .replace(&format!("%2Fhouseholds%2F{}", app.fx.hh_dongguan), "HERE")
    );

    let r = app
        .get("/search?q=%E7%8E%8B%E5%A4%A7%E5%B1%B1", Some(&session))
        .await; // 王大山
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("没有找到符合条件的人员。"));
    assert!(!r.body.contains("/households/"));

    // By ID number, by the other village's code, by the API: nothing.
    let r = app
        .get(&format!("/search?q={}", head_id()), Some(&session))
        .await;
    assert!(!r.body.contains("王大山"));
    let r = app
        .get("/search?village=370305100201", Some(&session))
        .await;
    assert!(!r.body.contains("王大山"));
    let r = app
        .get(
            "/api/v1/search?q=%E7%8E%8B%E5%A4%A7%E5%B1%B1",
            Some(&session),
        )
        .await;
    assert_eq!(r.json()["total"], 0);
    let r = app
        .get(
            &format!("/api/v1/households/{}", app.fx.hh_dongguan),
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "not_found");

    // Their own village works.
    let r = app
        .get(&format!("/households/{}", app.fx.hh_xiguan), Some(&session))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("赵小红"));

    // Dashboard figures count their village only, by page and API; no review queue.
    let d = app.get("/api/v1/dashboard", Some(&session)).await.json();
    assert_eq!(
        (
            d["total"]["persons"].clone(),
            d["total"]["households"].clone()
        ),
        (1.into(), 1.into()),
        "西关村: 赵小红 alone: {d}"
    );
    assert_eq!(d["towns"].as_array().unwrap().len(), 1);
    let page = app.get("/", Some(&session)).await;
    assert!(page.body.contains("西关村") || page.body.contains("齐都镇"));
    for path in ["/review", "/api/v1/review", "/audit", "/admin/users"] {
        assert_eq!(
            app.get(path, Some(&session)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }

    // The refused attempt is on record.
    let events = app.fx.events(100).await;
    assert!(events.iter().any(|e| e.action == "household.read_denied"
        && e.target == format!("household:{}", app.fx.hh_dongguan)
        && e.actor == "clerk_xg"));
}

#[tokio::test]
async fn town_caseworker_sees_the_town_but_not_other_towns() {
    let app = app().await;
    let session = app.login("town_a").await;
    for hh in [app.fx.hh_dongguan, app.fx.hh_xiguan] {
        let r = app.get(&format!("/households/{hh}"), Some(&session)).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = app
        .get(&format!("/households/{}", app.fx.hh_nancun), Some(&session))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .get(&format!("/search?q={}", sun_id()), Some(&session))
        .await;
    assert!(!r.body.contains("孙老三"));

    // The dashboard counts only the caseworker's town.
    let d = app.get("/api/v1/dashboard", Some(&session)).await.json();
    assert_eq!(d["total"]["persons"], 3, "{d}");
    assert_eq!(d["total"]["households"], 2, "{d}");
}

#[tokio::test]
async fn identifiers_are_masked_for_roles_that_must_not_see_them() {
    let app = app().await;
    let path = format!("/households/{}", app.fx.hh_dongguan);
    let api_path = format!("/api/v1/households/{}", app.fx.hh_dongguan);
    let full = head_id().to_string();
    let masked = head_id().masked();

    // A town caseworker sees full numbers, on the page and in the API.
    let session = app.login("town_a").await;
    let page = app.get(&path, Some(&session)).await;
    assert!(page.body.contains(&full));
    assert!(page.body.contains(PHONE));
    assert!(!page.body.contains("部分隐藏"));
    let json = app.get(&api_path, Some(&session)).await.json();
    assert!(json.to_string().contains(&full));

    // An auditor sees the district, but masked: on the page, in the raw rows, in search, in the API.
    let session = app.login("auditor").await;
    let page = app.get(&path, Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&masked), "masked ID shown");
    assert!(page.body.contains("部分隐藏"), "masking explained");
    for secret in [full.as_str(), spouse_id().as_str(), PHONE] {
        assert!(!page.body.contains(secret), "{secret} leaked on the page");
    }
    let search = app
        .get("/search?q=%E7%8E%8B%E5%A4%A7%E5%B1%B1", Some(&session))
        .await;
    assert!(search.body.contains(&masked));
    assert!(!search.body.contains(&full));
    let json = app.get(&api_path, Some(&session)).await.body;
    assert!(json.contains(&masked));
    for secret in [full.as_str(), spouse_id().as_str(), PHONE] {
        assert!(!json.contains(secret), "{secret} leaked in the API");
    }
    let hits = app
        .get(
            "/api/v1/search?q=%E7%8E%8B%E5%A4%A7%E5%B1%B1",
            Some(&session),
        )
        .await
        .body;
    assert!(hits.contains(&masked) && !hits.contains(&full));
}
