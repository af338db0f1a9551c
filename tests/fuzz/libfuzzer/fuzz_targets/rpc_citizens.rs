#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| jobmatch_fuzz::targets::run("rpc_citizens", data));
