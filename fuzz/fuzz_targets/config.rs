//! Fuzzes the config parser: any text yields a config or an error naming a line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = roster::config::Config::parse(std::path::Path::new("fuzz.toml"), text);
    }
});
