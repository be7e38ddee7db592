#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| licet_fuzz::activation_request(data));
