//! Shared data for the benchmarks: a deterministic directory of any size, built from fixed name
//! lists and a fixed-seed generator, so every run measures the same rows. Builds data only.
//!
//! Run every bench with short measurements (name the benches: the library's own test harness
//! does not accept criterion's options):
//! `cargo bench --bench parsing --bench filter --bench draw -- --warm-up-time 1 --measurement-time 3`
#![allow(dead_code)]

use roster::domain::UserSummary;

const FIRST: [&str; 32] = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "John",
    "Margaret",
    "Ken",
    "Dennis",
    "Frances",
    "Niklaus",
    "Tony",
    "Leslie",
    "Radia",
    "Sophie",
    "Linus",
    "Guido",
    "Bjarne",
    "Anders",
    "Hedy",
    "Katherine",
    "Dorothy",
    "Mary",
    "Annie",
    "Evelyn",
    "Jean",
    "Kathleen",
    "Betty",
    "Marlyn",
    "Ruth",
    "Joan",
];

const LAST: [&str; 32] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "McCarthy",
    "Hamilton",
    "Thompson",
    "Ritchie",
    "Allen",
    "Wirth",
    "Hoare",
    "Lamport",
    "Perlman",
    "Wilson",
    "Torvalds",
    "Rossum",
    "Stroustrup",
    "Hejlsberg",
    "Lamarr",
    "Johnson",
    "Vaughan",
    "Jackson",
    "Easley",
    "Boyd",
    "Bartik",
    "Antonelli",
    "Holberton",
    "Wescoff",
    "Teitelbaum",
    "Clarke",
];

/// A fixed-seed xorshift generator: the same sequence on every run.
pub struct Rng(u64);

impl Rng {
    /// The generator with the benchmarks' seed.
    pub fn new() -> Self {
        Self(0x9E37_79B9_7F4A_7C15)
    }

    /// The next number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// The first, last name and number of person `i` (names repeat; the number makes them unique).
pub fn person(rng: &mut Rng, i: usize) -> (&'static str, &'static str, usize) {
    (
        FIRST[rng.below(FIRST.len())],
        LAST[rng.below(LAST.len())],
        i,
    )
}

/// `n` list rows as every service maps them: username, display name, email, active.
pub fn users(n: usize) -> Vec<UserSummary> {
    let mut rng = Rng::new();
    (0..n)
        .map(|i| {
            let (first, last, number) = person(&mut rng, i);
            let login = format!("{}.{}{number}", first.to_lowercase(), last.to_lowercase());
            UserSummary {
                id: number.to_string(),
                username: Some(login.clone()),
                display_name: Some(format!("{first} {last}")),
                email: Some(format!("{login}@example.com")),
                active: i % 7 != 0,
            }
        })
        .collect()
}
