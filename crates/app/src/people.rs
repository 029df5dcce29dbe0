//! People of the sales department: the directory, and their management by administrators and
//! the VP (issue 2, point 3).

use salesdesk_domain::{Capability, FieldError, FieldErrors, Position, validate};
use salesdesk_store::{Page, Paged, audit, regions, sessions, users};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

use crate::{App, AppError, Ctx, Result, password};

/// A person as the directory and the API show them (never the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub position: Option<Position>,
    pub is_admin: bool,
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    /// The region's English name (pages in English show it).
    pub region_name_en: Option<String>,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub active: bool,
    pub locale: String,
    /// The last day of the person's leave, if any (automatic assignment skips them until the
    /// day after).
    pub on_leave_until: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Person {
    /// Whether the person is on leave on `day` (the company's date).
    pub fn on_leave_on(&self, day: chrono::NaiveDate) -> bool {
        self.on_leave_until.is_some_and(|u| u >= day)
    }
}

/// What a form or an API call sends to create or change a person. Raw text: parsed here.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    pub login: String,
    pub display_name: String,
    pub email: String,
    pub phone: String,
    /// A position code, or empty for none (an administrator only).
    pub position: String,
    pub is_admin: bool,
    pub region_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub active: bool,
    pub locale: String,
    /// The first password (creation only); the person must change it at first login.
    pub password: String,
    /// The last day of a leave, `YYYY-MM-DD`, or empty for none.
    pub on_leave_until: String,
}

/// The audit snapshot of a person: everything but secrets.
fn snapshot(u: &users::User) -> serde_json::Value {
    json!({
        "login": u.login,
        "display_name": u.display_name,
        "email": u.email,
        "phone": u.phone,
        "position": u.position,
        "is_admin": u.is_admin,
        "region_id": u.region_id,
        "manager_id": u.manager_id,
        "active": u.active,
        "locale": u.locale,
        "on_leave_until": u.on_leave_until,
    })
}

async fn to_people(app: &App, list: Vec<users::User>) -> Result<Vec<Person>> {
    let regions = regions_cached(app).await?;
    let mut manager_ids: Vec<i64> = list.iter().filter_map(|u| u.manager_id).collect();
    manager_ids.sort_unstable();
    manager_ids.dedup();
    let managers = users::by_ids(app.db.read(), &manager_ids).await?;
    Ok(list
        .into_iter()
        .map(|u| Person {
            region_name: u
                .region_id
                .and_then(|r| regions.iter().find(|x| x.id == r))
                .map(|r| r.name.clone()),
            region_name_en: u
                .region_id
                .and_then(|r| regions.iter().find(|x| x.id == r))
                .map(|r| r.name_en.clone()),
            manager_name: u
                .manager_id
                .and_then(|m| managers.iter().find(|x| x.id == m))
                .map(|m| m.display_name.clone()),
            id: u.id,
            login: u.login,
            display_name: u.display_name,
            email: u.email,
            phone: u.phone,
            position: u.position.as_deref().and_then(Position::parse),
            is_admin: u.is_admin,
            region_id: u.region_id,
            manager_id: u.manager_id,
            active: u.active,
            locale: u.locale,
            on_leave_until: u.on_leave_until,
            created_at: u.created_at,
        })
        .collect())
}

pub(crate) async fn regions_cached(app: &App) -> Result<Vec<regions::Region>> {
    app.cached("region_rows".into(), async {
        Ok(regions::list(app.db.read()).await?)
    })
    .await
}

/// Every person's display name by id, from the read cache: lists name each row's owner from it
/// instead of asking the database per page.
pub(crate) async fn display_names(app: &App) -> Result<Arc<HashMap<i64, String>>> {
    app.cached_arc("display_names".into(), async {
        Ok(users::names(app.db.read()).await?.into_iter().collect())
    })
    .await
}

/// Filter of the directory, as the user typed it.
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    pub q: Option<String>,
    pub region_id: Option<i64>,
    pub position: Option<String>,
    pub active: Option<bool>,
}

