//! The command line in Chinese: clap's own headings, its help and version flags, and its
//! errors, which it writes in English, are replaced here for every command.

use clap::error::{ContextKind, ErrorKind};
use clap::{Arg, ArgAction, Command};

/// `cmd` and its subcommands with Chinese headings (用法, 参数, 选项, 命令) and help flags.
pub fn in_chinese(cmd: Command) -> Command {
    let cmd = cmd
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本号"),
        )
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_subcommand(true);
    headings(cmd).mut_subcommands(headings)
}

fn headings(cmd: Command) -> Command {
    let usage = usage(&cmd);
    cmd.help_template("{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}")
        .override_usage(usage)
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示帮助"),
        )
        .mut_args(|arg| {
            let heading = if arg.is_positional() {
                "参数"
            } else {
                "选项"
            };
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            // clap would add `[default: inputs]` in English: the default goes into the help.
            let arg = match (arg.get_help().map(ToString::to_string), defaults.is_empty()) {
                (Some(help), false) => {
                    let help = format!(
                        "{}（默认：{}）",
                        help.trim_end_matches('。'),
                        defaults.join("、")
                    );
                    arg.help(help).hide_default_value(true)
                }
                _ => arg,
            };
            arg.help_heading(heading)
        })
}

/// `nianbao run [选项]`, `nianbao check [选项] <文件>...`: clap's usage line says `[OPTIONS]`.
fn usage(cmd: &Command) -> String {
    let mut usage = if cmd.get_subcommands().next().is_some() {
        format!("{} <命令>", cmd.get_name())
    } else {
        format!("nianbao {} [选项]", cmd.get_name())
    };
    for arg in cmd.get_positionals() {
        let name = arg
            .get_value_names()
            .and_then(|n| n.first())
            .map_or_else(|| arg.get_id().to_string(), ToString::to_string);
        let many = matches!(arg.get_action(), ArgAction::Append);
        let dots = if many { "..." } else { "" };
        if arg.is_required_set() {
            usage.push_str(&format!(" <{name}>{dots}"));
        } else {
            usage.push_str(&format!(" [{name}]{dots}"));
        }
    }
    usage
}

/// A mistake on the command line, in one Chinese line with what to do; `None` for `--help`
/// and `--version`, which clap prints as they are.
pub fn explain(e: &clap::Error) -> Option<String> {
    let context = |kind| e.get(kind).map(ToString::to_string).unwrap_or_default();
    let arg = context(ContextKind::InvalidArg);
    let value = context(ContextKind::InvalidValue);
    let what = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => return None,
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => "缺少命令".to_string(),
        ErrorKind::InvalidSubcommand => {
            format!("没有 {} 这个命令", context(ContextKind::InvalidSubcommand))
        }
        ErrorKind::UnknownArgument => format!("不认识参数 {arg}"),
        ErrorKind::MissingRequiredArgument => format!("缺少参数 {arg}"),
        ErrorKind::MissingSubcommand => "缺少命令".to_string(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation if value.is_empty() => {
            format!("参数 {arg} 后面缺少值")
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            format!("参数 {arg} 的值“{value}”不对")
        }
        ErrorKind::ArgumentConflict => format!("参数 {arg} 不能与其他参数同时使用"),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            format!("参数 {arg} 的值个数不对：{value}")
        }
        _ => "命令行有误".to_string(),
    };
    let suggested = context(ContextKind::SuggestedArg);
    let suggestion = if suggested.is_empty() {
        String::new()
    } else {
        format!("，是否要用 {suggested}？")
    };
    Some(format!(
        "{what}{suggestion}（nianbao 命令 --help 显示该命令的全部选项，nianbao 单独运行列出全部命令）"
    ))
}
