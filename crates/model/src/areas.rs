//! England's 152 local-authority areas (2014–2017 boundaries), embedded, so that an
//! area code in an input file can be checked for typos.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The areas table shipped in `fixtures/`: one row per area, with codes, names,
/// population, SEN2 demand and deprivation columns (its provenance is described
/// beside it in `fixtures/areas_england_2014_2017.md`).
pub const ENGLAND_AREAS_CSV: &str = include_str!("../../../fixtures/areas_england_2014_2017.csv");

static NAMES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut reader = csv::Reader::from_reader(ENGLAND_AREAS_CSV.as_bytes());
    let headers = reader.headers().cloned().unwrap_or_default();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(code), Some(name)) = (column("new_la_code"), column("la_name")) else {
        return HashMap::new();
    };
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|row| Some((row.get(code)?.to_string(), row.get(name)?.to_string())))
        .collect()
});

/// The codes of England's 152 areas, in code order.
pub fn england_codes() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = NAMES.keys().map(String::as_str).collect();
    codes.sort_unstable();
    codes
}

/// The name of the area with this ONS code (`E06000043` is Brighton and Hove), or
/// `None` if it is not one of England's 152 areas.
pub fn england_area(code: &str) -> Option<&'static str> {
    NAMES.get(code).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_has_englands_152_areas() {
        assert_eq!(NAMES.len(), 152);
        assert_eq!(england_area("E06000043"), Some("Brighton and Hove"));
        assert_eq!(england_area("E1"), None);
    }
}
