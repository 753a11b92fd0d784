use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// nianbao (年报): roll up a county's 政府信息公开工作年度报告 statistical tables.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read every submission under --inputs and write the outputs to --out.
    Run {
        /// Folder of submissions (.xlsx, .xlsm, .xls, .csv), searched recursively.
        #[arg(long, default_value = "inputs")]
        inputs: PathBuf,
        /// Folder holding units.csv, the roster.
        #[arg(long, default_value = "config")]
        config: PathBuf,
        /// Folder for the outputs; created if missing.
        #[arg(long, default_value = "outputs")]
        out: PathBuf,
        /// The report year, for submissions that do not state theirs.
        #[arg(long)]
        year: Option<i32>,
        /// Worker threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Write a synthetic county: DIR/config/units.csv and DIR/inputs/.
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            inputs,
            config,
            out,
            year,
            jobs,
        } => nianbao::run::run(&nianbao::run::RunOptions {
            inputs,
            config,
            out,
            year,
            jobs,
        })
        .map(|s| {
            println!(
                "{} 个文件：{} 份报告，{} 个无法读取，{} 个跳过。输出在 {}",
                s.files,
                s.submissions,
                s.unreadable,
                s.skipped,
                s.out.display()
            );
        }),
        Command::Demo {
            units,
            out,
            seed,
            year,
        } => nianbao::demo::write_county(&out, units, seed, year).map(|_| {
            println!("{units} 个单位的模拟报告已写入 {}", out.display());
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nianbao: {e}");
            ExitCode::from(2)
        }
    }
}
