//! The long form: the fuzzer's bytes after the header `unit,year,field_id,value`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"unit,year,field_id,value\n".to_vec();
    bytes.extend_from_slice(data);
    if let Ok(book) = nianbao::read::read(&bytes, "csv") {
        let _ = nianbao::locate::locate(&book);
    }
});
