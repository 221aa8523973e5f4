//! Byte offsets to 1-based lines and columns, counting line ends as the grammar does.

/// The 1-based line and column (in characters) of a byte offset in `text`. Offsets past
/// the end or inside a character are moved back to the nearest character boundary.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut start = offset.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut line = 1;
    let mut line_start = 0;
    for s in line_starts(text).take_while(|&s| s <= start) {
        line += 1;
        line_start = s;
    }
    let column = text[line_start..start].chars().count() + 1;
    (line, column)
}

/// The text of 1-based line `line`, without its line end; lines end as [`line_column`]
/// counts them (`\n`, `\r\n` or a lone `\r`), so a quote matches the reported line.
pub fn nth_line(text: &str, line: usize) -> Option<&str> {
    let index = line.checked_sub(1)?;
    let start = std::iter::once(0).chain(line_starts(text)).nth(index)?;
    let rest = &text[start..];
    let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Where each line after the first starts. A line ends at `\n`, `\r\n` or a lone `\r`,
/// as the grammar's `NEWLINE` does: a file saved with old Mac line ends (`\r` alone) is
/// read as lines by the parser, so messages must count the same lines, not one.
fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().filter_map(move |(i, &b)| {
        let ends = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        ends.then_some(i + 1)
    })
}

/// The start of every line of a text, to turn byte offsets into lines and columns in
/// logarithmic time (a program of 10,000 statements asks 10,000 times).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`; lines end as [`line_column`] says.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(line_starts(text));
        LineIndex { starts }
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }

    /// The byte offset where 1-based line `line` starts, if the text has that line.
    pub fn start(&self, line: usize) -> Option<usize> {
        line.checked_sub(1)
            .and_then(|i| self.starts.get(i))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn nth_line_counts_lines_as_line_column_does() {
        let text = "a\nb\r\nc\rd";
        let got: Vec<Option<&str>> = (0..=5).map(|n| super::nth_line(text, n)).collect();
        assert_eq!(
            got,
            [None, Some("a"), Some("b"), Some("c"), Some("d"), None]
        );
        assert_eq!(super::line_column(text, text.len() - 1), (4, 1));
    }
}