/// The people directory, paginated. Everyone signed in may read it (the organisation chart is
/// not a secret inside the department). Shared, not copied: the page is cached.
pub async fn list(app: &App, ctx: &Ctx, q: &PeopleQuery, page: Page) -> Result<Arc<Paged<Person>>> {
    if !ctx.actor.can(Capability::ViewDirectory) {
        return Err(AppError::Forbidden);
    }
    let region_ids = match q.region_id {
        Some(r) => {
            let all = regions_cached(app).await?;
            let mut ids = vec![r];
            ids.extend(all.iter().filter(|x| x.parent_id == Some(r)).map(|x| x.id));
            Some(ids)
        }
        None => None,
    };
    let position = match q.position.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Some(
            Position::parse(p)
                .ok_or_else(|| AppError::field("position", "error.invalid_choice"))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let filter = users::UserFilter {
        q: q.q.as_deref().map(validate::search_text),
        region_ids,
        position,
        active: q.active,
    };
    let key = format!("people:{filter:?}:{page:?}");
    app.cached_arc(key, async {
        let paged = users::list(app.db.read(), &filter, page).await?;
        let items = to_people(app, paged.items).await?;
        Ok(Paged {
            items,
            total: paged.total,
            total_exact: paged.total_exact,
            page: paged.page,
        })
    })
    .await
}

/// One person.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Person> {
    if !ctx.actor.can(Capability::ViewDirectory) {
        return Err(AppError::Forbidden);
    }
    app.cached(format!("person:{id}"), async {
        let u = users::get(app.db.read(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(to_people(app, vec![u]).await?.remove(0))
    })
    .await
}

/// The people who report to this person directly.
pub async fn reports(app: &App, ctx: &Ctx, id: i64) -> Result<Vec<Person>> {
    if !ctx.actor.can(Capability::ViewDirectory) {
        return Err(AppError::Forbidden);
    }
    app.cached(format!("reports:{id}"), async {
        let list = users::reports_of(app.db.read(), id).await?;
        to_people(app, list).await
    })
    .await
}

/// Active people who can be chosen as a manager (people-leading positions).
pub async fn manager_choices(app: &App) -> Result<Vec<Person>> {
    let codes: Vec<&str> = Position::ALL
        .into_iter()
        .filter(|p| p.is_manager())
        .map(|p| p.as_str())
        .collect();
    let list = users::active_with_positions(app.db.read(), &codes).await?;
    to_people(app, list).await
}

/// Parses and checks a person's fields against the rules and the database.
async fn parse_input(
    c: &impl salesdesk_store::Conn,
    input: &PersonInput,
    existing: Option<&users::User>,
) -> Result<users::UserFields> {
    let mut errs = FieldErrors::new();
    let login = errs.take(validate::Login::parse("login", &input.login));
    let display_name = errs.take(validate::required_text(
        "display_name",
        &input.display_name,
        40,
    ));
    let email = errs
        .take(validate::optional_email("email", &input.email))
        .flatten();
    let phone = errs
        .take(validate::optional_phone("phone", &input.phone))
        .flatten();
    let position = match input.position.trim() {
        "" => None,
        code => match Position::parse(code) {
            Some(p) => Some(p),
            None => {
                errs.push(FieldError::new("position", "error.invalid_choice"));
                None
            }
        },
    };
    if position.is_none() && !input.is_admin && input.position.trim().is_empty() {
        errs.push(FieldError::new("position", "error.position_or_admin"));
    }
    let locale = if input.locale.is_empty() {
        existing
            .map(|u| u.locale.clone())
            .unwrap_or_else(|| crate::LOCALES[0].to_string())
    } else if crate::LOCALES.contains(&input.locale.as_str()) {
        input.locale.clone()
    } else {
        errs.push(FieldError::new("locale", "error.invalid_choice"));
        String::new()
    };

    let on_leave_until = match input.on_leave_until.trim() {
        "" => None,
        d => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            // A plausible date: a typo like 20266-01-01 is refused, not stored.
            Ok(d) if (2000..=2100).contains(&chrono::Datelike::year(&d)) => Some(d),
            _ => {
                errs.push(FieldError::new("on_leave_until", "error.date_format"));
                None
            }
        },
    };

    if let Some(r) = input.region_id {
        match regions::get(c, r).await? {
            Some(region) if region.active => {}
            _ => errs.push(FieldError::new("region_id", "error.unknown_region")),
        }
    } else if position.is_some_and(Position::needs_region) {
        errs.push(FieldError::new("region_id", "error.region_required"));
    }

    if let Some(m) = input.manager_id {
        match users::get(c, m).await? {
            Some(mgr) if mgr.active => {
                if let Some(me) = existing {
                    // The person and the new manager's chain upward are locked (in id order,
                    // so two such changes cannot deadlock) before the check: two changes that
                    // would close a loop together (A under B, B under A) run one after the
                    // other, and the second sees the first.
                    let mut chain = vec![me.id];
                    let mut up = Some(mgr.id);
                    while let Some(id) = up.filter(|id| !chain.contains(id)) {
                        chain.push(id);
                        up = users::get(c, id).await?.and_then(|u| u.manager_id);
                    }
                    chain.sort_unstable();
                    for id in chain {
                        users::lock(c, id).await?;
                    }
                    // The new manager must not be the person or someone in the person's team.
                    if mgr.id == me.id || users::team_ids(c, me.id).await?.contains(&mgr.id) {
                        errs.push(FieldError::new("manager_id", "error.manager_cycle"));
                    }
                }
            }
            _ => errs.push(FieldError::new("manager_id", "error.unknown_person")),
        }
    }

    if let Some(login) = &login
        && let Some(other) = users::find_by_login(c, login.as_str()).await?
        && Some(other.id) != existing.map(|u| u.id)
    {
        return Err(AppError::conflict("login", "error.login_taken"));
    }
    errs.into_result()?;
    Ok(users::UserFields {
        login: login.map(|l| l.into_string()).unwrap_or_default(),
        display_name: display_name.unwrap_or_default(),
        email,
        phone,
        position: position.map(|p| p.as_str().to_string()),
        is_admin: input.is_admin,
        region_id: input.region_id,
        manager_id: input.manager_id,
        active: input.active,
        locale,
        on_leave_until,
    })
}

/// Creates a person with a first password they must change at first login.
pub async fn create(app: &App, ctx: &Ctx, input: &PersonInput) -> Result<Person> {
    if !ctx.actor.can(Capability::ManagePeople) {
        return Err(AppError::Forbidden);
    }
    // Only an administrator may make administrators.
    if input.is_admin && !ctx.actor.is_admin {
        return Err(AppError::field("is_admin", "error.only_admin_grants_admin"));
    }
    let mut pw_err = None;
    if let Ok(l) = validate::Login::parse("login", &input.login) {
        pw_err = validate::new_password("password", &input.password, l.as_str()).err();
    } else if input.password.chars().count() < 8 {
        pw_err = Some(FieldError::new("password", "error.password_short"));
    }
    let fields = match parse_input(app.db.read(), input, None).await {
        Ok(f) => {
            if let Some(e) = pw_err {
                return Err(AppError::Validation(FieldErrors(vec![e])));
            }
            f
        }
        Err(AppError::Validation(mut errs)) => {
            errs.0.extend(pw_err);
            return Err(AppError::Validation(errs));
        }
        Err(e) => return Err(e),
    };
    let hash = password::hash(input.password.clone()).await?;
    let tx = app.db.begin().await?;
    let user = users::insert(&tx, fields, hash, true).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "person.create",
            "person",
            Some(user.id),
            None,
            Some(snapshot(&user)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(to_people(app, vec![user]).await?.remove(0))
}

/// Changes a person. Disabling ends their sessions and keeps all their records and history.
pub async fn update(app: &App, ctx: &Ctx, id: i64, input: &PersonInput) -> Result<Person> {
    if !ctx.actor.can(Capability::ManagePeople) {
        return Err(AppError::Forbidden);
    }
    let tx = app.db.begin().await?;
    let before = users::get(&tx, id).await?.ok_or(AppError::NotFound)?;
    if input.is_admin != before.is_admin && !ctx.actor.is_admin {
        return Err(AppError::field("is_admin", "error.only_admin_grants_admin"));
    }
    if id == ctx.actor.user_id && !input.active {
        return Err(AppError::field("active", "error.cannot_disable_self"));
    }
    if id == ctx.actor.user_id && before.is_admin && !input.is_admin {
        return Err(AppError::field("is_admin", "error.cannot_drop_own_admin"));
    }
    let fields = parse_input(&tx, input, Some(&before)).await?;
    let after = users::update(&tx, id, fields).await?;
    if before.active && !after.active {
        sessions::delete_for_user(&tx, id, None).await?;
    }
    let action = match (before.active, after.active) {
        (true, false) => "person.disable",
        (false, true) => "person.enable",
        _ => "person.update",
    };
    audit::insert(
        &tx,
        ctx.audit(
            action,
            "person",
            Some(id),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(to_people(app, vec![after]).await?.remove(0))
}

/// The input that reproduces a person as they are (to pre-fill the edit form).
pub fn input_of(p: &Person) -> PersonInput {
    PersonInput {
        login: p.login.clone(),
        display_name: p.display_name.clone(),
        email: p.email.clone().unwrap_or_default(),
        phone: p.phone.clone().unwrap_or_default(),
        position: p
            .position
            .map(|x| x.as_str().to_string())
            .unwrap_or_default(),
        is_admin: p.is_admin,
        region_id: p.region_id,
        manager_id: p.manager_id,
        active: p.active,
        locale: p.locale.clone(),
        password: String::new(),
        on_leave_until: p
            .on_leave_until
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    }
}

/// Creates the first administrator from the command line (`salesdesk user add`).
pub async fn add_from_cli(app: &App, input: &PersonInput) -> Result<Person> {
    let ctx = Ctx::system();
    create(app, &ctx, input).await
}

/// Number of people (zero means a fresh database).
pub async fn count(app: &App) -> Result<u64> {
    Ok(users::count(app.db.read()).await?)
}
