use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nianbao::cmd;

/// nianbao (年报): roll up a county's 政府信息公开工作年度报告 statistical tables.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read every submission under --inputs, check it, and write the outputs to --out.
    Run {
        /// Folder of submissions (.xlsx, .xlsm, .xls, .csv), searched recursively.
        #[arg(long, default_value = "inputs")]
        inputs: PathBuf,
        /// Folder holding units.csv (the roster) and optionally nianbao.toml.
        #[arg(long, default_value = "config")]
        config: PathBuf,
        /// Folder for the outputs; created if missing.
        #[arg(long, default_value = "outputs")]
        out: PathBuf,
        /// The year being rolled up (default: the year most submissions state).
        #[arg(long)]
        year: Option<i32>,
        /// Last year's normalized.csv, for the XYEAR rules.
        #[arg(long)]
        prior: Option<PathBuf>,
        /// Worker threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Check submissions before sending them; exits 1 if any has an error.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Folder holding units.csv and nianbao.toml, if at hand.
        #[arg(long, default_value = "config")]
        config: PathBuf,
        /// Last year's normalized.csv, for the XYEAR rules.
        #[arg(long)]
        prior: Option<PathBuf>,
        /// The report year expected.
        #[arg(long)]
        year: Option<i32>,
    },
    /// 审核：生成或更新 config/review.csv，供审核人员逐条填写审核决定
    ///
    /// 列出上次运行（--out 中的 anomalies.csv）的全部错误和警告，每条一个异常编号及其说明；在 status 列填写待处理、已核实、误报或已说明，在 note 列写明理由。已作出的审核决定保留，新出现的问题记为待处理。
    ///
    /// 此后 nianbao run 和 nianbao check 按其中的决定标记每条问题：误报和已说明仍然列出，但不计入错误、警告数；已审核的问题不再出现时列为已解决；编号或状态写错的行给出警告并注明行号。也可以把 rollup.xlsx 的“异常清单”工作表填好审核状态、审核说明后另存为 config/review.xlsx。
    Review {
        /// 上次运行的输出目录（读取其中的 anomalies.csv）。
        #[arg(long, default_value = "outputs")]
        out: PathBuf,
        /// 配置目录：审核文件写为其中的 review.csv。
        #[arg(long, default_value = "config")]
        config: PathBuf,
    },
    /// List the rules, or print one rule's documentation.
    Rules {
        /// A rule id such as T3.BALANCE.
        id: Option<String>,
    },
    /// Write a synthetic county: DIR/config/units.csv, last year's normalized CSV and DIR/inputs/.
    Demo {
        /// How many units.
        #[arg(long, default_value_t = 12)]
        units: usize,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        #[arg(long, default_value_t = 2024)]
        year: i32,
        /// No injected problems: every unit consistent.
        #[arg(long)]
        clean: bool,
        /// Replace an existing county in DIR (its inputs/ and the roster).
        #[arg(long)]
        force: bool,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run {
            inputs,
            config,
            out,
            year,
            prior,
            jobs,
        } => cmd::run::run(&cmd::run::RunOptions {
            inputs,
            config,
            out,
            year,
            prior,
            jobs,
        })
        .map(|s| {
            cmd::run::print_summary(&s);
            ExitCode::SUCCESS
        }),
        Command::Check {
            files,
            config,
            prior,
            year,
        } => cmd::check::check(&cmd::check::CheckOptions {
            files,
            config,
            prior,
            year,
        })
        .map(|has_errors| ExitCode::from(u8::from(has_errors))),
        Command::Review { out, config } => {
            cmd::review::review(&cmd::review::ReviewOptions { out, config }).map(|w| {
                println!(
                    "已写入 {}：本次 {} 条问题（{} 条已有审核决定，其余为待处理）{}",
                    w.path.display(),
                    w.listed,
                    w.decided,
                    if w.kept > 0 {
                        format!("；另有 {} 条本次未出现的原有行保留在末尾", w.kept)
                    } else {
                        String::new()
                    }
                );
                println!("在“status”列填写 待处理、已核实、误报 或 已说明，“note”列写明理由，保存后重新运行 nianbao run。");
                ExitCode::SUCCESS
            })
        }
        Command::Rules { id } => cmd::rules::rules(id.as_deref()).map(|()| ExitCode::SUCCESS),
        Command::Demo {
            units,
            out,
            seed,
            year,
            clean,
            force,
        } => {
            let problems = if clean {
                Vec::new()
            } else {
                nianbao::demo::default_problems(units, seed)
            };
            nianbao::demo::write_county(&out, units, seed, year, &problems, force).map(|planned| {
                let injected = planned.iter().filter(|p| p.problem.is_some()).count();
                println!(
                    "{units} 个单位的模拟报告已写入 {}（其中 {injected} 个单位有注入的问题）",
                    out.display()
                );
                ExitCode::SUCCESS
            })
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("nianbao: {e}");
        ExitCode::from(2)
    })
}
