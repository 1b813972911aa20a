//! Access control in the store: who reaches whom by every door the store has (household by id,
//! search by name and ID number, review queue, dashboard figures, reveal), department lists,
//! masking by role, and the audit trail of those reads.

use super::*;
use gongrong_store::{
    AuditFilter, DepartmentPerson, FieldClass, RevealRequest, RevealSubject, RevealedValue,
};

fn with_department(role: Role, area: &str, department: &str) -> Access {
    Access::user(
        &User {
            id: 0,
            username: format!("{department}-{area}"),
            display_name: department.into(),
            role,
            area: code(area),
            department: Some(department.into()),
        },
        t(8),
    )
}

/// The person and household ids of a name (unique in the story).
async fn person(store: &Store, name: &str) -> (i64, i64) {
    let page = store.search(&sys(), &query(Some(name), 10)).await.unwrap();
    let hit = page
        .hits
        .iter()
        .find(|h| h.name == name)
        .unwrap_or_else(|| panic!("{name} in the registry"));
    (hit.person_id, hit.household_id)
}

pub async fn story(store: &Store) {
    let p = people();
    let (_, hh_a) = person(store, "李四").await; // A 张三 + B 李四, 东关村 (V1)
    let (id_e, hh_de) = person(store, "赵小六").await; // D 赵六 + E 赵小六, 西关村 (V2)
    let (id_d, _) = person(store, "赵六").await;
    let (id_g, hh_fg) = person(store, "张丽").await; // F 张三 + G 张丽, 南村 (V3)

    // ---- a village clerk cannot reach another village, by any door ----
    let xiguan = Access::user(
        &User {
            id: 0,
            username: "xiguan-clerk".into(),
            display_name: "西关村经办".into(),
            role: Role::VillageClerk,
            area: code(V2),
            department: None,
        },
        t(8),
    );
    assert!(
        store.household(&xiguan, hh_a).await.unwrap().is_none(),
        "by id"
    );
    assert!(store.household(&xiguan, hh_de).await.unwrap().is_some());
    for text in ["李四", p[1].id.as_str(), "张"] {
        let page = store.search(&xiguan, &query(Some(text), 50)).await.unwrap();
        assert!(
            page.hits.iter().all(|h| h.village == code(V2)),
            "search {text:?} leaked {:?}",
            names(&page)
        );
    }
    let mut other_village = query(None, 50);
    other_village.village = Some(code(V1));
    assert_eq!(
        store.search(&xiguan, &other_village).await.unwrap().total,
        0
    );
    let board = store.dashboard(&xiguan).await.unwrap();
    assert_eq!(
        (board.total.persons, board.total.households),
        (2, 1),
        "V2's figures only"
    );
    assert!(matches!(
        store.review_queue(&xiguan, ReviewFilter::All, 0, 10).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.review_pair(&xiguan, 1).await,
        Err(StoreError::Forbidden(_))
    ));
    let reveal = |subject, class, reason: &str| RevealRequest {
        subject,
        class,
        reason: reason.into(),
    };
    let (id_a, _) = person(store, "李四").await;
    assert_eq!(
        store
            .reveal(
                &xiguan,
                &reveal(
                    RevealSubject::Person(id_a),
                    FieldClass::IdNumber,
                    "核对身份"
                )
            )
            .await
            .unwrap(),
        None,
        "reveal outside the village: not found"
    );
    // …and jobs are not theirs either.
    assert!(matches!(
        store.staged_records(&xiguan).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store
            .replace_registry(&xiguan, &Default::default(), t(9))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    // The refused read is on record.
    let denied = store
        .audit_log(
            &sys(),
            &AuditFilter {
                actor: Some(xiguan.actor_name().into()),
                action: Some("household.read_denied".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].target, format!("household:{hh_a}"));

    // ---- administrators manage accounts, and see no people ----
    let admin = as_user(Role::Admin, "370305");
    assert!(matches!(
        store.search(&admin, &query(None, 10)).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.household(&admin, hh_a).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.dashboard(&admin).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(store.users(&admin).await.unwrap().len() >= 2);

    // ---- department officers: nobody until the population run lists people ----
    let edu = with_department(Role::DepartmentOfficer, "370305", "教育");
    assert_eq!(store.search(&edu, &query(None, 50)).await.unwrap().total, 0);
    assert_eq!(store.dashboard(&edu).await.unwrap().total.persons, 0);
    assert!(store.household(&edu, hh_de).await.unwrap().is_none());
    assert_eq!(store.department_people_count("教育").await.unwrap(), 0);
    // Only jobs fill the lists, and only with persons of the registry.
    let listed = [DepartmentPerson {
        person_id: id_e,
        policy: "P07".into(),
    }];
    assert!(matches!(
        store.replace_department_people(&edu, "教育", &listed).await,
        Err(StoreError::Forbidden(_))
    ));
    let stray = [DepartmentPerson {
        person_id: 999_999,
        policy: "P07".into(),
    }];
    assert!(matches!(
        store
            .replace_department_people(&sys(), "教育", &stray)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store
            .replace_department_people(&sys(), "教育", &listed)
            .await
            .unwrap(),
        1
    );
    let disability = [DepartmentPerson {
        person_id: id_g,
        policy: "P17".into(),
    }];
    store
        .replace_department_people(&sys(), "残联", &disability)
        .await
        .unwrap();

    let page = store.search(&edu, &query(None, 50)).await.unwrap();
    assert_eq!(names(&page), ["赵小六"], "only the department's people");
    assert_eq!(
        page.hits[0].id_number,
        Shown::Masked(p[4].id.masked()),
        "identifiers masked for departments"
    );
    assert_eq!(
        store
            .search(&edu, &query(Some("赵六"), 50))
            .await
            .unwrap()
            .total,
        0
    );
    let h = store.household(&edu, hh_de).await.unwrap().unwrap();
    assert_eq!(
        h.members.iter().map(|m| m.person_id).collect::<Vec<_>>(),
        [id_e],
        "the household shows the department's member only"
    );
    assert!(h.members.iter().all(|m| m.person_id != id_d));
    assert_eq!(h.sources.len(), 1, "only E's register row");
    assert_eq!(
        h.members[0].health,
        Shown::Withheld,
        "education has no use for health"
    );
    assert_eq!(h.members[0].disability, Shown::Withheld);
    assert!(store.household(&edu, hh_a).await.unwrap().is_none());
    let board = store.dashboard(&edu).await.unwrap();
    assert_eq!((board.total.persons, board.total.households), (1, 1));
    // Another department, or the same department in another town, sees none of them.
    let health = with_department(Role::DepartmentOfficer, "370305", "卫健");
    assert_eq!(
        store.search(&health, &query(None, 50)).await.unwrap().total,
        0
    );
    let edu_elsewhere = with_department(Role::DepartmentOfficer, "370305102", "教育");
    assert_eq!(
        store
            .search(&edu_elsewhere, &query(None, 50))
            .await
            .unwrap()
            .total,
        0
    );
    // The disability federation sees its person's disability in the clear.
    let federation = with_department(Role::DepartmentOfficer, "370305", "残联");
    let h = store.household(&federation, hh_fg).await.unwrap().unwrap();
    assert_eq!(h.members.len(), 1);
    assert!(h.members[0].disability.is_clear());
    assert!(matches!(h.members[0].id_number, Shown::Masked(_)));
    assert!(matches!(
        store
            .review_queue(&federation, ReviewFilter::All, 0, 10)
            .await,
        Err(StoreError::Forbidden(_))
    ));

    // ---- auditors: the district, masked, revealable with a reason; nothing changes ----
    let auditor = as_user(Role::Auditor, "370305");
    let h = store.household(&auditor, hh_a).await.unwrap().unwrap();
    assert_eq!(h.members.len(), 2);
    for m in &h.members {
        assert!(matches!(&m.id_number, Shown::Masked(s) if s.contains('*')));
        assert_eq!(m.health, Shown::Masked(String::new()), "hidden, revealable");
    }
    let raw = format!("{:?}", h.sources);
    for secret in [p[0].id.as_str(), p[1].id.as_str(), "13800000000"] {
        assert!(!raw.contains(secret), "{secret} in raw rows");
    }
    let a_id = h
        .members
        .iter()
        .find(|m| m.name == "张三")
        .unwrap()
        .person_id;
    assert!(matches!(
        store
            .reveal(
                &auditor,
                &reveal(RevealSubject::Person(a_id), FieldClass::IdNumber, " ")
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    let shown = store
        .reveal(
            &auditor,
            &reveal(
                RevealSubject::Person(a_id),
                FieldClass::IdNumber,
                "抽查低保审批材料",
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        shown.values,
        [("id_number".to_owned(), RevealedValue::IdNumber(p[0].id))]
    );
    let phone = store
        .reveal(
            &auditor,
            &reveal(RevealSubject::Person(a_id), FieldClass::Phone, "联系核实"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        phone.values,
        [(
            "phone".to_owned(),
            RevealedValue::Text("13800000000".into())
        )]
    );
    let row = store
        .reveal(
            &auditor,
            &reveal(
                RevealSubject::StagedRow(h.sources[0].staging_id),
                FieldClass::IdNumber,
                "核对原始登记",
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.values
            .iter()
            .any(|(k, v)| k == "raw:证件号码" && *v == RevealedValue::Text(p[0].id.to_string()))
    );
    let log = store
        .audit_log(
            &sys(),
            &AuditFilter {
                action: Some("field.reveal".into()),
                target: Some(format!("person:{a_id}")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].detail, "id_number; reason: 抽查低保审批材料");
    assert_eq!(log[1].actor, auditor.actor_name());
    // Withheld is withheld: education may not reveal health, and the attempt is recorded.
    assert!(matches!(
        store
            .reveal(
                &edu,
                &reveal(
                    RevealSubject::Person(id_e),
                    FieldClass::Health,
                    "助学资格核对"
                )
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let refused = store
        .audit_log(
            &sys(),
            &AuditFilter {
                action: Some("field.reveal_denied".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(refused.iter().any(|r| r.actor == edu.actor_name()));

    // ---- a rebuild that may renumber persons empties the department lists ----
    let staged = store.staged_records_without_raw(&sys()).await.unwrap();
    let unified = gongrong_domain::unify::exact_id(&staged, day("2026-01-01"));
    let ids: Vec<i64> = store
        .search(&sys(), &query(None, 50))
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.person_id)
        .collect();
    assert_eq!(ids.len(), unified.persons.len());
    let kept: Vec<i64> = (1..=unified.persons.len() as i64).collect();
    store
        .replace_registry_with_person_ids(&sys(), &unified, &kept, t(10))
        .await
        .unwrap();
    assert_eq!(store.department_people_count("教育").await.unwrap(), 1);
    store
        .replace_registry(&sys(), &unified, t(10))
        .await
        .unwrap();
    assert_eq!(store.department_people_count("教育").await.unwrap(), 0);
    assert_eq!(store.search(&edu, &query(None, 50)).await.unwrap().total, 0);
}
