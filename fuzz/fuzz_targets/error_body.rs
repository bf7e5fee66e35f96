//! Fuzzes the decoding of every service's error bodies (Looker, Crowd JSON and XML, SCIM, Failure).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let error = roster::service::ServiceError::from_response(422, None, data);
    assert!(!error.to_string().chars().any(char::is_control));
});
