//! The configuration key table of `docs/configuration.md`, rendered from
//! `cadenza_engine::config::KEYS` (the doc embeds it between markers; a test keeps the two
//! equal, and `cadenza-infcheck --config-table` prints it).

use std::fmt::Write as _;

use cadenza_engine::config::KEYS;

use crate::rules::parameter_line;

/// The line before the generated table in the doc.
pub const TABLE_BEGIN: &str =
    "<!-- BEGIN KEYS: generated from config::KEYS by `cadenza-infcheck --config-table` -->";
/// The line after it.
pub const TABLE_END: &str = "<!-- END KEYS -->";

/// Markdown cell text: pipes escaped, line breaks flattened.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown table of every key: name, registry type, default, accepted values, meaning.
pub fn config_table() -> String {
    let mut out = String::from(
        "| Key | Registry type | Default (as the INF writes it) | Accepted | Meaning |\n\
         |---|---|---|---|---|\n",
    );
    for spec in KEYS {
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| `{}` | `{}` | `{}` | {} | {} |",
            spec.name,
            spec.reg_type.name(),
            cell(spec.default),
            cell(spec.range),
            cell(spec.meaning)
        );
    }
    out
}

/// The INF's parameter AddReg lines, one per key.
pub fn parameter_lines() -> String {
    KEYS.iter()
        .map(|spec| parameter_line(spec) + "\n")
        .collect()
}

/// The text between [`TABLE_BEGIN`] and [`TABLE_END`] in `doc`, if both markers are there.
pub fn embedded_table(doc: &str) -> Option<&str> {
    let start = doc.find(TABLE_BEGIN)? + TABLE_BEGIN.len();
    let rest = doc.get(start..)?;
    let end = rest.find(TABLE_END)?;
    rest.get(..end).map(|t| t.trim_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_a_row_per_key() {
        let table = config_table();
        assert_eq!(table.lines().count(), KEYS.len() + 2);
        assert!(table.contains("| `Cables` | `REG_DWORD` | `1` |"));
    }

    #[test]
    fn embedded_table_is_found_between_the_markers() {
        let doc = format!("intro\n{TABLE_BEGIN}\n| a |\n{TABLE_END}\nrest");
        assert_eq!(embedded_table(&doc), Some("| a |"));
        assert_eq!(embedded_table("no markers"), None);
    }
}
