//! Contacts of a customer: several per customer, one primary; exported as vCard 4.0.
//! Whoever may see (and so work on) the customer may manage its contacts.

use salesdesk_domain::customer::vcard;
use salesdesk_domain::{FieldError, FieldErrors, validate};
use salesdesk_store::audit;
use salesdesk_store::contacts::{self as store, ContactFields};
use salesdesk_store::customers as cstore;
use serde::Serialize;
use serde_json::json;

use crate::customers::visible;
use crate::{App, AppError, Ctx, Result};

/// Roles in the buying decision.
pub const ROLES: [&str; 6] = [
    "decision_maker",
    "influencer",
    "user",
    "technical",
    "purchasing",
    "other",
];

/// The longest name, title, WeChat id and notes (characters): the forms state these and set
/// them as the fields' `maxlength`.
pub const MAX_NAME: usize = 40;
pub const MAX_TITLE: usize = 40;
pub const MAX_WECHAT: usize = 40;
pub const MAX_NOTES: usize = 2000;

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub id: i64,
    pub customer_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub role: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub notes: Option<String>,
    pub is_primary: bool,
    /// Bumped by every change: an edit names the version it read (optimistic concurrency).
    pub version: i32,
}

#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub name: String,
    pub title: String,
    pub role: String,
    pub mobile: String,
    pub phone: String,
    pub email: String,
    pub wechat: String,
    pub notes: String,
    pub is_primary: bool,
}

fn view(c: store::Contact) -> Contact {
    Contact {
        id: c.id,
        customer_id: c.customer_id,
        name: c.name,
        title: c.title,
        role: c.role,
        mobile: c.mobile,
        phone: c.phone,
        email: c.email,
        wechat: c.wechat,
        notes: c.notes,
        is_primary: c.is_primary,
        version: c.version,
    }
}

pub(crate) fn snapshot(c: &store::Contact) -> serde_json::Value {
    json!({"customer_id": c.customer_id, "name": c.name, "title": c.title, "role": c.role,
           "mobile": c.mobile, "phone": c.phone, "email": c.email, "wechat": c.wechat,
           "notes": c.notes, "is_primary": c.is_primary})
}

/// Checks a contact's fields. `kept_mobile` is the mobile stored before the mainland rule
/// (`validate::optional_mobile`) existed: sent back unchanged it stays, so an edit of another
/// field is not refused over it; any new mobile must follow the rule.
pub(crate) fn parse(i: &ContactInput, kept_mobile: Option<&str>) -> Result<ContactFields> {
    let mut errs = FieldErrors::new();
    let name = errs.take(validate::required_text("name", &i.name, MAX_NAME));
    let title = errs
        .take(validate::optional_text("title", &i.title, MAX_TITLE))
        .flatten();
    let role = match i.role.trim() {
        "" => None,
        r if ROLES.contains(&r) => Some(r.to_string()),
        _ => {
            errs.push(FieldError::new("role", "error.invalid_choice"));
            None
        }
    };
    let mobile = match kept_mobile {
        Some(m) if m == i.mobile.trim() => Some(m.to_string()),
        _ => errs
            .take(validate::optional_mobile("mobile", &i.mobile))
            .flatten(),
    };
    let phone = errs
        .take(validate::optional_phone("phone", &i.phone))
        .flatten();
    let email = errs
        .take(validate::optional_email("email", &i.email))
        .flatten();
    let wechat = errs
        .take(validate::optional_text("wechat", &i.wechat, MAX_WECHAT))
        .flatten();
    let notes = errs
        .take(validate::optional_text(
            "notes",
            &i.notes.replace(['\r', '\n'], " "),
            MAX_NOTES,
        ))
        .flatten();
    errs.into_result()?;
    Ok(ContactFields {
        name: name.unwrap_or_default(),
        title,
        role,
        mobile,
        phone,
        email,
        wechat,
        notes,
        is_primary: i.is_primary,
    })
}

/// The customer, if visible; else "not found".
async fn customer(
    app: &App,
    c: &impl salesdesk_store::Conn,
    ctx: &Ctx,
    id: i64,
) -> Result<cstore::Customer> {
    let v = visible(app, ctx).await?;
    cstore::get(c, id, &v).await?.ok_or(AppError::NotFound)
}

