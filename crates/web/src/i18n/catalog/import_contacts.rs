//! Messages of contacts in imports and of who may export (issue 10, point 10).

pub static MESSAGES: &[(&str, &str, &str)] = &[
    // who may export
    ("export_right.none", "不能导出", "No export"),
    (
        "export_right.own",
        "仅本人负责的客户",
        "Their own customers",
    ),
    (
        "export_right.scope",
        "可见范围内的全部客户",
        "Everything they see",
    ),
    (
        "error.export_not_allowed",
        "你的岗位不能导出客户（系统管理员在“设置 → 导出权限”中设定）。",
        "Your position may not export customers (the administrator sets this under Settings → Export rights).",
    ),
    (
        "error.export_no_sales_data",
        "你没有销售岗位，没有可导出的客户。",
        "You hold no sales position, so there are no customers to export.",
    ),
    (
        "export.own_only",
        "导出只包含你本人负责的客户。",
        "Exports hold only the customers you own.",
    ),
    ("page.settings_export", "导出权限", "Export rights"),
    (
        "settings.export_rights",
        "谁可以导出客户",
        "Who may export customers",
    ),
    (
        "settings.export_rights_hint",
        "按岗位设定。默认：经理及以上导出其可见范围内的客户，其他岗位只导出本人负责的客户。每次修改都记入审计日志。",
        "Per position. By default managers and above export what they see, everyone else only the customers they own. Every change is in the audit log.",
    ),
    (
        "field.export_rights.sales_vp",
        "导出权限：销售副总经理",
        "Export right: Sales VP",
    ),
    (
        "field.export_rights.sales_director",
        "导出权限：销售总监",
        "Export right: Sales Director",
    ),
    (
        "field.export_rights.regional_manager",
        "导出权限：地区销售经理",
        "Export right: Regional Sales Manager",
    ),
    (
        "field.export_rights.eoffice_manager",
        "导出权限：e-office 销售经理",
        "Export right: e-office Sales Manager",
    ),
    (
        "field.export_rights.account_manager",
        "导出权限：客户经理",
        "Export right: Account Manager",
    ),
    (
        "field.export_rights.sales_rep",
        "导出权限：销售代表",
        "Export right: Sales Representative",
    ),
    (
        "field.export_rights.consultant",
        "导出权限：咨询顾问",
        "Export right: Consultant",
    ),
    (
        "field.export_rights.eoffice_rep",
        "导出权限：e-office 销售代表",
        "Export right: e-office Sales Representative",
    ),
    (
        "field.export_rights.sales_assistant",
        "导出权限：销售助理",
        "Export right: Sales Assistant",
    ),
    (
        "field.export_rights.telesales",
        "导出权限：电话销售",
        "Export right: Telesales",
    ),
    // contact columns of an import
    ("export.col.contact1_name", "联系人1姓名", "Contact 1 name"),
    (
        "export.col.contact1_title",
        "联系人1职务",
        "Contact 1 title",
    ),
    (
        "export.col.contact1_mobile",
        "联系人1手机",
        "Contact 1 mobile",
    ),
    (
        "export.col.contact1_email",
        "联系人1邮箱",
        "Contact 1 e-mail",
    ),
    ("export.col.contact2_name", "联系人2姓名", "Contact 2 name"),
    (
        "export.col.contact2_title",
        "联系人2职务",
        "Contact 2 title",
    ),
    (
        "export.col.contact2_mobile",
        "联系人2手机",
        "Contact 2 mobile",
    ),
    (
        "export.col.contact2_email",
        "联系人2邮箱",
        "Contact 2 e-mail",
    ),
    ("export.col.contact3_name", "联系人3姓名", "Contact 3 name"),
    (
        "export.col.contact3_title",
        "联系人3职务",
        "Contact 3 title",
    ),
    (
        "export.col.contact3_mobile",
        "联系人3手机",
        "Contact 3 mobile",
    ),
    (
        "export.col.contact3_email",
        "联系人3邮箱",
        "Contact 3 e-mail",
    ),
    (
        "error.import_no_customer_column",
        "请指定客户名称列或统一社会信用代码列，用来找到联系人所属的客户。",
        "Choose the column of the customer's name or USCC, to find each contact's customer.",
    ),
    (
        "error.import_no_contact_column",
        "请指定联系人姓名列。",
        "Choose the column of the contact's name.",
    ),
    (
        "error.import_no_customer",
        "缺少客户名称或统一社会信用代码。",
        "The customer's name or USCC is missing.",
    ),
    (
        "error.import_no_contact",
        "这一行没有联系人。",
        "This row has no contact.",
    ),
    (
        "error.import_customer_not_found",
        "找不到客户“{arg}”（按统一社会信用代码或名称查找你可见的客户）。",
        "No customer “{arg}” found (looked up by USCC or name among the customers you see).",
    ),
    ("import.kind.customers", "客户导入", "Customer import"),
    ("import.kind.contacts", "联系人导入", "Contact import"),
    (
        "import.contacts_hint",
        "联系人可以一起导入：每行最多 3 个联系人，填在“联系人1姓名、联系人1职务、联系人1手机、联系人1邮箱”到“联系人3邮箱”这些列中；第一个联系人为主要联系人。",
        "Contacts can come along: up to 3 per row, in the columns “Contact 1 name, Contact 1 title, Contact 1 mobile, Contact 1 e-mail” to “Contact 3 e-mail”; the first is the primary contact.",
    ),
    (
        "import.contacts_title",
        "只导入联系人",
        "Contacts of customers on file",
    ),
    (
        "import.contacts_intro",
        "每行一个联系人，按统一社会信用代码或客户名称对应到已有客户；同一客户的多个联系人写成多行。找不到的客户会按行列出。",
        "One contact per row, matched to a customer on file by USCC or name; several contacts of one customer are several rows. Customers not found are listed by row.",
    ),
    (
        "import.upload_contacts",
        "上传联系人文件",
        "Upload the contacts file",
    ),
    ("import.template_contacts_sheet", "联系人", "Contacts"),
    ("import.template_notes", "填写说明", "How to fill it in"),
    (
        "import.notes_title",
        "填写说明",
        "How to fill in the template",
    ),
    (
        "import.notes_contacts",
        "联系人：每个客户一行，最多 3 个联系人，分别填在“联系人1…”到“联系人3…”列中；第一个为主要联系人。手机为 11 位、以 1 开头（可带 +86），邮箱须为有效地址。",
        "Contacts: one row per customer, up to 3 contacts in the “Contact 1 …” to “Contact 3 …” columns; the first is the primary contact. A mobile has 11 digits starting with 1 (+86 allowed); an e-mail must be a valid address.",
    ),
    (
        "import.notes_contacts_file",
        "只导入联系人：在导入页选择“只导入联系人”，每行写客户名称或统一社会信用代码和一个联系人；同一客户的多个联系人写成多行。",
        "Contacts alone: choose “Contacts of customers on file” on the import page; each row gives the customer's name or USCC and one contact; several contacts of one customer are several rows.",
    ),
    (
        "import.notes_lists",
        "省份、城市、行业、规模、客户类型和客户来源只能填“可选值”表中的值。",
        "Province, city, industry, size, customer type and source take only the values on the “Allowed values” sheet.",
    ),
    (
        "audit_action.contact.import",
        "导入联系人",
        "Import a contact",
    ),
    (
        "audit_action.contact.import_run",
        "完成联系人导入",
        "Finish a contact import",
    ),
];
