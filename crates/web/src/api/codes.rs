//! The closed sets of codes the API sends, as OpenAPI enums (`#[schema(schema_with = …)]` on a
//! `String` field). Each list is taken from the type that owns the codes wherever one exists, so
//! the document cannot drift from what the server sends.

use salesdesk_app::saved_filters::ListKind;
use salesdesk_domain::customer::{
    AssignRule, CompanySize, ContactKind, CustomerStatus, InvalidReason,
};
use salesdesk_domain::{Capability, Position, RegionKind};
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};

use crate::i18n::Lang;

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>, nullable: bool) -> Object {
    let mut vals: Vec<Value> = values.into_iter().map(Value::from).collect();
    let ty = if nullable {
        vals.push(Value::Null);
        SchemaType::Array(vec![Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .enum_values(Some(vals))
        .build()
}

/// `lead`, `basic`, `potential`, `signed`, `invalid`.
pub fn customer_status() -> Object {
    string_enum(CustomerStatus::ALL.map(|s| s.as_str()), false)
}

/// Company size band, or null.
pub fn size_or_null() -> Object {
    string_enum(CompanySize::ALL.map(|s| s.as_str()), true)
}

/// Kind of contact record.
pub fn contact_kind() -> Object {
    string_enum(ContactKind::ALL.map(|k| k.as_str()), false)
}

/// Why a customer is invalid, or null.
pub fn invalid_reason_or_null() -> Object {
    string_enum(InvalidReason::ALL.map(|r| r.as_str()), true)
}

/// A status request's state.
pub fn request_state() -> Object {
    string_enum(["pending", "approved", "rejected"], false)
}

/// `region` or `branch`.
pub fn region_kind() -> Object {
    string_enum(
        [RegionKind::Region, RegionKind::Branch].map(|k| k.as_str()),
        false,
    )
}

/// A contact's role in the buying decision, or null.
pub fn contact_role_or_null() -> Object {
    string_enum(salesdesk_app::contacts::ROLES, true)
}

/// An import's status (`app::import`).
pub fn import_status() -> Object {
    string_enum(
        [
            "uploaded", "running", "rejected", "done", "removing", "failed",
        ],
        false,
    )
}

/// `manual` or an automatic rule.
pub fn assignment_mode() -> Object {
    string_enum(
        std::iter::once("manual").chain(AssignRule::ALL.map(|r| r.as_str())),
        false,
    )
}

/// A position code, or null (an administrator without a sales position).
pub fn position_or_null() -> Object {
    string_enum(Position::ALL.map(|p| p.as_str()), true)
}

/// An interface language.
pub fn locale() -> Object {
    string_enum([Lang::Zh, Lang::En].map(|l| l.code()), false)
}

/// Which sales records a person sees (`misc::me`).
pub fn data_scope() -> Object {
    string_enum(["nothing", "own", "region", "team", "all"], false)
}

/// The organisation-wide actions a person may take.
pub fn capabilities() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(string_enum(
            Capability::ALL.map(super::misc::capability_code),
            false,
        ))
        .build()
}

/// Which list a choice belongs to.
pub fn choice_list() -> Object {
    string_enum(salesdesk_app::choices::LISTS, false)
}

/// Any JSON value (a field's value now, in a stale-edit answer: text, number, flag or null).
pub fn any_value() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::AnyValue)
        .build()
}

/// The list a saved filter belongs to.
pub fn saved_filter_list() -> Object {
    string_enum(ListKind::ALL.map(|k| k.as_str()), false)
}

/// The same, where it may be left out (`customers`).
pub fn saved_filter_list_or_null() -> Object {
    string_enum(ListKind::ALL.map(|k| k.as_str()), true)
}

/// When a follow-up is due.
pub fn due() -> Object {
    string_enum(["overdue", "today", "upcoming"], false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nullable_enum_admits_null_among_its_values() {
        let s = serde_json::to_value(size_or_null()).unwrap();
        assert_eq!(s["type"], serde_json::json!(["string", "null"]));
        assert!(s["enum"].as_array().unwrap().contains(&Value::Null));
        let s = serde_json::to_value(customer_status()).unwrap();
        assert_eq!(s["enum"].as_array().unwrap().len(), 5);
    }
}