pub async fn list(app: &App, ctx: &Ctx, customer_id: i64) -> Result<Vec<Contact>> {
    customer(app, app.db.read(), ctx, customer_id).await?;
    Ok(store::for_customer(app.db.read(), customer_id)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// Adds a contact. The first contact of a customer is its primary one; making another primary
/// takes the mark from the previous one.
pub async fn create(
    app: &App,
    ctx: &Ctx,
    customer_id: i64,
    input: &ContactInput,
) -> Result<Contact> {
    let mut fields = parse(input, None)?;
    let tx = app.db.begin().await?;
    // Contact writes of one customer queue on its row: "the first contact is primary" and
    // "one primary" (`ux_contacts_primary`) are decided one writer at a time.
    cstore::lock(&tx, customer_id).await?;
    customer(app, &tx, ctx, customer_id).await?;
    if store::for_customer(&tx, customer_id).await?.is_empty() {
        fields.is_primary = true;
    }
    if fields.is_primary {
        store::clear_primary(&tx, customer_id, None).await?;
    }
    let c = store::insert(&tx, customer_id, fields).await?;
    crate::customers::refresh_search(&tx, customer_id).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "contact.create",
            "contact",
            Some(c.id),
            None,
            Some(snapshot(&c)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(view(c))
}

async fn own_contact(
    app: &App,
    c: &impl salesdesk_store::Conn,
    ctx: &Ctx,
    id: i64,
) -> Result<store::Contact> {
    let contact = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    customer(app, c, ctx, contact.customer_id).await?;
    Ok(contact)
}

/// The fields of a contact that an edit sets, by the names the API and the form use.
fn editable(c: &store::Contact) -> [(&'static str, serde_json::Value); 9] {
    [
        ("name", json!(c.name)),
        ("title", json!(c.title)),
        ("role", json!(c.role)),
        ("mobile", json!(c.mobile)),
        ("phone", json!(c.phone)),
        ("email", json!(c.email)),
        ("wechat", json!(c.wechat)),
        ("notes", json!(c.notes)),
        ("is_primary", json!(c.is_primary)),
    ]
}

/// Changes a contact, if it is still at the `version` the writer read (when given; otherwise at
/// the version read here). A stale write is refused with the fields that differ from it.
pub async fn update(
    app: &App,
    ctx: &Ctx,
    id: i64,
    input: &ContactInput,
    version: Option<i32>,
) -> Result<Contact> {
    let tx = app.db.begin().await?;
    let customer_id = store::get(&tx, id)
        .await?
        .ok_or(AppError::NotFound)?
        .customer_id;
    cstore::lock(&tx, customer_id).await?;
    let before = own_contact(app, &tx, ctx, id).await?;
    let fields = parse(input, before.mobile.as_deref())?;
    let stale = |now: &store::Contact| {
        let mine = store::Contact {
            name: fields.name.clone(),
            title: fields.title.clone(),
            role: fields.role.clone(),
            mobile: fields.mobile.clone(),
            phone: fields.phone.clone(),
            email: fields.email.clone(),
            wechat: fields.wechat.clone(),
            notes: fields.notes.clone(),
            is_primary: fields.is_primary,
            ..now.clone()
        };
        AppError::Stale {
            version: now.version,
            changed: editable(now)
                .into_iter()
                .zip(editable(&mine))
                .filter(|((_, a), (_, b))| a != b)
                .map(|((f, v), _)| (f.to_string(), v))
                .collect(),
        }
    };
    if version.is_some_and(|read| read != before.version) {
        return Err(stale(&before));
    }
    if fields.is_primary {
        store::clear_primary(&tx, before.customer_id, Some(id)).await?;
    }
    let after = store::update(&tx, id, fields.clone(), Some(before.version))
        .await?
        .ok_or_else(|| stale(&before))?;
    crate::customers::refresh_search(&tx, before.customer_id).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "contact.update",
            "contact",
            Some(id),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(view(after))
}

pub async fn delete(app: &App, ctx: &Ctx, id: i64) -> Result<()> {
    let tx = app.db.begin().await?;
    if let Some(c) = store::get(&tx, id).await? {
        cstore::lock(&tx, c.customer_id).await?;
    }
    let before = own_contact(app, &tx, ctx, id).await?;
    // Removed, not deleted: contact records that name the contact keep naming it.
    if !store::remove(&tx, id).await? {
        return Err(AppError::NotFound);
    }
    crate::customers::refresh_search(&tx, before.customer_id).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "contact.delete",
            "contact",
            Some(id),
            Some(snapshot(&before)),
            None,
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// One contact, if its customer is visible.
pub async fn find(app: &App, ctx: &Ctx, id: i64) -> Result<Contact> {
    Ok(view(own_contact(app, app.db.read(), ctx, id).await?))
}

pub fn input_of(c: &Contact) -> ContactInput {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    ContactInput {
        name: c.name.clone(),
        title: s(&c.title),
        role: s(&c.role),
        mobile: s(&c.mobile),
        phone: s(&c.phone),
        email: s(&c.email),
        wechat: s(&c.wechat),
        notes: s(&c.notes),
        is_primary: c.is_primary,
    }
}

/// One contact (`Some(id)`) or all contacts of the customer as a vCard 4.0 file, with a file
/// name for the download.
pub async fn vcard(
    app: &App,
    ctx: &Ctx,
    customer_id: i64,
    contact_id: Option<i64>,
) -> Result<(String, String)> {
    let cust = customer(app, app.db.read(), ctx, customer_id).await?;
    let mut list = store::for_customer(app.db.read(), customer_id).await?;
    if let Some(id) = contact_id {
        list.retain(|c| c.id == id);
        if list.is_empty() {
            return Err(AppError::NotFound);
        }
    }
    let note_of = |c: &store::Contact| match (&c.wechat, &c.notes) {
        (Some(w), Some(n)) => Some(format!("WeChat: {w}; {n}")),
        (Some(w), None) => Some(format!("WeChat: {w}")),
        (None, Some(n)) => Some(n.clone()),
        (None, None) => None,
    };
    let notes: Vec<Option<String>> = list.iter().map(note_of).collect();
    let cards: Vec<vcard::Card<'_>> = list
        .iter()
        .zip(&notes)
        .map(|(c, note)| vcard::Card {
            name: &c.name,
            organisation: Some(&cust.name),
            title: c.title.as_deref(),
            mobile: c.mobile.as_deref(),
            phone: c.phone.as_deref(),
            email: c.email.as_deref(),
            note: note.as_deref(),
        })
        .collect();
    let file = match (contact_id, list.first()) {
        (Some(_), Some(c)) => format!("{}.vcf", c.name),
        _ => format!("{}.vcf", cust.name),
    };
    Ok((vcard::write(&cards), file))
}
