//! Optimistic concurrency at the HTTP edge: the version a write is based on comes as
//! `If-Match: "<version>"` or as a `version` field of the body; a read gives the version as an
//! `ETag`. The use case compares it with the stored one and refuses a stale write with 409.

use axum::http::{HeaderMap, HeaderValue, header};
use salesdesk_app::AppError;

/// The version named by `If-Match` (`"7"`, also weak `W/"7"`) or else by the body. Both given
/// and different, or an `If-Match` that is not one quoted version, is a 422 on `version`.
pub fn expected(headers: &HeaderMap, body: Option<i32>) -> Result<Option<i32>, AppError> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Ok(body);
    };
    let bad = || AppError::field("version", "error.version_format");
    let tag = raw.to_str().map_err(|_| bad())?.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let v: i32 = tag
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|t| t.parse().ok())
        .ok_or_else(bad)?;
    match body {
        Some(b) if b != v => Err(bad()),
        _ => Ok(Some(v)),
    }
}

/// The `ETag` of a record at this version.
pub fn etag(version: i32) -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::ETAG,
        HeaderValue::from_str(&format!("\"{version}\""))
            .unwrap_or(HeaderValue::from_static("\"0\"")),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_MATCH, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn the_version_comes_from_if_match_or_the_body_and_they_must_agree() {
        assert_eq!(expected(&HeaderMap::new(), None).unwrap(), None);
        assert_eq!(expected(&HeaderMap::new(), Some(4)).unwrap(), Some(4));
        assert_eq!(expected(&with("\"7\""), None).unwrap(), Some(7));
        assert_eq!(expected(&with("W/\"7\""), Some(7)).unwrap(), Some(7));
        for bad in ["7", "\"x\"", "*", "\"7\", \"8\""] {
            assert!(expected(&with(bad), None).is_err(), "{bad}");
        }
        assert!(expected(&with("\"7\""), Some(8)).is_err());
    }
}
