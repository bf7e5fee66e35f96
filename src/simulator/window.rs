//! Taking one page out of an ordered collection that can only be walked item by item (a B-tree
//! map's values), walking from whichever end is nearer.
//!
//! A listing of 100,000 users in pages would otherwise walk, for every page, every user before
//! it. Pure function: it neither sorts nor filters.

/// The items at positions `start..start + count` (clamped to `len`) of `items`, which yields
/// exactly `len` items in order, walked from the nearer end.
pub fn window<'a, T: 'a>(
    items: impl DoubleEndedIterator<Item = &'a T>,
    len: usize,
    start: usize,
    count: usize,
) -> Vec<&'a T> {
    let start = start.min(len);
    let end = start.saturating_add(count).min(len);
    if start <= len - end {
        return items.skip(start).take(end - start).collect();
    }
    let mut page: Vec<&T> = items.rev().skip(len - end).take(end - start).collect();
    page.reverse();
    page
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn a_window_is_the_same_from_either_end() {
        let items: Vec<u32> = (0..10).collect();
        let page = |start, count| -> Vec<u32> {
            window(items.iter(), items.len(), start, count)
                .into_iter()
                .copied()
                .collect()
        };
        assert_eq!(page(0, 3), [0, 1, 2]);
        assert_eq!(page(7, 3), [7, 8, 9]);
        assert_eq!(page(8, 5), [8, 9]);
        assert_eq!(page(4, 2), [4, 5]);
        assert_eq!(page(6, 0), Vec::<u32>::new());
        assert_eq!(page(12, 3), Vec::<u32>::new());
        assert_eq!(page(0, usize::MAX), items);
    }
}
