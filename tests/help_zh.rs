//! The command line speaks Chinese: every command's help, and a mistake on the command line.

mod common;

use common::nianbao;

#[test]
fn every_commands_help_is_in_chinese() {
    let commands = [
        "run", "check", "review", "rules", "template", "docs", "demo",
    ];
    let mut helps = vec![nianbao(&["--help"])];
    for command in commands {
        helps.push(nianbao(&[command, "--help"]));
        helps.push(nianbao(&[command, "-h"]));
    }
    for help in helps {
        assert!(help.status.success());
        let text = String::from_utf8(help.stdout).unwrap();
        assert!(text.contains("用法："), "{text}");
        assert!(text.contains("显示帮助"), "{text}");
        for english in [
            "Usage",
            "Options",
            "Print help",
            "[default:",
            "[OPTIONS]",
            "Arguments",
        ] {
            assert!(!text.contains(english), "{english} in\n{text}");
        }
    }
}

#[test]
fn a_mistake_on_the_command_line_is_one_chinese_line_with_what_to_do() {
    for (args, said) in [
        (
            &["run", "--yera", "2024"][..],
            "不认识参数 --yera，是否要用 --year？",
        ),
        (
            &["run", "--year", "abc"],
            "参数 --year <年度> 的值“abc”不对",
        ),
        (&["check"], "缺少参数 <文件>..."),
        (&["frob"], "没有 frob 这个命令"),
    ] {
        let out = nianbao(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = String::from_utf8(out.stderr).unwrap();
        assert!(text.contains(said), "{args:?}: {text}");
        assert!(text.contains("--help"), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }
}
