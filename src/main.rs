use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use nianbao::cmd;

#[cfg(not(target_env = "musl"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc asks the kernel for transparent huge pages, which it then zeroes 2 MB at a time
/// for a run's many short-lived buffers (an inflate window a zip part): at 10,000 units that
/// was 3–5% of the CPU time, 0.2 s of system time and 20–30 MB of peak memory. Off for this
/// process, before the first thread starts.
fn without_huge_pages() {
    #[cfg(all(target_os = "linux", not(target_env = "musl")))]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process; it takes no pointers.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// mimalloc keeps the memory a run frees for a second before it gives it back to the system,
/// and a run frees much while it makes the next thing (a file's inflated parts, a batch of
/// pages): at 100,000 units that held 50 MB more at the peak (588 against 534 MB). Never
/// giving it back held 560–570 MB. A tenth of a second: at 100,000 units on two threads a
/// peak of 485–487 MB, against 477–498 MB with a hundredth, and a second less of system
/// time; at 10,000 units 93 MB of peak against 88 MB, and half the page faults (36,000
/// against 65,000), which took 5% of the time. No delay at all took 25% more time (system
/// time, giving pages back one by one).
fn prompt_purging() {
    #[cfg(not(target_env = "musl"))]
    {
        /// `mi_option_purge_delay` in mimalloc.h, in milliseconds; the bindings have no
        /// constant for it.
        const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
        // A default: MIMALLOC_PURGE_DELAY in the environment still decides.
        // SAFETY: sets one of mimalloc's options, which it reads when it next purges.
        unsafe { libmimalloc_sys::mi_option_set_default(PURGE_DELAY, 100) };
    }
}

/// nianbao（年报）：汇总各单位的政府信息公开工作年度报告统计表，检查勾稽关系，生成全县汇总。
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 汇总：读取 --inputs 中的全部报送文件，检查、汇总，结果写入 --out
    ///
    /// 读取各单位报送的文件（.xlsx .xlsm .xls .csv .docx .html .txt .pdf，含子文件夹），按 config/units.csv 名单检查、汇总，写出 anomalies.csv（问题清单）、normalized.csv、rollup.csv、rollup.xlsx、每个单位的退回通知和网页（reports/index.html 为总览页）。--out 中的上次结果整体替换；与上次相比的变化写入 changes.csv。
    Run {
        /// 报送文件所在的文件夹，含子文件夹。
        #[arg(long, default_value = "inputs", value_name = "文件夹")]
        inputs: PathBuf,
        /// 配置文件夹：单位名单 units.csv，可选 nianbao.toml（规则级别）和 review.csv（审核决定）。
        #[arg(long, default_value = "config", value_name = "文件夹")]
        config: PathBuf,
        /// 结果文件夹；不存在时自动创建。
        #[arg(long, default_value = "outputs", value_name = "文件夹")]
        out: PathBuf,
        /// 汇总的年度，如 2024（默认：多数报告所写的年度）。
        #[arg(long, value_name = "年度")]
        year: Option<i32>,
        /// 上一年运行得到的 normalized.csv，用于与上年比较的规则（XYEAR.*）。
        #[arg(long, value_name = "文件")]
        prior: Option<PathBuf>,
        /// 并行线程数（默认：每个处理器核一个）。
        #[arg(long, value_name = "个数")]
        jobs: Option<usize>,
    },
    /// 自查：单位报送前检查自己的文件；有错误时退出码为 1
    Check {
        /// 要检查的文件，可以是多个。
        #[arg(required = true, value_name = "文件")]
        files: Vec<PathBuf>,
        /// 配置文件夹（有单位名单 units.csv 和 nianbao.toml 时使用）。
        #[arg(long, default_value = "config", value_name = "文件夹")]
        config: PathBuf,
        /// 上一年运行得到的 normalized.csv，用于与上年比较的规则。
        #[arg(long, value_name = "文件")]
        prior: Option<PathBuf>,
        /// 报告应属的年度，如 2024。
        #[arg(long, value_name = "年度")]
        year: Option<i32>,
    },
    /// 审核：生成或更新 config/review.csv，供审核人员逐条填写审核决定
    ///
    /// 列出上次运行（--out 中的 anomalies.csv）的全部错误和警告，每条一个异常编号及其说明；在 status 列填写待处理、已核实、误报或已说明，在 note 列写明理由。已作出的审核决定保留，新出现的问题记为待处理。
    ///
    /// 此后 nianbao run 和 nianbao check 按其中的决定标记每条问题：误报和已说明仍然列出，但不计入错误、警告数；已审核的问题不再出现时列为已解决；编号或状态写错的行给出警告并注明行号。也可以把 rollup.xlsx 的“异常清单”工作表填好审核状态、审核说明后另存为 config/review.xlsx。
    Review {
        /// 上次运行的输出目录（读取其中的 anomalies.csv）。
        #[arg(long, default_value = "outputs", value_name = "文件夹")]
        out: PathBuf,
        /// 配置目录：审核文件写为其中的 review.csv。
        #[arg(long, default_value = "config", value_name = "文件夹")]
        config: PathBuf,
    },
    /// 检查规则：列出全部规则，或说明一条规则
    ///
    /// 不带编号时，每条规则一行：编号、级别（错误、警告、提示）和一句话说明。带编号时（如 nianbao rules T3.BALANCE），显示这条规则的说明、原因、示例和如何修改。
    Rules {
        /// 规则编号，例如 T3.BALANCE（大小写均可）。
        #[arg(value_name = "规则编号")]
        id: Option<String>,
    },
    /// 生成空白统计表模板：供各单位填写的官方格式工作簿
    ///
    /// 模板包含表二、表三、表四（国办公开办函〔2021〕30号格式）、填报单位和报告年度行；数字格只能填写大于或等于 0 的整数（收费金额可有小数）；“总计”为自动求和公式并锁定；另有“填报说明”工作表。指定 --roster 时，为名单中的每个单位各生成一份已填好单位名称的模板，写入 --out 指定的文件夹。
    Template {
        /// 输出文件（默认 年报统计表模板.xlsx）；与 --roster 同用时为输出文件夹（默认 templates）。
        #[arg(long, value_name = "文件或文件夹")]
        out: Option<PathBuf>,
        /// 报告年度，例如 2024（默认：上一年，即今年一月各单位所报的年度）。
        #[arg(long, value_name = "年度")]
        year: Option<i32>,
        /// 单位名单 units.csv：为其中每个单位各生成一份模板。
        #[arg(long, value_name = "units.csv")]
        roster: Option<PathBuf>,
    },
    /// 生成说明文档：字段一览、检查规则和 CSV 示例
    ///
    /// 根据程序中的字段定义和规则，写出 字段.md、fields.csv（全部 200 项的字段编号、所在表、行、列和单位）、规则.md（每条规则的级别、说明、原因、示例和如何修改）、长表示例.csv 和 宽表示例.csv。填报格式.md 是手写的，不在其中。
    Docs {
        /// 输出文件夹；不存在时自动创建。
        #[arg(long, default_value = "docs", value_name = "文件夹")]
        out: PathBuf,
    },
    /// 模拟县：生成一个用于试用的县（单位名单、上年数据和各单位报表）
    ///
    /// 写出 文件夹/config/units.csv、上年的 normalized CSV 和 文件夹/inputs/ 中各单位的报表，格式各异，部分单位注入了常见问题。
    Demo {
        /// 单位个数。
        #[arg(long, default_value_t = 12, value_name = "个数")]
        units: usize,
        /// 写入的文件夹。
        #[arg(long, value_name = "文件夹")]
        out: PathBuf,
        /// 随机种子：同一种子生成同样的县。
        #[arg(long, default_value_t = 2024, value_name = "数字")]
        seed: u64,
        /// 报告年度。
        #[arg(long, default_value_t = 2024, value_name = "年度")]
        year: i32,
        /// 不注入问题：每个单位的表都相符。
        #[arg(long)]
        clean: bool,
        /// 替换文件夹中已有的模拟县（其 inputs/ 和名单）。
        #[arg(long)]
        force: bool,
    },
}

