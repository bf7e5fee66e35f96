//! Fuzzes the decoding of SCIM responses and their mapping into domain records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster::service::scim::{mapping, wire};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<wire::ListResponse>(data);
    if let Ok(user) = serde_json::from_slice::<wire::User>(data) {
        let _ = mapping::summary(&user);
    }
    if let Ok(raw) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(record) = mapping::record("fuzz", raw) {
            let _ = roster::domain::audit::audit_record(&record);
        }
    }
});
