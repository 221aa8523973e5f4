//! Mapping a slice on several threads, keeping its order: what the loader (parsing
//! sources) and the proof (one namespace at a time) share. Each thread takes one
//! contiguous run of the items, so the results come back in the items' order and the
//! output stays deterministic.

/// The most threads used, however many cores there are.
const MAX_THREADS: usize = 8;

/// `items.iter().map(f).collect()`, on up to `available_parallelism` threads (at most
/// eight, and never more than there are items). A panic in `f` is resumed on the
/// calling thread, as if `f` had run there.
pub fn map_in_order<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let run = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(run)
            .map(|chunk| scope.spawn(move || chunk.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = super::map_in_order(&items, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(super::map_in_order(&[] as &[u32], |x| *x).is_empty());
    }
}
