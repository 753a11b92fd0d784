//! The text encodings of CSV files (and of the roster and last year's CSV).

use std::borrow::Cow;

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_16BE, UTF_16LE};

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
    // Valid UTF-8 is settled without decoding all of it as GB18030 where that fails, as it
    // mostly does within the first lines of Chinese in UTF-8 (a roster of 100,000 units was
    // decoded whole and searched for every label three times); or at the first label found.
    let settled =
        |u: &&str| !decodes_as_gb18030(bytes) || EXPECTED_WORDS.iter().any(|w| u.contains(w));
    if let Some(u) = utf8.filter(settled) {
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

/// Whether `bytes` are GB18030 without a malformed sequence, as
/// `decode_without_bom_handling` would find: stops at the first.
fn decodes_as_gb18030(bytes: &[u8]) -> bool {
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let mut out = [0u8; 4096];
    let mut rest = bytes;
    loop {
        let (result, read, _) = decoder.decode_to_utf8_without_replacement(rest, &mut out, true);
        rest = &rest[read..];
        match result {
            DecoderResult::InputEmpty => return true,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(..) => return false,
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
    fn the_gb18030_check_agrees_with_a_whole_decoding() {
        let long = GB18030.encode(&"易俗河镇,".repeat(2000)).0.into_owned();
        let mut cut = long.clone();
        cut.push(0x81);
        let gbk = GB18030.encode("易俗河镇").0.into_owned();
        let samples: [&[u8]; 7] = [
            b"",
            b"plain ascii",
            "易俗河镇".as_bytes(),
            &gbk,
            &[0x81],
            &long,
            &cut,
        ];
        for bytes in samples {
            let (_, errors) = GB18030.decode_without_bom_handling(bytes);
            assert_eq!(decodes_as_gb18030(bytes), !errors, "{bytes:?}");
        }
    }

    #[test]
    fn utf8_without_labels_is_utf8_and_borrowed() {
        // Three characters a name: as GB18030 the UTF-8 bytes go wrong in the first line.
        let roster = "unit_id,name\n".to_string() + &"hekou,河口镇\n".repeat(1000);
        assert!(!decodes_as_gb18030(&roster.as_bytes()[..40]));
        let decoded = decode_text(roster.as_bytes());
        assert_eq!(decoded.encoding, "UTF-8");
        assert!(matches!(decoded.text, Cow::Borrowed(_)));
        let (gbk, _, _) = GB18030.encode(&roster);
        let decoded = decode_text(&gbk);
        assert_eq!(
            (decoded.encoding, &*decoded.text),
            ("GB18030", roster.as_str())
        );
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
