"""The window in the user's language: every visible string marked and translated, Chinese on screen.

Four checks, each able to fail on its own:
* an AST scan of ``tlgui/gui`` for text handed to a widget, dialog, menu or status line without
  ``tr()`` / ``QCoreApplication.translate()`` around it, and for sentences kept unmarked where a
  helper hands them on (returned, assigned, in a table);
* every message in the Chinese ``.ts`` (window) and ``.po`` (engine) is translated and finished, and
  the compiled ``.qm`` / ``.mo`` are up to date with them;
* the window started in Chinese shows known translations (tabs, menus, a button), and the engine's
  sentences follow the window's language;
* the window in Chinese, driven through every page and the Train page's states with real photos,
  shows no English word but names (``screen_text``): what no scan of the code can follow.
"""

from __future__ import annotations

import ast
import gettext
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from screen_text import english_words, screen_texts

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
    "QMenu", "QProgressDialog", "QMessageBox", "QStandardItem", "QTableWidgetItem", "QListWidgetItem",
    # setters and adders
    "setText", "setWindowTitle", "setToolTip", "setStatusTip", "setWhatsThis", "setPlaceholderText",
    "setTitle", "setLabelText", "setHeaderLabels", "setHorizontalHeaderLabels", "setVerticalHeaderLabels",
    "setSuffix", "setPrefix", "setSpecialValueText", "setFormat", "setInformativeText", "setDetailedText",
    "setCancelButtonText", "setTabText", "setTabToolTip", "setItemText", "addMenu", "addAction", "addTab",
    "addItem", "addItems", "insertItem", "addButton", "showMessage", "addRow", "insertRow",
    # dialogs
    "information", "warning", "critical", "question", "about", "getSaveFileName", "getOpenFileName",
    "getOpenFileNames", "getExistingDirectory", "getText", "getItem", "getInt", "getDouble",
    # tlgui's own ways of telling the user
    "show_status", "report_error", "show_error", "show_message", "show_banner", "set_message",
    "set_status", "failed", "emit",
    # text painted by hand (a delegate, a placeholder)
    "drawText",
}
#: Exceptions that report a bug to its programmer, not a problem to the user.
BUGS = {"ValueError", "TypeError", "RuntimeError", "KeyError", "IndexError", "AssertionError", "NotImplementedError"}
#: Text that reads the same in every language.
UNTRANSLATED = {"tlgui", "ONNX", "CSV", "JSON", "OK", "Space", "Del", "CSV (*.csv)", "MB"}
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


#: Modules whose words never reach the window: they speak to a terminal before Qt starts.
TERMINAL_ONLY = {"system_libraries.py"}
STYLE_SHEET = re.compile(r"[\w-]+\s*:\s*[^;{}]+;")


def _prose(node: ast.AST) -> str | None:
    """The English of a bare literal that reads as words to a person (two words or more), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    else:
        return None
    words = re.sub(r"<[^>]*>", " ", text)  # markup around words is not words
    if len(LETTERS.findall(words)) < 2 or " " not in words.strip() or STYLE_SHEET.search(text):
        return None
    return text


def _held_literals(node: ast.AST):
    """The literals an expression is made of, not looking into calls (a tr() call marks its own)."""
    if isinstance(node, ast.Constant | ast.JoinedStr):
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _held_literals(node.body)
        yield from _held_literals(node.orelse)
    elif isinstance(node, ast.BinOp):
        yield from _held_literals(node.left)
        yield from _held_literals(node.right)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        yield from _held_literals(node.func.value)


def unmarked_prose(root: Path = GUI) -> list[str]:
    """``file:line: text`` for each English sentence a window module keeps without tr() around it:
    returned from a function, assigned to a name, or held in a dict, tuple, list or set. These are
    the ways text reaches ``setText()`` through a helper, where ``unmarked_strings`` cannot follow."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name in TERMINAL_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Return | ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value is not None:
                held = [node.value]
            elif isinstance(node, ast.Dict):
                held = node.values
            elif isinstance(node, ast.Tuple | ast.List | ast.Set):
                held = node.elts
            else:
                continue
            for value in held:
                for literal in _held_literals(value):
                    if (text := _prose(literal)) is not None:
                        found.append(f"{path.relative_to(root.parent)}:{literal.lineno}: {text!r}")
    return found


