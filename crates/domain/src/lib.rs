//! Pure rules of the sales department described in the seed (`shared/spec/seed-reading.md`).
//!
//! Nothing here does I/O, is async, or knows about HTTP or SQL. Every other crate asks this one
//! "who may do what" and "is this value acceptable"; the answers live here exactly once.

pub mod access;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod collection;
pub mod contract;
pub mod customer;
pub mod deal;
pub mod expense;
pub mod export_rights;
pub mod geo;
pub mod ical;
pub mod money;
pub mod org;
pub mod presales;
pub mod product;
pub mod quote;
pub mod routing;
pub mod throttle;
pub mod trial;
pub mod validate;

pub use access::{Actor, Capability, DataScope};
pub use export_rights::{ExportRight, ExportRights};
pub use money::Money;
pub use org::{Position, RegionKind};
pub use validate::{FieldError, FieldErrors};
