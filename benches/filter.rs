//! Filter-as-you-type over 100,000 loaded users (product.md §5: within one frame, 16 ms, per
//! keystroke). Measures the browser's own path: `UserList::refilter`, which a keystroke in the
//! filter runs, from scratch for a 1-, 3- and 6-character query, and the incremental case where
//! the query grows by one character. Measures only; asserts nothing.

mod support;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use roster::app::state::UserList;
use std::hint::black_box;

const ROWS: usize = 100_000;

fn filter(c: &mut Criterion) {
    let users = support::users(ROWS);
    let mut group = c.benchmark_group("filter_100k");
    // From scratch: what pasting a query, deleting a character or switching connections costs.
    for query in ["l", "lov", "lovela"] {
        group.bench_function(format!("from_scratch_{}_chars", query.len()), |b| {
            b.iter_batched_ref(
                || {
                    let mut list = UserList::default();
                    list.filter = query.to_owned();
                    list
                },
                |list| {
                    list.refilter(black_box(&users));
                    black_box(list.visible.len())
                },
                BatchSize::LargeInput,
            );
        });
    }
    // The user typed `before` (each keystroke refiltered), then one more character: the new query
    // extends the old one, so only the previous matches need looking at. "l" matches nearly every
    // row, so "l" to "lo" is the worst keystroke; "love" to "lovel" a typical one.
    for (before, after) in [("l", "lo"), ("love", "lovel")] {
        let mut typed = UserList::default();
        for end in 1..=before.len() {
            typed.filter = before[..end].to_owned();
            typed.refilter(&users);
        }
        group.bench_function(format!("keystroke_{before}_to_{after}"), |b| {
            b.iter_batched_ref(
                || {
                    let mut list = typed.clone();
                    list.filter = after.to_owned();
                    list
                },
                |list| {
                    list.refilter(black_box(&users));
                    black_box(list.visible.len())
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, filter);
criterion_main!(benches);
