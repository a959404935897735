"""The ``anqi`` command's help speaks the configured language: Chinese by default,
English with ANQI_BABEL_DEFAULT_LOCALE=en; a plugin's commands read its own catalogue."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.cli import command_line
from core.cli_help import display_width, short_help, wrap

ROOT = Path(__file__).resolve().parent.parent
ANQI = [sys.executable, "-c", "import sys; from core.cli import main; sys.argv[0] = 'anqi'; sys.exit(main())"]


def anqi_help(app, *args):
    result = CliRunner().invoke(command_line(lambda: app), [*args, "--help"], prog_name="anqi",
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_help_is_chinese_by_default(make_app):
    app = make_app()
    top = anqi_help(app)
    assert top.startswith("用法： anqi [OPTIONS] COMMAND [ARGS]...")
    assert "安企：护企优商服务中心的业务软件。" in top
    assert "选项：" in top and "命令：" in top and "显示本帮助并退出。" in top
    assert "设置调试模式。" in top                      # Flask's own options, in our words
    assert "导入和导出企业名录。" in top                  # a group's line in the command list
    assert "综合查一次：核验已记录的随机抽取。" in top      # a plugin's group, from its own catalogue
    assert "Options" not in top and "Show this message" not in top

    page = anqi_help(app, "enterprises", "import")
    assert page.startswith("用法： anqi enterprises import [OPTIONS] FILE")
    assert "从 CSV 或 .xlsx 文件 FILE 导入企业" in page
    assert "逐行校验并报告，不写入任何数据。" in page and "未填写单位的行所归属单位的代码。" in page

    assert "[默认：300]" in anqi_help(app, "demo")
    assert "按计划 PLAN_ID 的随机种子和输入重新抽取并比对结果。" in anqi_help(app, "inspection", "verify-draw")
    assert "创建和导入用户账号；管理其密码、第二因素和锁定。" in anqi_help(app, "users")


def test_the_help_is_english_with_the_english_locale(make_app):
    app = make_app(BABEL_DEFAULT_LOCALE="en")
    top = anqi_help(app)
    assert top.startswith("Usage: anqi [OPTIONS] COMMAND [ARGS]...")
    assert "anqi (安企): software for enterprise service centres." in top
    assert "Options:" in top and "Commands:" in top and "Show this message and exit." in top
    assert "Import and export the enterprise registry." in top
    assert "Combined inspections: check recorded draws." in top
    page = anqi_help(app, "enterprises", "import")
    assert "Check every row and report; write nothing." in page and "逐行" not in page
    assert "[default: 300]" in anqi_help(app, "demo")
    assert "Run PLAN_ID's draw again" in anqi_help(app, "inspection", "verify-draw")


def test_a_plugin_command_reads_the_plugin_catalogue(make_app):
    app = make_app()
    assert app.cli.commands["inspection"].anqi_plugin == "inspection"
    assert app.cli.commands["inspection"].commands["verify-draw"].anqi_plugin == "inspection"
    assert getattr(app.cli.commands["enterprises"], "anqi_plugin", None) is None


def test_the_help_of_a_command_run_from_the_application_group(app):
    """Tests and ``flask``-style runners call app.cli directly: the help is translated there too."""
    result = CliRunner().invoke(app.cli, ["enterprises", "import", "--help"])
    assert result.exit_code == 0 and "逐行校验并报告" in result.output


def _run_anqi(database_url, tmp_path, *args, **env):
    environment = {name: value for name, value in os.environ.items() if name != "ANQI_BABEL_DEFAULT_LOCALE"}
    environment.update(ANQI_DATABASE_URL=database_url, ANQI_INSTANCE_PATH=str(tmp_path / "instance"), COLUMNS="80",
                       **env)
    done = subprocess.run(ANQI + list(args), cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_anqi_command_speaks_the_configured_language(database_url, tmp_path):
    chinese = _run_anqi(database_url, tmp_path, "--help")
    assert chinese.startswith("用法： anqi") and "导入和导出企业名录。" in chinese and "综合查一次" in chinese
    english = _run_anqi(database_url, tmp_path, "enterprises", "import", "--help", ANQI_BABEL_DEFAULT_LOCALE="en")
    assert english.startswith("Usage: anqi enterprises import") and "Check every row and report" in english
    for line in chinese.splitlines():          # a Chinese character takes two columns of the terminal
        assert display_width(line) <= 80, line


@pytest.mark.parametrize("text, width, expected", [
    ("不创建各业务模块的记录（计划、申请、会诊、项目、评估）。", 20,
     "不创建各业务模块的记\n录（计划、申请、会\n诊、项目、评估）。"),
    ("Load environment variables from this file", 20, "Load environment\nvariables from this\nfile"),
    ("一段。\n\n另一段。", 20, "一段。\n\n另一段。"),
])
def test_wrapping_counts_chinese_characters_as_two_columns(text, width, expected):
    assert wrap(text, width) == expected


def test_the_short_help_is_the_first_sentence():
    assert short_help("导入和导出企业名录。其余说明。", 60) == "导入和导出企业名录。"
    assert short_help("Import and export. More words.", 60) == "Import and export."
    assert short_help("创建一座逼真的小城演示数据：单位、各角色的用户、企业、工单以及各业务模块的记录。", 40) \
        == "创建一座逼真的小城演示数据：单位、各..."
