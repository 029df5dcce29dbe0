//! Customers (seed S4): create, read, list and change, always within the actor's data scope.
//! Status approval, contacts, contact records, assignment rules and import/export build on this.

use std::sync::Arc;

use salesdesk_domain::customer::{self as rules, CompanySize, CustomerStatus, Uscc};
use salesdesk_domain::{DataScope, FieldError, FieldErrors, validate};
use salesdesk_store::customers::{self as store, CustomerFields, CustomerFilter, Visible};
use salesdesk_store::{Page, Paged, audit, choices, regions, users};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

/// A customer as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub uscc: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub background: Option<String>,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// Code of the administrator's customer-type list.
    pub type_code: Option<String>,
    /// Code of the administrator's customer-source list.
    pub source_code: Option<String>,
    pub size: Option<CompanySize>,
    pub status: CustomerStatus,
    pub status_changed_at: chrono::DateTime<chrono::Utc>,
    pub last_contact_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The next contact date the latest contact record set (the follow-up list).
    pub next_contact_on: Option<chrono::NaiveDate>,
    /// Since when the customer sits in the public pool (公海), if it does.
    pub pool_since: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// What a form or an API call sends. Raw text: parsed here.
#[derive(Debug, Clone, Default)]
pub struct CustomerInput {
    pub name: String,
    pub short_name: String,
    pub uscc: String,
    pub website: String,
    pub email: String,
    pub phone: String,
    pub province: String,
    pub city: String,
    pub address: String,
    pub industry: String,
    pub background: String,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub type_code: String,
    pub source_code: String,
    pub size_code: String,
}

/// The customers this actor may see, as a storage condition.
pub async fn visible(app: &App, ctx: &Ctx) -> Result<Visible> {
    let me = ctx.actor.user_id;
    Ok(match ctx.actor.data_scope() {
        DataScope::All => Visible::All,
        DataScope::Nothing => Visible::Nothing,
        DataScope::Own => Visible::Some {
            owners: vec![me],
            regions: vec![],
        },
        DataScope::Team => {
            let mut owners = vec![me];
            owners.extend(users::team_ids(app.db.read(), me).await?);
            Visible::Some {
                owners,
                regions: vec![],
            }
        }
        DataScope::Region(r) => {
            let regions = regions::with_branches(app.db.read(), r).await?;
            let mut owners = users::ids_in_regions(app.db.read(), &regions).await?;
            if !owners.contains(&me) {
                owners.push(me);
            }
            Visible::Some { owners, regions }
        }
    })
}

fn may_see_owner(v: &Visible, owner: i64) -> bool {
    match v {
        Visible::All => true,
        Visible::Some { owners, .. } => owners.contains(&owner),
        Visible::Nothing => false,
    }
}

