//! Every user-interface string, in Simplified Chinese (the default) and English.
//!
//! The table is one macro invocation: each key must be written with both languages, so a missing
//! translation does not compile, and templates read the strings as struct fields, so a misspelt
//! key does not compile either. Code-list labels (relations, health, …) come from the domain's
//! `zh()` / `en()` and are not repeated here.

use gongrong_domain::Lang;

macro_rules! strings {
    ($($key:ident => $zh:literal, $en:literal;)+) => {
        /// The strings of one language; templates read them as `l.t.<key>`.
        #[derive(Debug)]
        pub struct Strings {
            $(pub $key: &'static str,)+
        }

        /// Simplified Chinese.
        pub static ZH: Strings = Strings { $($key: $zh,)+ };
        /// English.
        pub static EN: Strings = Strings { $($key: $en,)+ };

        impl Strings {
            /// Every key with its string, in table order.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($key), self.$key)),+]
            }
        }
    };
}

strings! {
    app_name => "共融 · 困难家庭综合帮扶平台", "Gongrong · Integrated Social Assistance";
    app_short => "共融", "Gongrong";
    nav_dashboard => "概览", "Overview";
    nav_search => "查询", "Search";
    sign_in => "登录", "Sign in";
    sign_out => "退出登录", "Sign out";
    language => "语言", "Language";
    lang_zh => "中文", "中文";
    lang_en => "English", "English";
    username => "用户名", "Username";
    password => "密码", "Password";
    login_title => "用户登录", "Sign in";
    login_intro => "请使用单位分配的账号登录。", "Sign in with the account your office gave you.";
    login_failed => "用户名或密码不正确。", "Wrong username or password.";
    dashboard_title => "困难家庭概览", "Households in difficulty: overview";
    dashboard_intro => "统一登记中的人员与家庭，按镇街统计，仅含您权限范围内的数据。", "Persons and households of the unified registry per town, limited to your area.";
    registry_built_at => "登记库生成时间", "Registry built at";
    registry_not_built => "统一登记库尚未生成：请先导入两套台账并生成登记库。", "The unified registry has not been built yet: import both registers and build it first.";
    town => "镇街", "Town";
    total => "合计", "Total";
    persons => "人数", "Persons";
    households => "户数", "Households";
    households_both => "两项均有", "Both";
    households_poverty_only => "仅扶贫", "Poverty only";
    households_dibao_only => "仅低保", "Dibao only";
    overlap_rate => "重合率", "Overlap";
    overlap_note => "重合率 = 同时在两套台账中的户数 ÷ 扶贫台账户数。", "Overlap = households in both registers ÷ households in the poverty register.";
    chart_title => "各镇街户数（按台账归属）", "Households per town, by register";
    chart_households => "户", "households";
    no_data => "暂无数据", "No data";
    search_title => "查询人员", "Find a person";
    search_query => "姓名或身份证号", "Name or ID number";
    search_query_hint => "姓名可输入部分；身份证号需完整（15位或18位）。", "Part of a name, or a full ID number (15 or 18 characters).";
    village => "村（社区）", "Village";
    all_villages => "全部村（社区）", "All villages";
    search_button => "查询", "Search";
    search_prompt => "请输入姓名、身份证号或选择村（社区）。", "Enter a name or ID number, or choose a village.";
    no_results => "没有找到符合条件的人员。", "No matching person found.";
    results_total => "共找到 {} 人", "{} persons found";
    page_of => "第 {} 页，共 {} 页", "Page {} of {}";
    prev_page => "上一页", "Previous";
    next_page => "下一页", "Next";
    name => "姓名", "Name";
    id_number => "身份证号", "ID number";
    sex => "性别", "Sex";
    birth_date => "出生日期", "Birth date";
    age => "年龄", "Age";
    age_years => "{} 岁", "{} years";
    registers => "所在台账", "Registers";
    reg_poverty => "扶贫", "Poverty";
    reg_dibao => "低保", "Dibao";
    household => "家庭", "Household";
    open_household => "查看家庭", "Open household";
    household_title => "家庭档案", "Household record";
    household_number => "家庭编号", "Household no.";
    poverty_keys => "扶贫户编号", "Poverty register no.";
    dibao_keys => "低保家庭编号", "Dibao register no.";
    members => "家庭成员", "Members";
    relation => "与户主关系", "Relation to head";
    health => "健康状况", "Health";
    labour => "劳动技能", "Labour skill";
    disability => "残疾", "Disability";
    self_care => "自理能力", "Self-care";
    school_stage => "在校情况", "School stage";
    death => "死亡日期", "Died";
    deceased => "已故", "deceased";
    identities => "身份及变动记录", "Identities and their history";
    identity => "身份", "Identity";
    valid_from => "起", "From";
    valid_to => "止", "To";
    until_now => "至今", "ongoing";
    source => "来源", "Source";
    identity_source_register => "{}，第 {} 批第 {} 行", "{}, batch {} row {}";
    identity_source_case => "案件 {}", "case {}";
    identity_source_manual => "{} 手工录入", "entered by {}";
    no_identities => "无身份记录。", "No identities recorded.";
    source_rows => "原始台账记录", "Source register rows";
    source_rows_intro => "以下为两套台账中与本户有关的原始行，保留全部原始列。", "The rows of both registers behind this household, with every original column.";
    source_row_label => "{}，文件 {}，第 {} 行", "{}, file {}, row {}";
    column => "列名", "Column";
    value => "内容", "Value";
    no_sources => "无原始记录。", "No source rows.";
    masked_note => "按您的角色，身份证号等敏感信息已部分隐藏。", "For your role, ID numbers and other identifiers are partly hidden.";
    back_to_search => "返回查询", "Back to search";
    nav_review => "人工核对", "Review";
    review_title => "疑似同一人核对", "Clerical review of possible matches";
    review_intro => "以下记录对由比对模型判为“不确定”：请逐对核对两条原始记录，判定是否为同一人。判定结果将在以后每次比对中沿用。", "The linkage model could not decide these pairs of records: compare the two rows and decide whether they are the same person. Every later run respects the decision.";
    review_filter_pending => "待核对", "Pending";
    review_filter_decided => "已核对", "Decided";
    review_filter_all => "全部", "All";
    review_total => "共 {} 对", "{} pairs";
    review_empty => "没有需要核对的记录对。", "No pairs to review.";
    review_pair => "记录对", "Pair";
    review_pair_title => "核对记录对", "Review pair";
    review_left => "记录甲", "Record A";
    review_right => "记录乙", "Record B";
    review_weight => "匹配权重", "Match weight";
    review_probability => "匹配概率", "Probability";
    review_decision => "核对结论", "Decision";
    review_open => "核对", "Review";
    review_undecided => "未核对", "Not decided";
    review_back => "返回核对列表", "Back to the review queue";
    review_records => "两条记录对照", "The two records side by side";
    review_records_intro => "两边取值不同的字段已高亮显示。", "Fields whose values differ are highlighted.";
    review_raw => "原始列", "Original columns";
    review_raw_intro => "两条记录在各自台账文件中的全部原始列。", "Every original column of both rows, as in their register files.";
    review_field => "字段", "Field";
    review_differs => "不同", "differs";
    review_explanation => "比对依据", "Why the model was unsure";
    review_explanation_intro => "权重为以 2 为底的对数似然比：正值支持同一人，负值支持不同的人。", "Weights are log2 likelihood ratios: positive values favour the same person, negative values different people.";
    review_explanation_missing => "无法读取比对明细。", "The comparison details cannot be read.";
    review_comparison => "比对项", "Comparison";
    review_level => "比对结果", "Level";
    review_level_weight => "权重", "Weight";
    review_tf_adjustment => "姓名频率调整", "Name frequency adjustment";
    review_contribution => "合计贡献", "Contribution";
    review_prior => "先验权重", "Prior weight";
    review_total_weight => "总权重", "Total weight";
    review_band => "模型判定", "Model band";
    review_rule => "适用规则", "Rule applied";
    review_duplicate => "同一台账重复原因", "Duplicate within a register";
    review_chart_title => "各比对项权重（正值支持同一人）", "Weight per comparison (positive favours the same person)";
    review_decide => "作出判定", "Decide";
    review_note => "备注（可选）", "Note (optional)";
    review_decide_match => "是同一人", "Match";
    review_decide_non_match => "不是同一人", "Not a match";
    review_decided_by => "由 {} 于 {} 判定", "Decided by {} at {}";
    review_change_note => "可重新判定，新结论将替换原结论。", "You may decide again; the new decision replaces the old one.";
    review_read_only => "您的角色只能查看核对结果，不能作出判定。", "Your role may view the review results but not decide.";
    review_saved => "判定已保存。", "The decision was saved.";
    verdict_match => "同一人", "Same person";
    verdict_non_match => "不同的人", "Different people";
    band_match => "匹配", "Match";
    band_review => "待人工核对", "Review";
    band_non_match => "不匹配", "Non-match";
    cmp_id_number => "身份证号", "ID number";
    cmp_name => "姓名", "Name";
    cmp_birth_date => "出生日期", "Birth date";
    cmp_sex => "性别", "Sex";
    cmp_region => "地区", "Region";
    lvl_null => "缺失", "missing";
    lvl_exact => "完全相同", "exact";
    lvl_repaired => "修正后相同", "same after repair";
    lvl_near => "相近", "near";
    lvl_different => "不同", "different";
    lvl_same_pinyin => "拼音相同", "same pinyin";
    lvl_similar_high => "高度相似", "very similar";
    lvl_similar_low => "略有相似", "somewhat similar";
    lvl_one_field_differs => "年月日有一项不同", "one of year, month, day differs";
    lvl_same => "相同", "same";
    lvl_same_village => "同村", "same village";
    lvl_same_town => "同镇街", "same town";
    lvl_same_county => "同区县", "same county";
    rule_distinct_valid_ids => "两个身份证号均有效且不同", "two different valid ID numbers";
    rule_same_household => "同一台账同一户的成员", "members of one household of one register";
    rule_no_usable_identifier => "缺少可用的身份标识", "no usable identifier";
    rule_within_source_not_duplicate => "同一台账内的非重复记录", "records of one register that are not duplicates";
    rule_cluster_conflict => "与更强的匹配冲突", "conflicts with a stronger link";
    dup_same_id_number => "身份证号相同", "same ID number";
    dup_same_household_name_birth_date => "同户、同名、同出生日期", "same household, name and birth date";
    field_register => "台账", "Register";
    field_source => "来源行", "Source row";
    field_source_value => "文件 {}，第 {} 行", "file {}, row {}";
    field_household_key => "台账户编号", "Register household no.";
    field_id_number_raw => "身份证号（原文）", "ID number as written";
    field_ethnicity => "民族", "Ethnicity";
    field_identity_since => "身份起始日期", "Identity since";
    field_household_attribute => "户属性", "Household attribute";
    field_poverty_cause => "主要致贫原因", "Main cause of poverty";
    field_annual_income => "年人均纯收入（元）", "Annual net income per capita (yuan)";
    field_monthly_income => "月人均收入（元）", "Monthly income per capita (yuan)";
    field_monthly_benefit => "月保障金额（元）", "Monthly benefit (yuan)";
    field_phone => "联系电话", "Phone";
    field_bank_account => "银行账号", "Bank account";
    none => "—", "—";
    error_title => "出错了", "Something went wrong";
    error_not_found => "页面不存在，或不在您的权限范围内。", "This page does not exist or is outside your area.";
    error_unauthenticated => "请先登录。", "Please sign in first.";
    error_forbidden => "您无权执行此操作。", "You are not allowed to do this.";
    error_bad_request => "请求有误，请检查输入后重试。", "The request is not valid; check your input and try again.";
    error_payload_too_large => "提交的内容过大。", "The submitted data is too large.";
    error_internal => "系统内部错误，已记录，请稍后重试。", "An internal error occurred and was logged; please try again later.";
    back_home => "返回首页", "Back to the start page";
    footer => "共融：两制融合，一门受理、协同办理。", "Gongrong: one window, departments working together.";
    // ---------- access, masking, revealing, accounts, audit (issue 7) ----------
    nav_audit => "审计日志", "Audit log";
    nav_users => "用户管理", "Users";
    masked_value => "（已隐藏）", "(hidden)";
    withheld_value => "（无权查看）", "(not for your role)";
    reveal_note => "如确因工作需要查看某项明文，可在页面下方说明理由后显示；每次显示均记入审计日志。", "If your work needs one value in full, give the reason below to reveal it; every reveal is recorded in the audit log.";
    error_too_many_requests => "尝试次数过多，请稍后再试。", "Too many attempts; please try again later.";
    login_locked => "登录失败次数过多，该账号或地址已暂时锁定。请稍后再试，或请管理员解锁。", "Too many failed sign-ins: this account or address is locked for a while. Try again later, or ask an administrator to unlock it.";
    department_empty => "本部门的服务对象名单尚未生成。政策引擎完成人群测算后，这里将显示享受本部门政策的人员；在此之前不显示任何人员。", "Your department's list of people has not been filled yet. Once the policy engine's population run has listed the people entitled to your department's policies, they appear here; until then nobody is shown.";
    reveal_title => "显示明文", "Reveal a value";
    reveal_intro => "选择人员和信息类别，并说明查看理由。明文只显示这一次，查看记录（含理由）写入审计日志。", "Choose the person and the kind of information, and give your reason. The value is shown this once; the reveal and its reason go into the audit log.";
    reveal_subject => "人员", "Person";
    reveal_class => "信息类别", "Information";
    reveal_reason => "查看理由", "Reason";
    reveal_submit => "显示明文", "Reveal";
    reveal_result_intro => "以下明文仅本次显示，本次查看已记入审计日志。", "These values are shown this once; this reveal is in the audit log.";
    reveal_nothing => "该人员没有此项记录。", "Nothing of this kind is recorded for this person.";
    reveal_back => "返回", "Back";
    reveal_row => "{}（{}，第 {} 行）", "{} ({}, row {})";
    class_id_number => "身份证号", "ID number";
    class_phone => "联系电话", "Phone number";
    class_bank_account => "银行账号", "Bank account";
    class_health => "健康与自理情况", "Health and self-care";
    class_disability => "残疾情况", "Disability";
    users_title => "用户管理", "User accounts";
    users_intro => "管理员创建和维护账号；角色决定可做的事，区域决定可见的人员。修改角色、区域、部门或密码，或停用账号，都会立即结束该用户的登录会话。所有操作均记入审计日志。", "Administrators create and maintain accounts: the role decides what a user may do, the area whom they see. Changing a role, area, department or password, or disabling an account, ends the user's sessions at once. Every change goes into the audit log.";
    users_create => "新建账号", "New account";
    display_name => "显示名称", "Display name";
    role => "角色", "Role";
    area => "区域代码", "Area code";
    area_hint => "村级经办人填村代码（12位），镇街经办人填镇街代码（9位），区级角色和审计人员填区代码（6位）。", "A village clerk works in a village (12 digits), a town caseworker in a town (9), district roles and auditors in the district (6).";
    department => "部门", "Department";
    department_hint => "仅部门经办人填写，例如：教育、残联、卫健。", "Department officers only: the department's short Chinese name (education, disability federation, health, …).";
    status => "状态", "Status";
    status_active => "正常", "Active";
    status_disabled => "已停用", "Disabled";
    status_locked => "锁定至 {}", "Locked until {}";
    user_edit => "修改", "Edit";
    user_save => "保存", "Save";
    user_reset_password => "重置密码", "Reset password";
    user_disable => "停用账号", "Disable";
    user_enable => "启用账号", "Enable";
    user_unlock => "解除锁定", "Unlock";
    user_new_password => "新密码（仅显示这一次，请当面交给本人）：", "New password (shown this once; hand it over in person):";
    user_saved => "已保存。", "Saved.";
    user_back => "返回用户列表", "Back to the accounts";
    audit_title => "审计日志", "Audit log";
    audit_intro => "每一次修改和每一次查看敏感记录都记在这里，逐条以哈希相连，任何修改、删除或调换都能被校验发现。", "Every change and every read of a sensitive record is recorded here, each record hash-linked to the one before, so that any edit, removal or reordering is caught by verification.";
    audit_seq => "序号", "No.";
    audit_at => "时间", "Time";
    audit_actor => "操作人", "Actor";
    audit_channel => "渠道", "Channel";
    audit_origin => "来源", "From";
    audit_action => "操作", "Action";
    audit_target => "对象", "Target";
    audit_detail => "详情", "Detail";
    audit_filter => "筛选", "Filter";
    audit_verify => "校验审计链", "Verify the chain";
    audit_ok => "审计链完整：共 {} 条记录，链头 {}。", "The audit chain is intact: {} records, head {}.";
    audit_broken => "审计链在第 {} 条记录处断裂：{}", "The audit chain breaks at record {}: {}";
    audit_older => "更早的记录", "Older records";
    audit_empty => "没有符合条件的记录。", "No matching records.";
}

