"""Chinese text uses full-width punctuation: no msgstr of a zh catalogue (core's and
each plugin's) puts a half-width , : ; ( ) ! ? next to a Chinese character.
Placeholders (%(name)s, {name}), URLs and times such as 12:30 are not text."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted([ROOT / "core" / "translations"] + [p / "translations" for p in (ROOT / "plugins").iterdir()
                                                          if (p / "__manifest__.py").is_file()])
CJK = "\u4e00-\u9fff"
HALF_WIDTH = re.compile(rf"[{CJK}][,:;()!?]|[,:;()!?](?=[{CJK}])")
NOT_TEXT = re.compile(r"%\([^)]*\)[-#0 +]*\d*[sdifr]|%[sdif]|\{[^}]*\}|\S+://\S+")


def half_width(text: str) -> list[str]:
    text = NOT_TEXT.sub("X", text)
    return [text[max(0, m.start() - 6):m.end() + 6] for m in HALF_WIDTH.finditer(text)]


def test_the_check_finds_half_width_punctuation():
    assert half_width("状态: 草稿") and half_width("治安,派出所") and half_width("（见附件)")
    assert not half_width("状态：%(status)s") and not half_width("于 12:30 开始") and not half_width("见 http://a.b/c:d")


@pytest.mark.parametrize("translations", CATALOGUES, ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_chinese_strings_use_full_width_punctuation(translations):
    with (translations / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f, locale="zh_Hans_CN")
    found = []
    for message in catalogue:
        for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
            if text and (bad := half_width(text)):
                found.append(f"{message.id!r} → {text!r}: {bad}")
    assert found == [], "\n" + "\n".join(found)
