//! "Did you mean": the known name closest to an unknown one.

/// Edit distance where swapping two neighbours counts as one edit (optimal string
/// alignment): `wbe` is one typo away from `web`, `interent` one from `internet`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    if let Some(first) = d.first_mut() {
        for (j, cell) in first.iter_mut().enumerate() {
            *cell = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `input`, if it is within a third of the longer name's length
/// (at least one edit): close enough to be a typo, far enough not to guess. Names longer
/// than 64 characters are not compared (the distance is quadratic).
pub fn closest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if input.chars().count() > 64 {
        return None;
    }
    candidates
        .iter()
        .filter(|c| c.chars().count() <= 64)
        .map(|c| (edit_distance(input, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(input.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_suggested_and_guesses_are_not() {
        assert_eq!(closest("fronted", &["frontend", "db"]), Some("frontend"));
        assert_eq!(closest("wbe", &["web", "db"]), Some("web"));
        assert_eq!(closest("interent", &["internet"]), Some("internet"));
        assert_eq!(closest("api", &["ops"]), None);
        assert_eq!(closest("zzz", &["frontend", "db"]), None);
    }
}
