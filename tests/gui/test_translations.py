"""The window in the user's language: every visible string marked and translated, Chinese on screen.

Three checks, each able to fail on its own:
* an AST scan of ``tlgui/gui`` for text handed to a widget, dialog, menu or status line without
  ``tr()`` / ``QCoreApplication.translate()`` around it;
* every message in the Chinese ``.ts`` (window) and ``.po`` (engine) is translated and finished, and
  the compiled ``.qm`` / ``.mo`` are up to date with them;
* the window started in Chinese shows known translations (tabs, menus, a button), and the engine's
  sentences follow the window's language.
"""

from __future__ import annotations

import ast
import gettext
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tlgui.core import i18n

REPO = Path(__file__).resolve().parents[2]
GUI = REPO / "tlgui" / "gui"
TS_ZH = REPO / "resources" / "i18n" / "tlgui_zh_CN.ts"
TS_EN = REPO / "resources" / "i18n" / "tlgui_en.ts"
PO_ZH = REPO / "tlgui" / "locale" / "zh_CN" / "LC_MESSAGES" / "tlgui.po"

#: Calls whose text arguments a user reads: widget constructors, setters, dialogs, status lines.
UI_CALLS = {
    # constructors
    "QLabel", "QPushButton", "QToolButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction",
    "QMenu", "QProgressDialog", "QMessageBox",
    # setters and adders
    "setText", "setWindowTitle", "setToolTip", "setStatusTip", "setWhatsThis", "setPlaceholderText",
    "setTitle", "setLabelText", "setHeaderLabels", "setHorizontalHeaderLabels", "setVerticalHeaderLabels",
    "setSuffix", "setPrefix", "setSpecialValueText", "setFormat", "setInformativeText", "setDetailedText",
    "setCancelButtonText", "setTabText", "setTabToolTip", "setItemText", "addMenu", "addAction", "addTab",
    "addItem", "addItems", "insertItem", "addButton", "showMessage",
    # dialogs
    "information", "warning", "critical", "question", "about", "getSaveFileName", "getOpenFileName",
    "getOpenFileNames", "getExistingDirectory", "getText", "getItem", "getInt", "getDouble",
    # tlgui's own ways of telling the user
    "show_status", "report_error", "show_error", "show_message", "show_banner", "set_message",
    "set_status", "failed", "emit",
}
#: Exceptions that report a bug to its programmer, not a problem to the user.
BUGS = {"ValueError", "TypeError", "RuntimeError", "KeyError", "IndexError", "AssertionError", "NotImplementedError"}
#: Text that reads the same in every language.
UNTRANSLATED = {"tlgui", "ONNX", "CSV", "JSON", "OK", "Space", "Del", "CSV (*.csv)"}
LETTERS = re.compile(r"[A-Za-z]{2,}")


def _visible_literal(node: ast.AST) -> str | None:
    """The English text a node carries as a bare literal (None when it is marked or has no words)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _visible_literal(node.left) or _visible_literal(node.right)
    elif isinstance(node, ast.IfExp):
        return _visible_literal(node.body) or _visible_literal(node.orelse)
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
          and node.func.attr in ("format", "join")):
        return _visible_literal(node.func.value) if node.func.attr == "format" else None
    else:
        return None
    text = text.strip()
    if text in UNTRANSLATED or not LETTERS.search(text):
        return None
    # Keys, object names, icons, style sheets, signal kinds: identifiers, not sentences.
    if re.fullmatch(r"[\w.:/*;()\-]+", text) and " " not in text and not text[0].isupper():
        return None
    return text


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def unmarked_strings(root: Path = GUI) -> list[str]:
    """``file:line: text`` for every literal handed to a ``UI_CALLS`` call without tr()/translate()."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and _call_name(node.exc) not in BUGS:
                calls = [node.exc]
            elif isinstance(node, ast.Call) and _call_name(node) in UI_CALLS:
                calls = [node]
            else:
                continue
            for call in calls:
                for arg in [*call.args, *(k.value for k in call.keywords if k.arg not in ("objectName",))]:
                    text = _visible_literal(arg)
                    if text is not None:
                        found.append(f"{path.relative_to(root.parent)}:{arg.lineno}: {text!r}")
    return found


def test_the_scan_finds_an_unmarked_label_and_accepts_a_marked_one(tmp_path):
    (tmp_path / "page.py").write_text(
        "from PySide6.QtWidgets import QLabel\n"
        "class Page:\n"
        "    def build(self, n):\n"
        "        QLabel('Drop photos here')\n"
        "        self.status.setText(f'{n} photos loaded')\n"
        "        QLabel(self.tr('Drop photos here'))\n"
        "        self.status.setText(self.tr('%n photo(s) loaded', '', n))\n"
        "        self.setObjectName('dropZone')\n"
    )
    found = unmarked_strings(tmp_path)
    assert [line.split(": ", 1)[1] for line in found] == ["'Drop photos here'", "'photos loaded'"]


