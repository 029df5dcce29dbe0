//! Messages of the set-up for trial applications (issue 12): products, province/city → region,
//! people on leave, intake keys, and the reasons of a routing decision.

pub static MESSAGES: &[(&str, &str, &str)] = &[
    // products
    (
        "page.settings_products",
        "产品",
        "Products",
    ),
    (
        "product.hint",
        "公司销售的产品，中英文名称各一。试用申请表单列出启用的产品，以后的商机和合同也引用这里的代码。已用过的产品只能停用，不能删除。",
        "The products the company sells, named in both languages. The trial application form offers the active ones; deals and contracts will refer to the same codes. A product is deactivated, never deleted.",
    ),
    ("product.none", "还没有产品。", "No products yet."),
    ("product.add", "添加产品", "Add a product"),
    (
        "product.code_hint",
        "小写字母、数字、下划线或连字符，最多 32 个字符，例如 eoffice-std。保存后不能修改。",
        "Lower-case letters, digits, _ or -, at most 32 characters, e.g. eoffice-std. It cannot be changed later.",
    ),
    (
        "product.position_hint",
        "数字越小越靠前；留空则排在最后。",
        "Smaller numbers come first; empty puts it last.",
    ),
    ("field.sort_position", "排序", "Order"),
    (
        "error.product_code_format",
        "代码只能包含小写字母、数字、下划线和连字符（最多 32 个字符），并以字母或数字开头。",
        "Use lower-case letters, digits, _ and - (at most 32), starting with a letter or digit.",
    ),
    (
        "error.product_markup",
        "名称中不能包含 < 或 >。",
        "A name cannot contain < or >.",
    ),
    (
        "error.product_code_taken",
        "已有产品使用此代码。",
        "Another product has this code.",
    ),
    (
        "error.product_name_taken",
        "已有产品使用此名称。",
        "Another product has this name.",
    ),
    (
        "error.product_position_range",
        "请填写 -{arg} 到 {arg} 之间的整数。",
        "Enter a whole number between -{arg} and {arg}.",
    ),
    ("flash.product_saved", "产品已保存。", "Product saved."),
    ("audit_action.product.create", "新增产品", "Product added"),
    ("audit_action.product.update", "修改产品", "Product changed"),
    ("audit_action.product.deactivate", "停用产品", "Product deactivated"),
    ("audit_action.product.activate", "重新启用产品", "Product reactivated"),
    ("audit.entity_product", "产品", "Product"),
    // province/city → region
    (
        "page.settings_routing",
        "地区分配",
        "Routing by region",
    ),
    (
        "routing.hint",
        "试用申请按申请人所在省份（或单独设置的城市）分到大区或分公司，再按该大区的分配规则交给客户经理（休假或停用的人除外）。未设置的省份进入销售总监的待分配队列。",
        "Trial applications go to a region or branch office by the applicant's province (or a city set on its own), then to an account manager by that region's assignment rule (people on leave or disabled are skipped). Provinces not set here go to the director's queue.",
    ),
    (
        "routing.unmapped_count",
        "未设置大区的省份",
        "Provinces without a region",
    ),
    (
        "routing.apply_defaults",
        "按默认方案补齐",
        "Fill in the default mapping",
    ),
    (
        "routing.defaults_hint",
        "默认方案：华北（含东北）、华东、华南（含港澳）、西南（含西北）、华中。每个未设置的省份分到名称以该片区开头的大区（如“华北大区”“North China”）；找不到对应大区的省份保持未设置。已有设置不变。",
        "The default: North (with the northeast), East, South (with Hong Kong and Macao), Southwest (with the northwest), Central. Each province not yet set goes to the region whose name starts with its area (\"华北大区\", \"North China\"); provinces whose area has no region stay unset. Existing rows are kept.",
    ),
    ("routing.city_overrides", "单独设置的城市", "Cities set on their own"),
    ("routing.director_queue", "— 未设置（总监队列）", "— not set (director's queue)"),
    ("routing.unmapped", "未设置", "Not set"),
    ("routing.remove", "移除", "Remove"),
    ("routing.add_city", "单独设置一个城市", "Set a city on its own"),
    (
        "routing.city_hint",
        "该城市的申请分到此处选择的大区或分公司，而不是省份的大区。",
        "Applications from the city go to the region or branch office chosen here instead of the province's.",
    ),
    ("flash.route_saved", "地区分配已保存。", "Routing saved."),
    ("flash.route_removed", "已移除。", "Removed."),
    (
        "flash.route_defaults",
        "已按默认方案补齐。",
        "The default mapping was filled in.",
    ),
    ("audit_action.region_route.set", "设置地区分配", "Routing set"),
    ("audit_action.region_route.remove", "移除地区分配", "Routing removed"),
    (
        "audit_action.region_route.defaults",
        "按默认方案补齐地区分配",
        "Default routing filled in",
    ),
    ("audit.entity_region_route", "地区分配", "Routing by region"),
    // routing decisions
    (
        "routing.reason.region_rule",
        "按所在地区的分配规则分给客户经理",
        "Given to an account manager by the region's assignment rule",
    ),
    (
        "routing.reason.existing_owner",
        "已有客户，交给其负责人",
        "An existing customer: given to its owner",
    ),
    (
        "routing.reason.no_region",
        "所在省市未设置大区，进入总监队列",
        "No region is set for the place: the director's queue",
    ),
    (
        "routing.reason.region_manual",
        "该大区为手动分配，进入总监队列",
        "The region assigns by hand: the director's queue",
    ),
    (
        "routing.reason.nobody_available",
        "该大区没有可接单的客户经理（均休假或停用），进入总监队列",
        "No account manager of the region is available (on leave or disabled): the director's queue",
    ),
    // on leave
    ("field.on_leave_until", "休假至", "On leave until"),
    (
        "people.on_leave_hint",
        "休假最后一天（含）。在此之前不会自动分配新客户或试用申请给此人；留空表示未休假。",
        "The last day of the leave (inclusive). Until then no new customers or trial applications are assigned to them automatically; empty for none.",
    ),
    ("people.on_leave_until", "休假至 {date}", "On leave until {date}"),
    // intake keys
    (
        "page.settings_intake_keys",
        "申请接口密钥",
        "Intake keys",
    ),
    (
        "intake_key.hint",
        "公司网站通过申请接口（POST /api/v1/intake/trials）提交试用申请时须带上密钥。密钥只在签发时显示一次；系统只保存其摘要。泄露的密钥请立即吊销。",
        "The company website sends trial applications to the intake API (POST /api/v1/intake/trials) with a key. A key is shown once, when issued; only its hash is stored. Revoke a leaked key at once.",
    ),
    ("intake_key.issue", "签发新密钥", "Issue a key"),
    ("intake_key.issued", "新密钥", "New key"),
    (
        "intake_key.shown_once",
        "请立即复制并妥善保存：离开此页后将无法再次查看。",
        "Copy it now and keep it safe: it cannot be shown again once you leave this page.",
    ),
    (
        "intake_key.usage",
        "请求时放在请求头 Authorization: Bearer <密钥> 或 X-Intake-Key 中。",
        "Send it as the header Authorization: Bearer <key> or X-Intake-Key.",
    ),
    (
        "intake_key.name_hint",
        "用途，例如“官网”或“合作伙伴门户”。",
        "What it is for, e.g. \"Website\" or \"Partner portal\".",
    ),
    ("intake_key.none", "还没有密钥。", "No keys yet."),
    ("intake_key.prefix", "开头", "Starts with"),
    ("intake_key.last_used", "最近使用", "Last used"),
    ("intake_key.uses", "使用次数", "Uses"),
    ("intake_key.live", "有效", "Live"),
    ("intake_key.revoke", "吊销", "Revoke"),
    ("intake_key.revoked_at", "已吊销", "Revoked"),
    (
        "error.intake_key_revoked",
        "该密钥已被吊销。",
        "The key is revoked already.",
    ),
    ("flash.intake_key_revoked", "密钥已吊销。", "Key revoked."),
    ("audit_action.intake_key.issue", "签发申请接口密钥", "Intake key issued"),
    ("audit_action.intake_key.rename", "重命名申请接口密钥", "Intake key renamed"),
    ("audit_action.intake_key.revoke", "吊销申请接口密钥", "Intake key revoked"),
    ("audit.entity_intake_key", "申请接口密钥", "Intake key"),
];
