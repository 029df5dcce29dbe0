//! Where a browser may be sent after login (issue 9, point 7): only a path on this site, judged
//! the way a browser will read the `Location` header, never as the raw string looks.
//!
//! The WHATWG URL parser, which browsers use, trims leading and trailing C0 controls and spaces,
//! drops tabs and line breaks anywhere, and reads `\` as `/` in the path of an http(s) URL. So
//! `/\t/evil.com` arrives as `//evil.com`: another host. The check below applies those same
//! rules first and then accepts only a path-absolute reference (`/` and not `//`), without dot
//! segments (which browsers fold, turning `/..//evil.com` into the path `//evil.com`). What it
//! returns is the normalised form, with spaces and non-ASCII percent-encoded, so the header holds
//! exactly what the browser will follow.

/// The longest `next` followed; longer ones go to the dashboard.
const MAX_LEN: usize = 2048;

/// The path to redirect to after login: `next` when it stays on this site, else the dashboard.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| "/".to_string())
}

/// `raw` as a browser would resolve it against this site, if it names a path here.
fn local_path(raw: &str) -> Option<String> {
    if raw.len() > MAX_LEN {
        return None;
    }
    let trimmed = raw.trim_matches(|c: char| c <= ' ');
    let mut out = String::with_capacity(trimmed.len());
    let mut in_path = true;
    for c in trimmed.chars() {
        match c {
            '\t' | '\n' | '\r' => {}
            // No link of ours carries other control characters.
            c if c.is_ascii_control() => return None,
            '?' | '#' => {
                in_path = false;
                out.push(c);
            }
            '\\' if in_path => out.push('/'),
            ' ' => out.push_str("%20"),
            c if !c.is_ascii() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    let rest = out.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    let path = out.split(['?', '#']).next().unwrap_or_default();
    if path.split('/').any(is_dot_segment) {
        return None;
    }
    Some(out)
}

/// `.` or `..`, also percent-encoded (`%2e`), as the URL parser recognises them.
fn is_dot_segment(seg: &str) -> bool {
    let s = seg.to_ascii_lowercase().replace("%2e", ".");
    s == "." || s == ".."
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn hostile_next_values_send_the_browser_to_the_dashboard() {
        let hostile = [
            // the reported case and its relatives: tab, newline, CR are dropped by browsers
            "/\t/evil.com",
            "/\n/evil.com",
            "/\r\n/evil.com",
            "\t//evil.com",
            // leading controls and spaces are trimmed by browsers
            " //evil.com",
            "\u{0}//evil.com",
            "\u{1f}/\\evil.com",
            // scheme-relative, with backslashes read as slashes
            "//evil.com",
            "///evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "\\/evil.com",
            "/\\/evil.com",
            // userinfo tricks only work with an authority, which all of these have
            "//salesdesk.example@evil.com",
            "https://salesdesk.example@evil.com/",
            // schemes
            "https://evil.com",
            "http:evil.com",
            "HTTP://evil.com",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            // not a path at all
            "evil.com",
            "",
            "   ",
            // dot segments fold into '//' in the browser
            "/..//evil.com",
            "/./\\evil.com",
            "/%2e%2e//evil.com",
            "/customers\\..\\..\\/evil.com",
            // full-width and ideographic look-alikes are not slashes to a browser, but not paths here either
            "\u{3000}//evil.com",
            "\u{ff0f}\u{ff0f}evil.com",
            // other control characters
            "/x\u{7f}",
            "/x\u{b}y",
            "/x\u{0}y",
        ];
        for raw in hostile {
            assert_eq!(safe_next(Some(raw)), "/", "{raw:?} must not be followed");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn paths_on_this_site_are_followed_as_the_browser_will_read_them() {
        let cases = [
            ("/", "/"),
            ("/people?page=2", "/people?page=2"),
            ("/customers/7#contacts", "/customers/7#contacts"),
            (" /people\t", "/people"),
            ("/cus\ttomers", "/customers"),
            ("/customers\\7", "/customers/7"),
            // a backslash in the query is not a path separator
            ("/customers?q=a\\b", "/customers?q=a\\b"),
            ("/customers?q=张三", "/customers?q=%E5%BC%A0%E4%B8%89"),
            ("/a b", "/a%20b"),
            // a path beginning with '@' or an encoded slash still names a page of this site
            ("/@evil.com", "/@evil.com"),
            ("/%2F%2Fevil.com", "/%2F%2Fevil.com"),
            ("/%09/evil.com", "/%09/evil.com"),
            ("/\u{ff0f}evil.com", "/%EF%BC%8Fevil.com"),
        ];
        for (raw, want) in cases {
            assert_eq!(safe_next(Some(raw)), want, "{raw:?}");
        }
    }
}
