//! What each role reaches through the web: department officers (their department's people
//! only, an empty-state before the list is filled), administrators (accounts, no people), the
//! reveal of one masked field, and the audit pages.

use crate::common::{App, app, head_id, spouse_id, sys, zhao_id};
use axum::http::StatusCode;
use gongrong_domain::Role;
use gongrong_store::NewUser;

#[tokio::test]
async fn a_department_officer_sees_only_the_departments_people() {
    let app = app().await;
    let session = app.login("edu").await;
    // The fixture lists 赵小红 for 教育.
    let r = app.get("/search?q=%E8%B5%B5", Some(&session)).await; // 赵
    assert!(r.body.contains("赵小红"));
    let all = app
        .get("/api/v1/search?q=%E7%8E%8B", Some(&session)) // 王
        .await
        .json();
    assert_eq!(all["total"], 0, "{all}");
    for hh in [app.fx.hh_dongguan, app.fx.hh_nancun] {
        let r = app.get(&format!("/households/{hh}"), Some(&session)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let r = app
        .get(&format!("/households/{}", app.fx.hh_xiguan), Some(&session))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Identifiers masked, health withheld for education.
    assert!(!r.body.contains(zhao_id().as_str()));
    assert!(r.body.contains(&zhao_id().masked()));
    assert!(r.body.contains("（无权查看）"), "health withheld");
    assert!(!r.body.contains("长期慢性病"));
    let d = app.get("/api/v1/dashboard", Some(&session)).await.json();
    assert_eq!(
        (
            d["total"]["persons"].clone(),
            d["total"]["households"].clone()
        ),
        (1.into(), 1.into())
    );
    assert!(
        !app.get("/", Some(&session))
            .await
            .body
            .contains("department-empty")
    );
    // No review queue for departments.
    assert_eq!(
        app.get("/review", Some(&session)).await.status,
        StatusCode::FORBIDDEN
    );

    // A department whose list the policy engine has not filled yet: nobody, and a clear note.
    app.fx
        .store
        .upsert_user(
            &sys(),
            &NewUser {
                username: "weijian".into(),
                display_name: "区卫健局".into(),
                role: Role::DepartmentOfficer,
                area: crate::common::code(crate::common::DISTRICT),
                department: Some("卫健".into()),
                password_hash: crate::common::password_hash(),
            },
        )
        .await
        .unwrap();
    let session = app.login("weijian").await;
    let home = app.get("/", Some(&session)).await;
    assert!(
        home.body.contains("本部门的服务对象名单尚未生成"),
        "{}",
        home.body
    );
    let search = app.get("/search?q=%E8%B5%B5", Some(&session)).await;
    assert!(search.body.contains("本部门的服务对象名单尚未生成"));
    assert!(!search.body.contains("赵小红"));
}

#[tokio::test]
async fn administrators_manage_accounts_and_see_no_people() {
    let app = app().await;
    let admin = app.login("admin").await;
    // Their start page is the accounts list; people pages are closed to them.
    let home = app.get("/", Some(&admin)).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/admin/users");
    for path in [
        "/search?q=%E7%8E%8B".to_owned(),
        format!("/households/{}", app.fx.hh_dongguan),
        "/api/v1/search?q=x".to_owned(),
        "/api/v1/dashboard".to_owned(),
        "/review".to_owned(),
    ] {
        let r = app.get(&path, Some(&admin)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!r.body.contains("王大山"), "{path}");
    }
    let users = app.get("/admin/users", Some(&admin)).await;
    assert_eq!(users.status, StatusCode::OK);
    for name in ["clerk_dg", "town_a", "auditor", "edu"] {
        assert!(users.body.contains(name), "{name} listed");
    }
    assert!(!users.body.contains("$argon2"), "no hashes shown");

    // Create: refused when the area does not fit the role; otherwise a password shown once.
    let bad = app
        .post_form(
            "/admin/users",
            &[
                ("username", "li"),
                ("role", "village_clerk"),
                ("area", "370305100"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let created = app
        .post_form(
            "/admin/users",
            &[
                ("username", "li"),
                ("display_name", "西关村经办 李华"),
                ("role", "village_clerk"),
                ("area", "370305100202"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let password = created
        .body
        .split(r#"<p class="mono new-password">"#)
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .unwrap()
        .to_owned();
    assert!(gongrong_web::check_password("li", &password).is_ok());
    let again = app
        .post_form(
            "/admin/users",
            &[("username", "li"), ("role", "auditor"), ("area", "370305")],
            Some(&admin),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "no silent overwrite");
    let r = app
        .submit_login(&[("username", "li"), ("password", &password)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the new clerk signs in");

    // Reset the password: a new one, the old stops working. Disable: no sign-in at all.
    let reset = app
        .post_form("/admin/users/li/password", &[], Some(&admin))
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert!(!reset.body.contains(&password));
    let r = app
        .submit_login(&[("username", "li"), ("password", &password)])
        .await;
    assert!(r.body.contains("用户名或密码不正确。"));
    let r = app
        .post_form("/admin/users/li/disable", &[], Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.get("/admin/users/li", Some(&admin))
            .await
            .body
            .contains("已停用")
    );
    // An administrator cannot lock themselves out.
    let r = app
        .post_form("/admin/users/admin/disable", &[], Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Other roles get 403 on every account page.
    let clerk = app.login("clerk_dg").await;
    assert_eq!(
        app.get("/admin/users", Some(&clerk)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post_form("/admin/users/town_a/disable", &[], Some(&clerk))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Every change is in the audit log, by the administrator.
    let events = app.fx.events(200).await;
    for action in ["user.create", "user.password_reset", "user.disable"] {
        assert!(
            events
                .iter()
                .any(|e| e.action == action && e.actor == "admin" && e.target == "user:li"),
            "{action}"
        );
    }
}

async fn reveal(
    app: &App,
    session: &str,
    subject: &str,
    field: &str,
    reason: &str,
) -> crate::common::Resp {
    app.post_form(
        "/reveal",
        &[
            ("subject", subject),
            ("field", field),
            ("reason", reason),
            ("back", "/"),
        ],
        Some(session),
    )
    .await
}

#[tokio::test]
async fn revealing_a_masked_field_is_explicit_and_audited() {
    let app = app().await;
    let session = app.login("auditor").await;
    let page = app
        .get(
            &format!("/households/{}", app.fx.hh_dongguan),
            Some(&session),
        )
        .await;
    assert!(page.body.contains(r#"action="/reveal""#), "the reveal form");
    assert!(!page.body.contains(head_id().as_str()));
    // The subject choices carry the members' person ids.
    let subject = page
        .body
        .split(r#"<option value="person:"#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|id| format!("person:{id}"))
        .unwrap();

    let r = reveal(&app, &session, &subject, "id_number", "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a reason is required");
    let r = reveal(&app, &session, &subject, "id_number", "抽查低保审批").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains(head_id().as_str()) || r.body.contains(spouse_id().as_str()),
        "the clear value, this once"
    );
    assert!(r.body.contains("本次查看已记入审计日志"));
    assert_eq!(r.headers["cache-control"], "no-store");
    let events = app.fx.events(50).await;
    let e = events.iter().find(|e| e.action == "field.reveal").unwrap();
    assert_eq!(
        (e.actor.as_str(), e.target.as_str()),
        ("auditor", subject.as_str())
    );
    assert_eq!(e.detail, "id_number; reason: 抽查低保审批");
    // The household page itself still shows it masked.
    let again = app
        .get(
            &format!("/households/{}", app.fx.hh_dongguan),
            Some(&session),
        )
        .await;
    assert!(!again.body.contains(head_id().as_str()));

    // The API does the same, with the header token.
    let id: i64 = subject.trim_start_matches("person:").parse().unwrap();
    let r = crate::review::post_json(
        &app,
        "/api/v1/reveal",
        serde_json::json!({"subject": {"kind": "person", "id": id}, "field": "phone", "reason": "联系核实"}),
        &session,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(crate::common::PHONE));

    // Without the CSRF token: refused before anything is revealed.
    let r = app
        .post_form_raw(
            "/reveal",
            &[
                ("subject", &subject),
                ("field", "id_number"),
                ("reason", "没有令牌"),
            ],
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.body.contains(head_id().as_str()));

    // Withheld is withheld: education may not reveal health; nor anyone a person outside
    // their scope (404, like a person that does not exist).
    let edu = app.login("edu").await;
    let r = reveal(&app, &edu, &subject, "health", "助学核对").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = reveal(&app, &edu, &subject, "id_number", "助学核对").await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "王大山 is not on education's list"
    );
    let clerk = app.login("clerk_xg").await;
    let r = reveal(&app, &clerk, &subject, "id_number", "核对身份").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains(head_id().as_str()));
    for bad in ["person:abc", "household:1", "person:1 OR 1=1"] {
        let r = reveal(&app, &session, bad, "id_number", "核对身份").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let r = reveal(&app, &session, &subject, "salary", "核对身份").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn auditors_and_administrators_read_and_verify_the_audit_log() {
    let app = app().await;
    let clerk = app.login("clerk_dg").await;
    app.get(&format!("/households/{}", app.fx.hh_dongguan), Some(&clerk))
        .await;
    assert_eq!(
        app.get("/audit", Some(&clerk)).await.status,
        StatusCode::FORBIDDEN
    );
    for user in ["auditor", "admin"] {
        let session = app.login(user).await;
        let r = app
            .get("/audit?actor=clerk_dg&action=household.", Some(&session))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{user}");
        assert!(r.body.contains("household.read"), "{user}");
        assert!(
            !r.body.contains("session.login<"),
            "filtered to household.*"
        );
        let v = app.get("/audit/verify", Some(&session)).await;
        assert!(v.body.contains("审计链完整"), "{}", v.body);
    }
    let r = app
        .get("/audit?before=abc", Some(&app.login("auditor").await))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