def test_the_prose_scan_follows_text_through_helpers_tables_and_names(tmp_path):
    (tmp_path / "page.py").write_text(
        "from PySide6.QtCore import QT_TRANSLATE_NOOP\n"
        "TITLES = {'auto': 'Automatic choice', 'cpu': QT_TRANSLATE_NOOP('Form', 'The processor')}\n"
        "STYLE = 'QLabel { color: gray; border: 1px solid; }'\n"
        "def phase(head):\n"
        "    return 'the new head' if head else 'fine-tune'\n"
        "class Page:\n"
        "    def text(self, n):\n"
        "        line = f'Epoch {n} is done'\n"
        "        lines = [self.tr('Time on this computer'), 'Instead: later']\n"
        "        return self.tr('{n} epochs run').format(n=n) + line\n"
        "    def key(self):\n"
        "        return 'train_settings'\n"
    )
    found = [line.split(": ", 1)[1] for line in unmarked_prose(tmp_path)]
    assert found == ["'Automatic choice'", "'the new head'", "'Epoch {} is done'", "'Instead: later'"]


def test_no_sentence_reaches_the_window_unmarked_through_a_helper():
    assert unmarked_prose() == []


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


def test_no_code_comment_reaches_the_translators_as_a_note():
    # lupdate hands a "#:" comment to the translators as a note on the next tr() message, wherever
    # that is: "#:" over a constant once labelled a sentence about correct photos with "The widest
    # the true class names ... may be, in pixels". The window's code documents with "#" only.
    notes = [(context, message.findtext("source"), message.findtext("extracomment"))
             for ts in (TS_ZH, TS_EN) for context, message in _messages(ts) if message.find("extracomment") is not None]
    assert notes == []


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


# -- what the window shows in Chinese, read back from its widgets --------------------------------------

#: Words that read the same in Chinese: names of formats, devices and keys, the app, a language's own name.
SAME_IN_EVERY_LANGUAGE = {
    "tlgui", "ONNX", "CSV", "JSON", "PNG", "JPEG", "MB", "GB", "px", "GPU", "CPU", "CUDA", "MPS", "NVIDIA", "Apple",
    "PyTorch", "ImageNet", "Ctrl", "Shift", "Alt", "Del", "Delete", "Space", "Enter", "Esc", "English",
}
#: Families of networks, named as their authors name them (whole titles come from the catalogue).
ARCHITECTURES = {"EfficientNet", "EfficientNet-Lite0", "MobileNet", "ResNet", "RegNet", "ConvNeXt", "Swin",
                 "Transformer", "ViT"}
#: Folder names a sentence quotes as they are on disk.
FOLDER_NAMES = ("train/val",)


def test_the_screen_reader_finds_english_left_in_a_chinese_window(qtbot):
    from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

    page = QWidget()
    qtbot.addWidget(page)
    form = QFormLayout(page)
    combo = QComboBox()
    combo.addItems(["自动", "Automatic (fastest available)"])
    form.addRow("Validation share:", combo)
    form.addRow("类别 red 的照片：photo_1.png", QLabel("<b>EfficientNet-Lite0</b> 已就绪"))
    page.setToolTip("放大显示 (Space)")
    texts = dict((text, where) for where, text in screen_texts(page))
    assert texts["Automatic (fastest available)"] == "QComboBox item"
    assert "EfficientNet-Lite0 已就绪" in texts  # rich text as it reads
    names = ["red", "photo_1.png"]
    english = {text: english_words(text, names, SAME_IN_EVERY_LANGUAGE | ARCHITECTURES) for text in texts}
    assert {text: words for text, words in english.items() if words} == {
        "Automatic (fastest available)": ["Automatic", "fastest", "available"],
        "Validation share:": ["Validation", "share"],
    }
    # A class name counts only as a whole word: "reduce" is English even in a project with a class "red".
    assert english_words("reduce 了", ["red"], set()) == ["reduce"]


class _ChineseScreens:
    """Reads a window's texts in each state a test brings it to, and keeps the English ones."""

    def __init__(self, window, photos, network):
        from tlgui.core.backbones.catalogue import list_backbones
        from tlgui.core.plan.freezing import layer_tree

        self.window = window
        self.names = [str(photos), *(p.name for p in photos.rglob("*.png")), *FOLDER_NAMES,
                      *(s.english_title for s in list_backbones() if not s.bundled)]
        nodes, identifiers = [layer_tree(network)], set()
        while nodes:  # the layer tree shows the network's own module names and types
            node = nodes.pop()
            identifiers |= {node.name, node.path, node.type_name}
            nodes.extend(node.children)
        self.identifiers = identifiers
        self.english: dict[str, str] = {}

    def read(self, state: str) -> None:
        names = [*self.names, *self.window.controller.dataset.class_names]
        for where, text in screen_texts(self.window):
            if text in self.identifiers:
                continue
            if english_words(text, names, SAME_IN_EVERY_LANGUAGE | ARCHITECTURES):
                self.english.setdefault(text, f"{state}: {where}")


