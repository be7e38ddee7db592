#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| licet_fuzz::mapping(data));