def test_every_visible_string_in_the_window_is_marked_for_translation():
    assert unmarked_strings() == []


def _messages(ts: Path):
    for context in ET.parse(ts).getroot().iter("context"):
        for message in context.iter("message"):
            yield context.findtext("name"), message


def test_every_window_message_has_a_finished_chinese_translation():
    missing = []
    for context, message in _messages(TS_ZH):
        translation = message.find("translation")
        forms = [f.text for f in translation.iter("numerusform")] or [translation.text]
        if translation.get("type") in ("unfinished", "vanished", "obsolete") or not all(forms):
            missing.append(f"{context}: {message.findtext('source')!r}")
    assert missing == []
    assert len(list(_messages(TS_ZH))) > 100


def test_every_plural_message_has_its_english_forms():
    plural_sources = {m.findtext("source") for _c, m in _messages(TS_ZH) if m.get("numerus") == "yes"}
    english = {m.findtext("source"): [f.text for f in m.iter("numerusform")] for _c, m in _messages(TS_EN)}
    assert plural_sources and set(english) == plural_sources
    for source, forms in english.items():
        assert len(forms) == 2 and all("%n" in f for f in forms), source


def test_every_engine_sentence_has_a_chinese_translation_and_the_mo_matches_the_po():
    catalogue = PO_ZH.read_text(encoding="utf-8")
    assert 'msgstr ""\n\n' not in catalogue.split("\n\n", 1)[1] + "\n\n", "an untranslated entry"
    assert "#, fuzzy" not in catalogue
    compiled = gettext.GNUTranslations(open(PO_ZH.with_suffix(".mo"), "rb"))
    ids = re.findall(r'^msgid "(.+)"$', catalogue, flags=re.M)
    assert len(ids) > 20
    for msgid in ids:
        text = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        assert compiled.gettext(text) != text, f"{text!r} missing from the compiled .mo"


def test_engine_language_follows_the_choice_and_falls_back_to_english():
    try:
        assert i18n.supported_language("zh_CN.UTF-8") == "zh_CN"
        assert i18n.supported_language("zh-Hans-CN") == "zh_CN"
        assert i18n.supported_language("zh_TW") == "en"
        assert i18n.supported_language("fr_FR") == "en"
        i18n.set_language("zh_CN")
        assert i18n._("Stopped by the user.") == "已被用户停止。"
        from tlgui.core.errors import Cancelled

        assert str(Cancelled()) == "已被用户停止。"
        i18n.set_language("en")
        assert str(Cancelled()) == "Stopped by the user."
    finally:
        i18n.set_language("en")


@pytest.fixture
def chinese(qapp):
    from tlgui.gui.language import install_language

    assert install_language(qapp, "zh_CN") == "zh_CN"
    yield
    install_language(qapp, "en")


def test_the_window_in_chinese_shows_chinese_tabs_menus_and_buttons(qtbot, chinese):
    from PySide6.QtWidgets import QPushButton

    from tlgui.gui.app import open_window

    window = open_window()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.allPagesBuilt, timeout=60_000):  # as the app does after its first paint
        window.build_remaining_pages()
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs == ["1 · 数据", "2 · 模型", "3 · 训练", "4 · 结果", "5 · 分类"]
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus[0] == "文件(&F)" and "设置(&S)" in menus and menus[-1] == "帮助(&H)"
    buttons = {b.text() for b in window.findChildren(QPushButton)}
    assert "开始训练" in buttons
    # The engine speaks the window's language: its sentences reach the user through the window.
    assert i18n.current_language() == "zh_CN"


def test_the_language_menu_saves_the_choice_for_the_next_start(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from tlgui.gui.language import LanguageMenu, saved_language, window_language

    told = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a: told.append(a[2])))
    menu = LanguageMenu()
    qtbot.addWidget(menu)
    assert saved_language() == ""
    chinese = next(a for a in menu.actions() if a.data() == "zh_CN")
    chinese.trigger()
    assert saved_language() == "zh_CN" and window_language() == "zh_CN"
    assert told == ["The new language applies the next time tlgui starts."]
    reopened = LanguageMenu()
    qtbot.addWidget(reopened)
    assert [a.data() for a in reopened.actions() if a.isChecked()] == ["zh_CN"]


def test_the_system_locale_chooses_the_language_when_nothing_is_saved(monkeypatch):
    from PySide6.QtCore import QLocale

    from tlgui.gui import language

    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("zh_CN")))
    assert language.window_language() == "zh_CN"
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("de_DE")))
    assert language.window_language() == "en"
