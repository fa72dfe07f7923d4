//! "Did you mean ...?": the closest known name to a misspelt one.
//!
//! Every place that refuses an unknown name (a settings key, a backend, a
//! loader, a helper, a filter, a context processor) suggests the closest
//! known one through this module, so the suggestions and their wording are
//! the same everywhere.

/// The closest candidate by edit distance (ignoring case), if close enough
/// to be a typo: at most a third of the candidate's length (and at least 2)
/// edits away, and fewer edits than the candidate has characters.
///
/// ```
/// use platen_core::closest::closest;
/// assert_eq!(closest("strict_mod", &["strict_mode", "dev_mode"]), Some("strict_mode"));
/// assert_eq!(closest("zzz", &["strict_mode"]), None);
/// ```
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let cost = usize::from(ca != *cb);
                cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (distance(&word, &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(2) && *d < c.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The suggestion to append to a message about the unknown `word`:
/// `` (did you mean `best`?)`` with a leading space, or an empty string
/// when no candidate is close.
///
/// ```
/// use platen_core::closest::did_you_mean;
/// assert_eq!(did_you_mean("uper", &["upper", "lower"]), " (did you mean `upper`?)");
/// assert_eq!(did_you_mean("zzz", &["upper"]), "");
/// ```
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    closest(word, candidates).map_or_else(String::new, |best| format!(" (did you mean `{best}`?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos() {
        assert_eq!(
            closest("strict_mod", &["strict_mode", "dev_mode"]),
            Some("strict_mode")
        );
        assert_eq!(
            closest("TEMPLATES", &["debug", "templates"]),
            Some("templates")
        );
        assert_eq!(closest("zzz", &["strict_mode"]), None);
        assert_eq!(closest("x", &["ab"]), None);
    }

    #[test]
    fn did_you_mean_formats() {
        assert_eq!(
            did_you_mean("debgu", &["debug"]),
            " (did you mean `debug`?)"
        );
        assert_eq!(did_you_mean("x", &["ab"]), "");
    }
}
