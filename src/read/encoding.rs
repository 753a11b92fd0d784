//! The text encodings of CSV files (and of the roster and last year's CSV).

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

/// Words that a decoding of a submission should show if it is the right one.
const EXPECTED_WORDS: &[&str] = &[
    "政府信息公开",
    "自然人",
    "本年新收",
    "商业企业",
    "行政复议",
    "行政诉讼",
    "结果维持",
    "规章",
    "行政许可",
    "填报单位",
    "总计",
    "field_id",
];

fn label_score(text: &str) -> usize {
    EXPECTED_WORDS.iter().filter(|w| text.contains(*w)).count()
}

/// The text of a CSV file and the name of the encoding it was read in.
pub struct DecodedText<'a> {
    /// Borrowed from the file's bytes when they are UTF-8 already.
    pub text: Cow<'a, str>,
    pub encoding: &'static str,
    /// Set when some bytes fitted no candidate encoding and were replaced.
    pub lossy: bool,
}

/// Decodes CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030 as
/// Excel saves it on Chinese Windows. Short GBK text can also be valid UTF-8, so when both
/// decodings are clean the one in which the format's own labels appear wins.
pub fn decode_text(bytes: &[u8]) -> DecodedText<'_> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        let name = if encoding == UTF_16LE || encoding == UTF_16BE {
            "UTF-16"
        } else {
            "UTF-8"
        };
        return DecodedText {
            text,
            encoding: name,
            lossy: had_errors,
        };
    }
    let utf8 = std::str::from_utf8(bytes).ok();
    // Valid UTF-8 in which the labels read is settled without trying GB18030: at the first
    // label found, not after looking for every one.
    if let Some(u) = utf8.filter(|u| EXPECTED_WORDS.iter().any(|w| u.contains(w))) {
        return DecodedText {
            text: Cow::Borrowed(u),
            encoding: "UTF-8",
            lossy: false,
        };
    }
    let (gbk, gbk_errors) = GB18030.decode_without_bom_handling(bytes);
    match utf8 {
        Some(u) if gbk_errors || label_score(u) >= label_score(&gbk) => DecodedText {
            text: Cow::Borrowed(u),
            encoding: "UTF-8",
            lossy: false,
        },
        Some(_) => DecodedText {
            text: gbk,
            encoding: "GB18030",
            lossy: false,
        },
        None if !gbk_errors => DecodedText {
            text: gbk,
            encoding: "GB18030",
            lossy: false,
        },
        None => {
            let lossy_utf8 = String::from_utf8_lossy(bytes);
            if label_score(&lossy_utf8) > label_score(&gbk) {
                DecodedText {
                    text: lossy_utf8,
                    encoding: "UTF-8",
                    lossy: true,
                }
            } else {
                DecodedText {
                    text: gbk,
                    encoding: "GB18030",
                    lossy: true,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_that_is_also_valid_utf8_is_decided_by_labels() {
        let text = "填报单位,易俗河镇\n自然人,1";
        let (gbk, _, _) = GB18030.encode(text);
        let decoded = decode_text(&gbk);
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.encoding, "GB18030");
        let decoded = decode_text(text.as_bytes());
        assert_eq!(decoded.encoding, "UTF-8");
        assert_eq!(decoded.text, text);
    }

    #[test]
    fn bom_decides_utf8_and_utf16() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice("自然人".as_bytes());
        assert_eq!(decode_text(&bytes).text, "自然人");
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "自然人".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode_text(&utf16);
        assert_eq!((&*decoded.text, decoded.encoding), ("自然人", "UTF-16"));
    }

    #[test]
    fn undecodable_bytes_are_flagged_not_hidden() {
        let decoded = decode_text(&[0xFF, 0xFF, 0x41, 0x80]);
        assert!(decoded.lossy);
    }
}
