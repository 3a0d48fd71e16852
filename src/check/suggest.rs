//! "Did you mean" suggestions: the closest known name by edit distance.

/// The candidate closest to `wanted`, if it is close enough to be a likely typo.
///
/// Comparison ignores ASCII case; a candidate qualifies when its edit distance
/// is at most a third of the longer name's length (and at least 1 edit is allowed).
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
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

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // The distances from the part of `a` read so far to each prefix of `b`.
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut distance = b.len();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        let mut left = i + 1;
        current.push(left);
        for ((cb, &diagonal), &up) in b.iter().zip(&previous).zip(previous.iter().skip(1)) {
            left = (diagonal + usize::from(ca != *cb))
                .min(up + 1)
                .min(left + 1);
            current.push(left);
        }
        distance = left;
        previous = current;
    }
    distance
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_case() {
        assert_eq!(closest("ofice", ["office", "always"]), Some("office"));
        assert_eq!(
            closest("asia/shanghai", ["Asia/Shanghai", "Asia/Seoul"]),
            Some("Asia/Shanghai")
        );
        assert_eq!(closest("xyz", ["office"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
