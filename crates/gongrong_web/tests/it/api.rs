//! The JSON API.

use crate::common::{app, head_id};
use axum::http::StatusCode;

#[tokio::test]
async fn api_search_household_and_dashboard() {
    let app = app().await;
    let session = app.login("district").await;

    let r = app
        .get(
            "/api/v1/search?village=370305100201&page_size=1&page=2",
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["total"], 2);
    assert_eq!(j["page"], 2);
    assert_eq!(j["page_size"], 1);
    assert_eq!(j["hits"].as_array().unwrap().len(), 1);

    let r = app
        .get(&format!("/api/v1/search?q={}", head_id()), Some(&session))
        .await;
    let j = r.json();
    assert_eq!(j["total"], 1);
    assert_eq!(j["hits"][0]["name"], "王大山");
    assert_eq!(j["hits"][0]["id_number"], head_id().to_string());
    assert_eq!(j["hits"][0]["household_id"], app.fx.hh_dongguan);

    let j = app
        .get(
            &format!("/api/v1/households/{}", app.fx.hh_dongguan),
            Some(&session),
        )
        .await
        .json();
    assert_eq!(j["id"], app.fx.hh_dongguan);
    assert_eq!(j["members"].as_array().unwrap().len(), 2);
    assert!(j["poverty_keys"].to_string().contains("P001"));
    assert!(j["dibao_keys"].to_string().contains("D001"));
    assert_eq!(j["sources"].as_array().unwrap().len(), 4);

    let j = app.get("/api/v1/dashboard", Some(&session)).await.json();
    assert_eq!(j["total"]["persons"], 4, "{j}");
    assert_eq!(j["total"]["households"], 3, "{j}");
    assert_eq!(j["total"]["overlap_bp"], 5000, "{j}");
    assert_eq!(
        j["towns"].as_array().unwrap().len(),
        12,
        "every Linzi town, {j}"
    );

    let r = app.get("/api/v1/search?page=0", Some(&session)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "bad_request");
    let r = app.get("/api/v1/households/abc", Some(&session)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
