//! Fuzzes the decoding of Crowd responses and their mapping into domain records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster::service::crowd::{mapping, wire};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<wire::UserSearch>(data);
    let _ = serde_json::from_slice::<wire::AttributeList>(data);
    if let Ok(user) = serde_json::from_slice::<wire::User>(data) {
        let raw = serde_json::from_slice(data).unwrap_or_default();
        let record = mapping::record("fuzz", &user, raw);
        let _ = roster::domain::audit::audit_record(&record);
    }
});
