//! Any bytes as a .docx submission: read, then locate the tables, as process_file does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(book) = nianbao::read::read(data, "docx") {
        let _ = nianbao::locate::locate(&book);
    }
});