/// `nianbao check 文件… | head`: when the reader of the output stops, the process ends, as
/// other command-line tools do, instead of Rust's panic on the failed write to the pipe.
/// Linux ends it with the signal. Windows has none (`check … | more`, left early): there
/// `println!` panics, and the panic still ends the run, unwinding through `main` so that the
/// console's code page is put back, but without its English message.
fn quiet_when_the_reader_stops() {
    #[cfg(target_os = "linux")]
    // SAFETY: sets the default action of one signal, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    #[cfg(not(target_os = "linux"))]
    {
        let shown = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !reader_stopped(info.payload()) {
                shown(info);
            }
        }));
    }
}

/// Whether a panic is `println!`'s on a pipe whose reader has gone: std's message is
/// `failed printing to stdout: … (os error N)`, N being 232 (ERROR_NO_DATA), 109
/// (ERROR_BROKEN_PIPE) or 233 (ERROR_PIPE_NOT_CONNECTED, as under wine) on Windows, 32
/// (EPIPE) elsewhere (on Windows, 32 is a sharing violation). Any other failure to print, a
/// full disk under a redirect say, keeps its message.
#[cfg(any(not(target_os = "linux"), test))]
fn reader_stopped(payload: &dyn std::any::Any) -> bool {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    let closed_pipe: &[&str] = if cfg!(windows) {
        &["(os error 232)", "(os error 109)", "(os error 233)"]
    } else {
        &["(os error 32)"]
    };
    message.starts_with("failed printing to stdout")
        && closed_pipe.iter().any(|code| message.ends_with(code))
}

