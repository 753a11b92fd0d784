//! Optional `config/nianbao.toml`: rule severities and the thresholds of the plausibility
//! rules, for a county to tune. Unknown keys and unknown rule ids are errors, never ignored.
//!
//! ```toml
//! [severity]
//! "T2.FEE_UNIT" = "error"      # error, warning, info or off
//! "XYEAR.JUMP" = "off"
//!
//! [thresholds]
//! fee_wan_max = 1000           # T2.FEE_UNIT: a fee above this many 万元 looks entered in 元
//! jump_factor = 5              # XYEAR.JUMP: more than 5× or less than 1/5 of last year
//! jump_floor = 10              # XYEAR.JUMP: only where either year reaches this count
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::check::{Severity, RULES};

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    pub fee_wan_max: f64,
    pub jump_factor: f64,
    pub jump_floor: f64,
}

pub const DEFAULT_THRESHOLDS: Thresholds = Thresholds {
    fee_wan_max: 1000.0,
    jump_factor: 5.0,
    jump_floor: 10.0,
};

impl Default for Thresholds {
    fn default() -> Self {
        DEFAULT_THRESHOLDS
    }
}

#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Rule id → severity, `None` for off; only the rules the file changes.
    overrides: BTreeMap<&'static str, Option<Severity>>,
    pub thresholds: Thresholds,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    thresholds: Thresholds,
}

impl Settings {
    /// Reads `nianbao.toml` from the config folder; its absence means the defaults.
    pub fn load(config_dir: &Path) -> Result<Settings, String> {
        let path = config_dir.join("nianbao.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Settings::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(format!("无法读取设置文件 {}（{e}）", path.display())),
        }
    }

    pub fn parse(text: &str) -> Result<Settings, String> {
        // toml's messages draw the offending line over several; the contract wants one line.
        let file: File = toml::from_str(text).map_err(|e| {
            e.to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })?;
        let mut overrides = BTreeMap::new();
        for (id, level) in file.severity {
            let rule = RULES
                .iter()
                .find(|r| r.id == id)
                .ok_or_else(|| format!("未知的规则编号“{id}”（nianbao rules 列出全部规则）"))?;
            let level = match level.as_str() {
                "off" => None,
                other => Some(Severity::parse(other).ok_or_else(|| {
                    format!("{id}: severity must be error, warning, info or off, not “{other}”")
                })?),
            };
            overrides.insert(rule.id, level);
        }
        let t = file.thresholds;
        if !(t.fee_wan_max > 0.0 && t.jump_factor > 1.0 && t.jump_floor >= 0.0) {
            return Err(
                "thresholds 的取值应为：fee_wan_max > 0，jump_factor > 1，jump_floor ≥ 0".into(),
            );
        }
        Ok(Settings {
            overrides,
            thresholds: t,
        })
    }

    /// The severity in force for a rule; `None` when it is off.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        match self.overrides.get(rule) {
            Some(level) => *level,
            None => RULES.iter().find(|r| r.id == rule).and_then(|r| r.severity),
        }
    }

    /// The rules whose severity the file changed, for the manifest.
    pub fn changed(&self) -> BTreeMap<String, String> {
        self.overrides
            .iter()
            .map(|(id, level)| (id.to_string(), level.map_or("off", Severity::name).into()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_and_thresholds_can_be_changed() {
        let s = Settings::parse(
            "[severity]\n\"T2.FEE_UNIT\" = \"error\"\n\"XYEAR.JUMP\" = \"off\"\n\
             [thresholds]\nfee_wan_max = 500\n",
        )
        .unwrap();
        assert_eq!(s.severity("T2.FEE_UNIT"), Some(Severity::Error));
        assert_eq!(s.severity("XYEAR.JUMP"), None);
        assert_eq!(s.severity("T3.BALANCE"), Some(Severity::Error));
        assert_eq!(s.thresholds.fee_wan_max, 500.0);
        assert_eq!(s.thresholds.jump_factor, 5.0);
    }

    #[test]
    fn mistakes_in_the_file_are_errors() {
        let unknown_rule = Settings::parse("[severity]\n\"T9.NOPE\" = \"error\"\n").unwrap_err();
        assert!(unknown_rule.contains("T9.NOPE"), "{unknown_rule}");
        assert!(Settings::parse("[severity]\n\"T3.BALANCE\" = \"loud\"\n").is_err());
        assert!(Settings::parse("[thresholds]\nfee_max = 3\n").is_err());
        assert!(Settings::parse("[thresholds]\njump_factor = 0.5\n").is_err());
        let err = Settings::parse("severity = 3").unwrap_err();
        assert!(!err.contains('\n'), "{err}");
    }
}