async fn view(app: &App, list: Vec<store::Customer>) -> Result<Vec<Customer>> {
    let mut ids: Vec<i64> = list.iter().filter_map(|c| c.owner_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let owners = users::by_ids(app.db.read(), &ids).await?;
    Ok(list
        .into_iter()
        .map(|c| Customer {
            owner_name: c
                .owner_id
                .and_then(|o| owners.iter().find(|u| u.id == o))
                .map(|u| u.display_name.clone()),
            status: CustomerStatus::parse(&c.status).unwrap_or(CustomerStatus::Lead),
            size: c.size_code.as_deref().and_then(CompanySize::parse),
            type_code: c.type_code,
            source_code: c.source_code,
            next_contact_on: c.next_contact_on,
            pool_since: c.pool_since,
            id: c.id,
            name: c.name,
            short_name: c.short_name,
            uscc: c.uscc,
            website: c.website,
            email: c.email,
            phone: c.phone,
            province: c.province,
            city: c.city,
            address: c.address,
            industry: c.industry,
            background: c.background,
            region_id: c.region_id,
            owner_id: c.owner_id,
            status_changed_at: c.status_changed_at,
            last_contact_at: c.last_contact_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
        .collect())
}

fn snapshot(c: &store::Customer) -> serde_json::Value {
    json!({
        "name": c.name, "short_name": c.short_name, "uscc": c.uscc, "website": c.website,
        "email": c.email, "phone": c.phone, "province": c.province, "city": c.city,
        "address": c.address, "industry": c.industry, "background": c.background,
        "region_id": c.region_id, "owner_id": c.owner_id, "status": c.status,
        "type": c.type_code, "source": c.source_code, "size": c.size_code,
    })
}

/// A website: `example.com` or `http(s)://…`, stored with its scheme.
fn optional_website(field: &str, s: &str) -> Result<Option<String>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new(field, "error.website");
    if s.len() > 255 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let url = if s.starts_with("http://") || s.starts_with("https://") {
        s.to_string()
    } else if s.contains("://") {
        return Err(bad());
    } else {
        format!("https://{s}")
    };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    if !host.contains('.') || host.starts_with('.') || host.ends_with('.') {
        return Err(bad());
    }
    Ok(Some(url))
}

/// Parses and checks the fields; returns them with the owner and region resolved.
async fn parse(
    c: &impl salesdesk_store::Conn,
    ctx: &Ctx,
    v: &Visible,
    input: &CustomerInput,
) -> Result<CustomerFields> {
    let mut errs = FieldErrors::new();
    let name = errs
        .take(validate::required_text("name", &input.name, 100))
        .map(|n| rules::normalize_name(&n));
    let short_name = errs
        .take(validate::optional_text("short_name", &input.short_name, 30))
        .flatten();
    let uscc = match input.uscc.trim() {
        "" => None,
        s => errs.take(Uscc::parse("uscc", s)).map(Uscc::into_string),
    };
    let website = errs
        .take(optional_website("website", &input.website))
        .flatten();
    let email = errs
        .take(validate::optional_email("email", &input.email))
        .flatten();
    let phone = errs
        .take(validate::optional_phone("phone", &input.phone))
        .flatten();
    let province = errs
        .take(validate::optional_text("province", &input.province, 20))
        .flatten();
    let city = errs
        .take(validate::optional_text("city", &input.city, 20))
        .flatten();
    let address = errs
        .take(validate::optional_text("address", &input.address, 200))
        .flatten();
    let industry = errs
        .take(validate::optional_text("industry", &input.industry, 40))
        .flatten();
    let background = match input.background.trim() {
        "" => None,
        b if b.chars().count() > 5000 => {
            errs.push(FieldError::new("background", "error.too_long"));
            None
        }
        b => Some(b.replace('\0', "")),
    };

    // The owner: staff own what they create; managers may give it to someone in their scope.
    let owner_id = match input.owner_id {
        None if matches!(ctx.actor.data_scope(), DataScope::Own) => Some(ctx.actor.user_id),
        None => None,
        Some(o) => match users::get(c, o).await? {
            Some(u) if u.active && u.position.is_some() && may_see_owner(v, u.id) => {
                if matches!(ctx.actor.data_scope(), DataScope::Own) && u.id != ctx.actor.user_id {
                    errs.push(FieldError::new("owner_id", "error.owner_outside_scope"));
                }
                Some(u.id)
            }
            Some(u) if u.active && u.position.is_some() => {
                errs.push(FieldError::new("owner_id", "error.owner_outside_scope"));
                None
            }
            _ => {
                errs.push(FieldError::new("owner_id", "error.unknown_person"));
                None
            }
        },
    };
    let region_id = match input.region_id {
        Some(r) => match regions::get(c, r).await? {
            Some(reg) if reg.active => Some(reg.id),
            _ => {
                errs.push(FieldError::new("region_id", "error.unknown_region"));
                None
            }
        },
        None => match owner_id {
            Some(o) => users::get(c, o).await?.and_then(|u| u.region_id),
            None => ctx.actor.region_id,
        },
    };
    let type_code = choice(c, &mut errs, "type_code", "type", &input.type_code).await?;
    let source_code = choice(c, &mut errs, "source_code", "source", &input.source_code).await?;
    let size_code = match input.size_code.trim() {
        "" => None,
        s => match CompanySize::parse(s) {
            Some(z) => Some(z.as_str().to_string()),
            None => {
                errs.push(FieldError::new("size_code", "error.invalid_choice"));
                None
            }
        },
    };
    errs.into_result()?;
    let name = name.unwrap_or_default();
    let search = search_text(&name, short_name.as_deref(), &[]);
    Ok(CustomerFields {
        name_key: rules::match_key(&name),
        search_key: search,
        name,
        short_name,
        uscc,
        website,
        email,
        phone,
        province,
        city,
        address,
        industry,
        background,
        region_id,
        owner_id,
        type_code,
        source_code,
        size_code,
    })
}

/// An optional code of one of the administrator's lists; only active entries may be chosen.
async fn choice(
    c: &impl salesdesk_store::Conn,
    errs: &mut FieldErrors,
    field: &str,
    list: &str,
    code: &str,
) -> Result<Option<String>> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    match choices::get(c, list, code).await? {
        Some(ch) if ch.active => Ok(Some(ch.code)),
        _ => {
            errs.push(FieldError::new(field, "error.invalid_choice"));
            Ok(None)
        }
    }
}

/// The folded text that substring search runs on: the name, the short name, and each contact's
/// name, mobile and phone (so "王磊" or "13800138000" finds the customer). Pieces are joined with
/// a space, which a folded query never contains, so no match spans two pieces.
pub fn search_text(
    name: &str,
    short: Option<&str>,
    contacts: &[salesdesk_store::contacts::Contact],
) -> String {
    let mut parts = vec![rules::search_key(name)];
    parts.extend(short.map(rules::search_key));
    for c in contacts {
        parts.push(rules::search_key(&c.name));
        parts.extend(c.mobile.as_deref().map(digits));
        parts.extend(c.phone.as_deref().map(digits));
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" ")
}

/// A phone number as searched: its digits only.
fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Recomputes a customer's search text after its contacts changed.
pub(crate) async fn refresh_search(c: &impl salesdesk_store::Conn, customer_id: i64) -> Result<()> {
    if let Some(cust) = store::get(c, customer_id, &Visible::All).await? {
        let people = salesdesk_store::contacts::for_customer(c, customer_id).await?;
        let key = search_text(&cust.name, cust.short_name.as_deref(), &people);
        store::set_search_key(c, customer_id, &key).await?;
    }
    Ok(())
}

/// Refuses a silent duplicate: same matching key or same USCC as another customer.
async fn check_duplicate(
    app: &App,
    c: &impl salesdesk_store::Conn,
    v: &Visible,
    f: &CustomerFields,
    except: Option<i64>,
) -> Result<()> {
    if let Some(d) = store::find_duplicate(c, &f.name_key, f.uscc.as_deref(), except).await? {
        let field = if f.uscc.is_some() && d.uscc == f.uscc {
            "uscc"
        } else {
            "name"
        };
        let owner_name = match d.owner_id {
            Some(o) => users::get(app.db.read(), o).await?.map(|u| u.display_name),
            None => None,
        };
        let existing_id = store::get(c, d.id, v).await?.map(|x| x.id);
        return Err(AppError::Duplicate {
            field,
            owner_name,
            existing_id,
        });
    }
    Ok(())
}

/// Creates a customer as a new lead (线索).
pub async fn create(app: &App, ctx: &Ctx, input: &CustomerInput) -> Result<Customer> {
    let v = visible(app, ctx).await?;
    if v == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    let tx = app.db.begin().await?;
    let fields = parse(&tx, ctx, &v, input).await?;
    check_duplicate(app, &tx, &v, &fields, None).await?;
    let created =
        match store::insert(&tx, fields, CustomerStatus::Lead.as_str(), ctx.actor_id()).await {
            Ok(c) => c,
            Err(e) if e.is_unique_violation() => {
                return Err(AppError::conflict("uscc", "error.duplicate_customer"));
            }
            Err(e) => return Err(e.into()),
        };
    audit::insert(
        &tx,
        ctx.audit(
            "customer.create",
            "customer",
            Some(created.id),
            None,
            Some(snapshot(&created)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(view(app, vec![created]).await?.remove(0))
}

/// One customer; "not found" when outside the actor's scope.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Customer> {
    let v = visible(app, ctx).await?;
    let c = store::get(app.db.read(), id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(view(app, vec![c]).await?.remove(0))
}

/// Changes a customer's record. Giving it to another owner is a manager's act (S4.5): staff may
/// not. The status changes only through an approved request (a later use case), never here.
pub async fn update(app: &App, ctx: &Ctx, id: i64, input: &CustomerInput) -> Result<Customer> {
    let v = visible(app, ctx).await?;
    let tx = app.db.begin().await?;
    let before = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    if input.owner_id != before.owner_id && matches!(ctx.actor.data_scope(), DataScope::Own) {
        return Err(AppError::Forbidden);
    }
    let mut fields = parse(&tx, ctx, &v, input).await?;
    let people = salesdesk_store::contacts::for_customer(&tx, id).await?;
    fields.search_key = search_text(&fields.name, fields.short_name.as_deref(), &people);
    check_duplicate(app, &tx, &v, &fields, Some(id)).await?;
    let after = match store::update(&tx, id, fields).await {
        Ok(c) => c,
        Err(e) if e.is_unique_violation() => {
            return Err(AppError::conflict("uscc", "error.duplicate_customer"));
        }
        Err(e) => return Err(e.into()),
    };
    audit::insert(
        &tx,
        ctx.audit(
            "customer.update",
            "customer",
            Some(id),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(view(app, vec![after]).await?.remove(0))
}

/// The input that reproduces a customer as it is (to pre-fill a form or merge a patch).
pub fn input_of(c: &Customer) -> CustomerInput {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    CustomerInput {
        name: c.name.clone(),
        short_name: s(&c.short_name),
        uscc: s(&c.uscc),
        website: s(&c.website),
        email: s(&c.email),
        phone: s(&c.phone),
        province: s(&c.province),
        city: s(&c.city),
        address: s(&c.address),
        industry: s(&c.industry),
        background: s(&c.background),
        region_id: c.region_id,
        owner_id: c.owner_id,
        type_code: s(&c.type_code),
        source_code: s(&c.source_code),
        size_code: c.size.map(|z| z.as_str().to_string()).unwrap_or_default(),
    }
}

/// Filter of the customer list, as typed.
#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
}

/// The customers the actor may see, filtered and paginated. Substring search works on Chinese
/// text ("华为" finds "华为技术有限公司") through the folded search key.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    q: &CustomerQuery,
    page: Page,
) -> Result<Arc<Paged<Customer>>> {
    let v = visible(app, ctx).await?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            CustomerStatus::parse(s)
                .ok_or_else(|| AppError::field("status", "error.invalid_choice"))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let region_ids = match q.region_id {
        Some(r) => Some(regions::with_branches(app.db.read(), r).await?),
        None => None,
    };
    let filter = CustomerFilter {
        q: q.q
            .as_deref()
            .map(validate::search_text)
            .map(|s| rules::search_key(&s)),
        status,
        region_ids,
        owner_id: q.owner_id,
    };
    let paged = store::list(app.db.read(), &v, &filter, page).await?;
    let items = view(app, paged.items).await?;
    Ok(Arc::new(Paged {
        items,
        total: paged.total,
        total_exact: paged.total_exact,
        page: paged.page,
    }))
}

/// People the actor may make a customer's owner: nobody for staff (they own what they create),
/// otherwise the active salespeople within the actor's scope. (id, name) pairs.
pub async fn owner_choices(app: &App, ctx: &Ctx) -> Result<Vec<(i64, String)>> {
    if matches!(ctx.actor.data_scope(), DataScope::Own | DataScope::Nothing) {
        return Ok(vec![]);
    }
    let codes: Vec<&str> = salesdesk_domain::Position::ALL
        .iter()
        .map(|p| p.as_str())
        .collect();
    let all = users::active_with_positions(app.db.read(), &codes).await?;
    let v = visible(app, ctx).await?;
    Ok(all
        .into_iter()
        .filter(|u| may_see_owner(&v, u.id))
        .map(|u| (u.id, u.display_name))
        .collect())
}