/// The files a command wrote, a line each.
fn print_written(written: &[std::path::PathBuf]) {
    for path in written {
        println!("已写入 {}", path.display());
    }
}

fn main() -> ExitCode {
    without_huge_pages();
    prompt_purging();
    quiet_when_the_reader_stops();
    let _console = console::Utf8Output::set();
    if std::env::args_os().len() <= 1 {
        // Double-clicked in Explorer: a console window of its own, which closes when nianbao
        // ends. From a terminal: a short summary of the commands.
        return if console::own_window() {
            double_click()
        } else {
            print!("{USAGE}");
            ExitCode::SUCCESS
        };
    }
    // Not `Cli::parse()`, which exits the process on --help or a bad argument: the console's
    // code page is put back on the way out of main.
    let parsed = cmd::help::in_chinese(Cli::command())
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            match cmd::help::explain(&e) {
                Some(line) => eprintln!("nianbao: {line}"),
                None => {
                    let _ = e.print();
                }
            }
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
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
        Command::Template { out, year, roster } => {
            cmd::template::write(&cmd::template::TemplateOptions {
                out,
                year: year.unwrap_or_else(nianbao::text::reporting_year),
                roster,
            }).map(
                |written| {
                    print_written(&written);
                    println!("共 {} 份模板。", written.len());
                    ExitCode::SUCCESS
                },
            )
        }
        Command::Docs { out } => cmd::docs::write(&out).map(|written| {
            print_written(&written);
            ExitCode::SUCCESS
        }),
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

/// What `nianbao` alone prints in a terminal.
const USAGE: &str = "\
nianbao（年报）：汇总各单位的政府信息公开工作年度报告统计表，检查勾稽关系，生成全县汇总。

用法：
  nianbao run [--inputs 文件夹] [--config 文件夹] [--out 文件夹] [--prior 上年normalized.csv]
      读取 inputs 中各单位报送的文件（.xlsx .xls .csv .docx .html .txt .pdf 等），按 config/units.csv 名册检查、汇总，
      结果写入 outputs（总览页 outputs/reports/index.html）
  nianbao check 文件…      报送前检查本单位的文件，有错误时退出码为 1
  nianbao review           生成或更新 config/review.csv，逐条填写审核决定（误报、已说明等）
  nianbao rules [规则编号]  列出全部检查规则，或说明一条规则
  nianbao template         生成供各单位填写的空白统计表模板（--roster 名单 为每个单位各生成一份）
  nianbao docs             生成说明文档（字段一览、检查规则、CSV 示例）
  nianbao demo --out 文件夹 生成一个模拟县（名册、上年数据和各单位报表），用于试用
  nianbao 命令 --help       某个命令的全部选项

在 Windows 上双击 nianbao.exe：读取它旁边的 inputs 和 config 文件夹，结果写入旁边的 outputs 文件夹，
完成后打开总览页。
";

/// A double-click: the county beside the exe, its outputs beside it too, the overview page
/// opened, and the window kept until Enter, so that the clerk can read what happened.
fn double_click() -> ExitCode {
    let code = match beside_exe() {
        Ok(index) => {
            println!("正在打开总览页 {}", index.display());
            if let Err(e) = open(&index) {
                println!("无法自动打开总览页（{e}），请手动打开上面的文件。");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("nianbao: {e}");
            ExitCode::from(2)
        }
    };
    println!();
    println!("按回车键关闭此窗口。");
    let _ = std::io::stdin().read_line(&mut String::new());
    code
}

/// Runs on `inputs/` and `config/` beside the exe, into `outputs/` beside it; returns the
/// overview page.
fn beside_exe() -> Result<PathBuf, String> {
    let exe =
        std::env::current_exe().map_err(|e| format!("找不到 nianbao.exe 所在的文件夹：{e}"))?;
    let dir = exe
        .parent()
        .ok_or_else(|| format!("找不到 {} 所在的文件夹", exe.display()))?;
    let inputs = dir.join("inputs");
    let config = dir.join("config");
    let roster = config.join("units.csv");
    if !inputs.is_dir() || !roster.is_file() {
        return Err(format!(
            "双击运行需要在 nianbao.exe 旁边放两个文件夹：\n  {}  放各单位报送的报表文件（.xlsx .xls .csv .docx .pdf 等，可分子文件夹）；\n  {}  放单位名册 units.csv（可参照压缩包中的示例）。\n{}",
            inputs.display(),
            config.display(),
            match (inputs.is_dir(), roster.is_file()) {
                (false, false) => "现在两者都没有。",
                (false, true) => "现在缺少 inputs 文件夹。",
                _ => "现在缺少 config\\units.csv。",
            }
        ));
    }
    let prior = cmd::run::prior_beside(&config).map(|(_, path)| path);
    println!("读取 {}", inputs.display());
    println!("名册 {}", roster.display());
    if let Some(p) = &prior {
        println!("上年数据 {}", p.display());
    }
    let s = cmd::run::run(&cmd::run::RunOptions {
        inputs,
        config,
        out: dir.join("outputs"),
        year: None,
        prior,
        jobs: None,
    })?;
    cmd::run::print_summary(&s);
    Ok(s.out.join("reports").join("index.html"))
}

/// Opens a page in the default browser.
fn open(page: &Path) -> std::io::Result<()> {
    #[cfg(windows)]
    let mut command = {
        let mut c = std::process::Command::new("cmd");
        c.arg("/c").arg("start").arg("").arg(page);
        c
    };
    #[cfg(not(windows))]
    let mut command = {
        let mut c = std::process::Command::new("xdg-open");
        c.arg(page);
        c
    };
    command.status().and_then(|s| {
        if s.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!("{s}")))
        }
    })
}