@pytest.mark.slow
def test_every_page_in_every_state_speaks_chinese(qtbot, chinese, tmp_path, monkeypatch):
    """The window in Chinese, driven through every page: each text it shows has no English left.

    Train is seen idle with its time estimate, running (a fine-tune after the head, held at its
    first fine-tune epoch), finished, and stopped; then Results with two runs, and Classify with
    one photo and with several. (The About box is left out: it is names of packages and licences.)
    """
    import threading
    from dataclasses import replace

    from pages_support import isolate_caches, write_learnable_classes

    from tlgui.core.plan import estimate as estimate_module
    from tlgui.gui.controller import ProjectController
    from tlgui.gui.main_window import MainWindow
    from tlgui.gui.pages.results.runs_table import NAME
    from tlgui.gui.pages.train import train_page as train_page_module

    isolate_caches(monkeypatch, tmp_path)
    photos = tmp_path / "photos"
    paths = write_learnable_classes(photos, {"red": 8, "blue": 8})
    # The estimate from a stored speed: the page counts photos and reads the cache, without measuring.
    store = estimate_module.SpeedStore(tmp_path / "speeds.json")
    monkeypatch.setattr(estimate_module, "network_speed", lambda net, *a, **k: (estimate_module.NetworkSpeed(
        tuple(net.stage_names), (0.01,) * len(net.stage_names), (0.03,) * len(net.stage_names), 0.001, 0.05), False))
    unstored_estimate = estimate_module.estimate_plan  # the page imports it when it estimates
    monkeypatch.setattr(estimate_module, "estimate_plan", lambda *a, **k: unstored_estimate(*a, store=store, **k))
    # The run waits at its first fine-tune epoch until the running page has been read.
    release, original = threading.Event(), train_page_module.ReportingCallback.on_epoch_end

    def on_epoch_end(callback, stats):
        original(callback, stats)
        if stats.epoch == stats.epochs // 2 + 1:
            release.wait(60)

    monkeypatch.setattr(train_page_module.ReportingCallback, "on_epoch_end", on_epoch_end)

    controller = ProjectController()
    window = MainWindow(controller)
    controller.setParent(window)
    window.resize(1280, 800)
    window.show()
    try:
        screens = None
        with qtbot.waitSignal(window.data_page.intake.done, timeout=60000):
            window.data_page.add_paths([photos])
        window.tabs.setCurrentWidget(window.model_page)
        qtbot.waitUntil(lambda: controller.network is not None and not window.model_page.busy, timeout=60000)
        screens = _ChineseScreens(window, photos, controller.network)
        window.tabs.setCurrentWidget(window.data_page)
        screens.read("data")
        window.tabs.setCurrentWidget(window.model_page)
        screens.read("model")

        page = window.train_page
        controller.set_config(replace(controller.config, freeze_level=1, epochs=1, early_stopping_patience=None,
                                      cached_views=0))
        window.tabs.setCurrentWidget(page)
        qtbot.waitUntil(lambda: not page.estimate_slot.busy and page.estimate_label.text().count("\n") >= 1,
                        timeout=60000)
        screens.read("train, idle")
        page.start()
        qtbot.waitUntil(lambda: len(page.curves.history) == 2, timeout=120000)
        screens.read("train, fine-tuning")
        release.set()
        qtbot.waitUntil(lambda: not page.busy, timeout=120000)
        screens.read("train, finished")
        release.clear()
        controller.set_config(replace(controller.config, freeze_level=0, epochs=10))
        page.start()
        qtbot.waitUntil(lambda: len(page.curves.history) == 6, timeout=120000)
        page.stop()
        release.set()
        qtbot.waitUntil(lambda: not page.busy, timeout=120000)
        screens.read("train, stopped")

        window.tabs.setCurrentWidget(window.results_page)
        screens.read("results")
        # Default run names read in the window's language, and stay the default when left as shown.
        runs = window.results_page.runs_model
        assert [runs.index(row, NAME).data() for row in range(2)] == ["运行 2", "运行 1"]
        assert runs.setData(runs.index(1, NAME), "运行 1") and controller.runs.get(1).name == "Run 1"
        classify = window.classify_page
        window.tabs.setCurrentWidget(classify)
        for chosen in ([paths["red"][0]], [paths["red"][1], paths["blue"][1]]):
            with qtbot.waitSignal(classify.predictionsReady, timeout=60000):
                classify.classify_paths(chosen)
            screens.read(f"classify, {len(chosen)} photo(s)")
    finally:
        release.set()
        window.shutdown()
        controller.mark_clean()
        window.close()
    assert screens is not None
    assert not screens.english, "English left on screen:\n" + "\n".join(
        f"  {where}: {text!r}" for text, where in screens.english.items())
