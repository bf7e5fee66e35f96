//! Fuzzes the decoding of Looker responses and their mapping into domain records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster::service::looker::{mapping, wire};

fuzz_target!(|data: &[u8]| {
    let users = serde_json::from_slice::<Vec<wire::User>>(data).unwrap_or_default();
    let definitions = serde_json::from_slice::<Vec<wire::UserAttribute>>(data).unwrap_or_default();
    let values = serde_json::from_slice::<Vec<wire::UserAttributeWithValue>>(data).unwrap_or_default();
    for user in &users {
        let record = mapping::record("fuzz", user, serde_json::Value::Null, &definitions, &values);
        let _ = roster::domain::audit::audit_record(&record);
    }
});