/// The string table of a language.
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// Replaces each `{}` in `template` with the next argument, in order.
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut rest = template;
    while let Some(pos) = rest.find("{}") {
        out.push_str(&rest[..pos]);
        if let Some(a) = args.next() {
            out.push_str(&a.to_string());
        }
        rest = &rest[pos + 2..];
    }
    out.push_str(rest);
    out
}

/// The language from the `lang` cookie's value (`zh` or `en`); anything else is Chinese.
pub fn parse_lang(value: &str) -> Option<Lang> {
    match value {
        "zh" | "zh-CN" => Some(Lang::Zh),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// The short code used in the `lang` cookie and the `/lang/{code}` switch.
pub fn lang_cookie_value(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_key_has_both_languages() {
        let zh = ZH.entries();
        let en = EN.entries();
        assert_eq!(zh.len(), en.len());
        let mut seen = std::collections::HashSet::new();
        for ((kz, z), (ke, e)) in zh.iter().zip(&en) {
            assert_eq!(kz, ke);
            assert!(seen.insert(*kz), "duplicate key {kz}");
            assert!(!z.trim().is_empty(), "{kz}: empty Chinese string");
            assert!(!e.trim().is_empty(), "{kz}: empty English string");
            // Placeholders must match so that `fill` works in both languages.
            assert_eq!(
                z.matches("{}").count(),
                e.matches("{}").count(),
                "{kz}: placeholders differ"
            );
            // Language-neutral keys (the switch labels, the dash) are the only ones allowed to
            // be identical; everything else must really be translated.
            if !matches!(*kz, "lang_zh" | "lang_en" | "none") {
                assert!(has_cjk(z), "{kz}: Chinese string has no Chinese: {z:?}");
                assert!(!has_cjk(e), "{kz}: English string has Chinese: {e:?}");
            }
        }
    }

    #[test]
    fn fill_replaces_in_order() {
        assert_eq!(fill(ZH.page_of, &[&2, &5]), "第 2 页，共 5 页");
        assert_eq!(fill(EN.page_of, &[&2, &5]), "Page 2 of 5");
        assert_eq!(fill("{} and {}", &[&1]), "1 and ");
    }

    #[test]
    fn lang_codes() {
        assert_eq!(parse_lang("en"), Some(Lang::En));
        assert_eq!(parse_lang("zh"), Some(Lang::Zh));
        assert_eq!(parse_lang("fr"), None);
        assert_eq!(strings(Lang::En).sign_in, "Sign in");
    }
}