/// The console, on Windows: UTF-8 output, and whether the window is nianbao's own.
mod console {
    #[cfg(windows)]
    #[link(name = "kernel32")]
    extern "system" {
        fn GetConsoleOutputCP() -> u32;
        fn SetConsoleOutputCP(code_page: u32) -> i32;
        fn GetConsoleProcessList(list: *mut u32, count: u32) -> u32;
    }

    /// Chinese in the console while nianbao runs: what is written to it as bytes (a child
    /// process, a redirect read back) is read as UTF-8, not in the system's code page (936 on
    /// a Chinese Windows). The console's own code page is put back when this is dropped: the
    /// cmd window nianbao was started from keeps the one it had.
    pub struct Utf8Output {
        #[cfg(windows)]
        previous: u32,
    }

    impl Utf8Output {
        pub fn set() -> Self {
            #[cfg(windows)]
            // SAFETY: plain calls; without a console they fail (0), and nothing is changed.
            unsafe {
                let previous = GetConsoleOutputCP();
                if previous != 0 {
                    SetConsoleOutputCP(65001);
                }
                Utf8Output { previous }
            }
            #[cfg(not(windows))]
            Utf8Output {}
        }
    }

    #[cfg(windows)]
    impl Drop for Utf8Output {
        fn drop(&mut self) {
            if self.previous != 0 {
                // SAFETY: a plain call with the code page the console had.
                unsafe {
                    SetConsoleOutputCP(self.previous);
                }
            }
        }
    }

    /// Whether nianbao is the only process of its console: started by a double-click in
    /// Explorer, not from cmd or PowerShell (whose own process shares the console).
    pub fn own_window() -> bool {
        #[cfg(windows)]
        {
            let mut ids = [0u32; 4];
            // SAFETY: the buffer holds `ids.len()` process ids, as the count says.
            let n = unsafe { GetConsoleProcessList(ids.as_mut_ptr(), ids.len() as u32) };
            n == 1
        }
        #[cfg(not(windows))]
        false
    }
}

#[cfg(test)]
mod tests {
    use super::reader_stopped;

    /// Only a closed pipe is kept quiet, whatever the language of the system's message.
    #[test]
    fn only_a_closed_pipe_is_kept_quiet() {
        let panic = |m: &str| -> Box<dyn std::any::Any> { Box::new(m.to_string()) };
        let quiet: &[&str] = if cfg!(windows) {
            &[
                "failed printing to stdout: 管道正在被关闭。 (os error 232)",
                "failed printing to stdout: The pipe has been ended. (os error 109)",
                "failed printing to stdout: Pipe not connected. (os error 233)",
            ]
        } else {
            &["failed printing to stdout: Broken pipe (os error 32)"]
        };
        for quiet in quiet {
            assert!(reader_stopped(&*panic(quiet)), "{quiet}");
        }
        let mut shown = vec![
            "failed printing to stdout: No space left on device (os error 28)",
            "failed printing to stderr: Broken pipe (os error 32)",
            "index out of bounds: the len is 1 but the index is 32 (os error 32)",
        ];
        if cfg!(windows) {
            // ERROR_SHARING_VIOLATION there.
            shown.push(
                "failed printing to stdout: 另一个程序正在使用此文件，进程无法访问。 (os error 32)",
            );
        }
        for shown in shown {
            assert!(!reader_stopped(&*panic(shown)), "{shown}");
        }
        assert!(!reader_stopped(&7u8));
    }
}
