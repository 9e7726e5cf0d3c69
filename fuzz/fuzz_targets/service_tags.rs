//! Any text given as Azure's service tags file yields the tags or an error, never a panic.
#![no_main]

use moat_servicetags::ServiceTags;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tags) = ServiceTags::from_json_str(text) {
        for t in tags.iter() {
            let _ = tags.addr_set(&t.name);
        }
        let _ = tags.region_codes();
    }
});
