//! "Did you mean" suggestions: the closest known name by edit distance.
//!
//! The work is bounded whatever the names: a name longer than [`MAX_SUGGEST_CHARS`] characters
//! (after lowercasing; declared names are words, and a longer one is not a typo of one) gets no
//! suggestion and is never offered as one, a candidate whose length alone puts it too far is not
//! compared, and the comparison stops as soon as the distance is known to be too large. So one
//! suggestion costs at most a few thousand steps per candidate, however long the names of a
//! hostile file are.

use crate::limits::MAX_SUGGEST_CHARS;

/// The candidate closest to `wanted`, if it is close enough to be a likely typo.
///
/// Comparison ignores case; a candidate qualifies when its edit distance is at most a third of
/// the longer name's length (and at least 1 edit is allowed). Of several, the first with the
/// smallest distance is chosen.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_lower: Vec<char> = wanted.to_lowercase().chars().collect();
    if wanted_lower.len() > MAX_SUGGEST_CHARS {
        return None;
    }
    let wanted_chars = wanted.chars().count();
    let mut best: Option<(usize, &'a str)> = None;
    let mut candidate_lower = Vec::new();
    for candidate in candidates {
        if candidate == wanted {
            continue;
        }
        candidate_lower.clear();
        candidate_lower.extend(candidate.to_lowercase().chars());
        if candidate_lower.len() > MAX_SUGGEST_CHARS {
            continue;
        }
        let longest = wanted_chars.max(candidate.chars().count());
        let allowed = (longest / 3).max(1);
        // Only a distance below the best one so far can win.
        let limit = match best {
            Some((0, _)) => break,
            Some((distance, _)) => allowed.min(distance - 1),
            None => allowed,
        };
        if let Some(distance) = bounded_distance(&wanted_lower, &candidate_lower, limit) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// The Levenshtein distance between `a` and `b` when it is at most `limit`, else `None`.
///
/// The lengths alone bound the distance from below, so far longer or shorter candidates cost
/// nothing; otherwise only the cells within `limit` of the diagonal are computed (the others are
/// over the limit), and the computation stops at the first row whose every cell is over it.
fn bounded_distance(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let over = limit + 1;
    // previous[j]: the distance between the first i characters of a and the first j of b,
    // capped at `over`.
    let mut previous: Vec<usize> = (0..=b.len()).map(|j| j.min(over)).collect();
    let mut current = vec![over; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let row = i + 1;
        let first = row.saturating_sub(limit);
        let last = (row + limit).min(b.len());
        current.fill(over);
        if let Some(cell) = current.get_mut(0) {
            *cell = row.min(over);
        }
        let mut row_min = if first == 0 { row.min(over) } else { over };
        for j in first.max(1)..=last {
            let same = b.get(j - 1) == Some(ca);
            let substitute = previous.get(j - 1).copied().unwrap_or(over) + usize::from(!same);
            let delete = previous.get(j).copied().unwrap_or(over) + 1;
            let insert = current.get(j - 1).copied().unwrap_or(over) + 1;
            let cell = substitute.min(delete).min(insert).min(over);
            if let Some(slot) = current.get_mut(j) {
                *slot = cell;
            }
            row_min = row_min.min(cell);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous
        .get(b.len())
        .copied()
        .filter(|&distance| distance <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain Levenshtein distance, every cell computed: what the bounded one must agree with.
    fn edit_distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut previous: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut current = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let substitute = previous[j] + usize::from(ca != *cb);
                current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
            }
            previous = current;
        }
        previous[b.len()]
    }

    /// The suggestion as it was made before the work was bounded: every candidate compared in
    /// full.
    fn closest_unbounded<'a>(wanted: &str, candidates: &[&'a str]) -> Option<&'a str> {
        let wanted_lower = wanted.to_lowercase();
        let mut best: Option<(usize, &'a str)> = None;
        for &candidate in candidates {
            if candidate == wanted {
                continue;
            }
            let distance = edit_distance(&wanted_lower, &candidate.to_lowercase());
            let longest = wanted.chars().count().max(candidate.chars().count());
            let allowed = (longest / 3).max(1);
            if distance <= allowed && best.map_or(true, |(d, _)| distance < d) {
                best = Some((distance, candidate));
            }
        }
        best.map(|(_, name)| name)
    }

    #[test]
    fn finds_typos_and_case() {
        assert_eq!(closest("ofice", ["office", "always"]), Some("office"));
        assert_eq!(
            closest("asia/shanghai", ["Asia/Shanghai", "Asia/Seoul"]),
            Some("Asia/Shanghai")
        );
        assert_eq!(closest("xyz", ["office"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(
            bounded_distance(&chars("kitten"), &chars("sitting"), 3),
            Some(3)
        );
        assert_eq!(
            bounded_distance(&chars("kitten"), &chars("sitting"), 2),
            None
        );
    }

    #[test]
    fn long_names_get_no_suggestion() {
        let long = "a".repeat(MAX_SUGGEST_CHARS + 1);
        let near = format!("{long}b");
        assert_eq!(closest(&long, [near.as_str()]), None);
        assert_eq!(closest("aaaa", [long.as_str()]), None);
        let longest = "a".repeat(MAX_SUGGEST_CHARS);
        let typo = format!("{}b", "a".repeat(MAX_SUGGEST_CHARS - 1));
        assert_eq!(closest(&typo, [longest.as_str()]), Some(longest.as_str()));
    }

    proptest! {
        /// The bounded search suggests exactly what comparing every candidate in full did, for
        /// names within the length considered.
        #[test]
        fn same_suggestions_as_the_full_comparison(
            wanted in "[a-cA-C_İΣ]{0,12}",
            candidates in proptest::collection::vec("[a-cA-C_İΣ]{0,12}", 0..8),
        ) {
            let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
            prop_assert_eq!(
                closest(&wanted, candidates.iter().copied()),
                closest_unbounded(&wanted, &candidates)
            );
        }

        #[test]
        fn bounded_distance_agrees_with_the_full_one(
            a in "[a-d]{0,16}",
            b in "[a-d]{0,16}",
            limit in 0usize..10,
        ) {
            let full = edit_distance(&a, &b);
            let chars = |s: &str| s.chars().collect::<Vec<_>>();
            let bounded = bounded_distance(&chars(&a), &chars(&b), limit);
            prop_assert_eq!(bounded, (full <= limit).then_some(full));
        }
    }
}
