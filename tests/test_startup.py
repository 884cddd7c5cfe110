"""Starting fast: the window paints with only its Data page built, before torch, Pillow or the other
pages load, builds the other pages and warms torch up after; the backbone catalogue lists without
torchvision; a model file loads into a skeleton, reading no pretrained weights.

What the window's process imports is checked in fresh processes: this one has long loaded torch.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.hub

from tlgui.core.backbones import bundled, catalogue, torchvision_zoo, weights
from tlgui.core.backbones.catalogue import backbone_skeleton, get_spec, import_weights, list_backbones
from tlgui.core.backbones.staged import replace_head
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import classifier_from_bytes, classifier_to_bytes, load_classifier

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "torchvision", "timm")


def _child(code: str, tmp_path: Path, *args: str, timeout: float = 240, **env: str) -> str:
    """Run ``python -c code`` from the repository (offscreen, settings and caches in ``tmp_path``); its stdout."""
    environ = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
               "TLGUI_CACHE_DIR": str(tmp_path / "cache"), "TORCH_HOME": str(tmp_path / "torch"), **env}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=environ, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _last_json(stdout: str):
    return json.loads(stdout.strip().splitlines()[-1])


# ---- the window ---------------------------------------------------------------------------------
def test_importing_the_window_imports_no_torch(tmp_path):
    code = ("import json, sys; import tlgui.gui.app, tlgui.gui.main_window; "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    assert _last_json(_child(code, tmp_path)) == []


# Not needed to show the Data page: the engine's heavy libraries, Pillow (no photo is decoded before
# the thumbnails), the other pages' modules, what the About box and the model export use, the
# command line's sub-commands, the project file's reader and writer, and the backbone catalogue.
NOT_BEFORE_THE_FIRST_PAINT = (
    *HEAVY, "numpy", "pyqtgraph", "PIL", "importlib.metadata", "email", "statistics",
    "tlgui.gui.pages.model.model_page", "tlgui.gui.pages.train.train_page",
    "tlgui.gui.pages.results.results_page", "tlgui.gui.pages.classify.classify_page",
    "tlgui.gui.about", "tlgui.gui.model_export",
    "tlgui.cli.options", "tlgui.cli.terminal", "tlgui.cli.interrupt", "tlgui.cli.commands",
    "tlgui.core.project", "tlgui.core.models.classifier",
    "tlgui.core.backbones.catalogue", "tlgui.core.backbones.weights",
)

_FIRST_PAINT = """
import json, sys
import tlgui.cli.main  # first, as in ``python -m tlgui``
from tlgui.gui import app as app_module
app = app_module.make_application(["tlgui"])
window = app_module.open_window()
seen = {}

def painted():
    import PySide6.QtWidgets
    seen["loaded"] = [m for m in sys.argv[1:] if m in sys.modules]
    # PySide makes a class's Python type, enums and all, when it is first named. QWizard, QMdiArea
    # and QCalendarWidget, used nowhere in tlgui, are made only when every QtWidgets class is (what
    # a first QAbstractScrollArea.viewport() does); QStyle (566 enum members) only for a bin's
    # warning icon, and the demo's bins have none.
    seen["unused_types"] = [name for name in ("QWizard", "QMdiArea", "QCalendarWidget", "QStyle")
                            if isinstance(vars(PySide6.QtWidgets).get(name), type)]
    seen["built"] = [window.built_page(i) is not None for i in range(window.tabs.count())]
    page = window.data_page
    seen["window"] = {
        "title": window.windowTitle(), "menus": [a.text() for a in window.menuBar().actions()],
        "tabs": [window.tabs.tabText(i) for i in range(window.tabs.count())],
        "shown": window.tabs.currentWidget() is page and page.isVisible(),
        "bins": {name: panel.model.rowCount() for name, panel in page.panels.items() if panel.isVisible()},
    }
    window.close()

app_module.FirstPaint(window).painted.connect(painted)
window.show()
app.exec()
print(json.dumps(seen))
"""


def test_the_first_paint_shows_the_window_and_the_demo_bins_before_anything_else_loads(tmp_path):
    from tlgui.gui.main_window import TAB_TITLES

    result = _last_json(_child(_FIRST_PAINT, tmp_path, *NOT_BEFORE_THE_FIRST_PAINT))
    assert result["loaded"] == []
    assert result["unused_types"] == []
    assert result["built"] == [True, False, False, False, False]  # the Data page alone
    shown = result["window"]
    assert shown["title"] == "Untitled[*]"
    assert shown["menus"] == ["&File", "&Edit", "&Settings", "&Help"] and shown["tabs"] == list(TAB_TITLES)
    assert shown["shown"]
    assert set(shown["bins"]) == {"ants", "bees"} and all(count > 0 for count in shown["bins"].values())


_FIRST_PAINT_WITH_A_PROJECT = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QTimer
import tlgui.cli.main
from tlgui.gui import app as app_module
app = app_module.make_application(["tlgui"])
project = Path(sys.argv[1])
window = app_module.open_window(project, read_later=True)
seen = {}

def painted():
    seen["torch_at_paint"] = "torch" in sys.modules
    seen["editable_at_paint"] = window.centralWidget().isEnabled() or window.menuBar().isEnabled()
    slot = app_module.read_project_in_background(window, project)
    poll = QTimer(window, interval=20)
    poll.timeout.connect(lambda: slot.busy or app.exit(0))
    poll.start()

app_module.FirstPaint(window).painted.connect(lambda: QTimer.singleShot(0, painted))
window.show()
QTimer.singleShot(120_000, lambda: app.exit(1))
app.exec()
seen["opened"] = str(window.controller.path)
seen["classes"] = window.controller.dataset.class_names
seen["runs_with_models"] = sum(run.classifier is not None for run in window.controller.runs)
seen["editable"] = window.centralWidget().isEnabled() and window.menuBar().isEnabled()
print(json.dumps(seen), flush=True)
import os
os._exit(0)
"""


def test_a_project_given_at_start_is_read_once_the_window_has_painted(tmp_path):
    """Its runs' models bring torch in: the window paints before, disabled until the project is there."""
    project = tmp_path / "pets.tlgui"
    _child(_SAVE_A_TRAINED_PROJECT, tmp_path, str(project))
    result = _last_json(_child(_FIRST_PAINT_WITH_A_PROJECT, tmp_path, str(project)))
    assert result["torch_at_paint"] is False and result["editable_at_paint"] is False
    assert result["opened"] == str(project) and result["classes"] == ["ants", "bees"]
    assert result["runs_with_models"] == 1 and result["editable"] is True


_SAVE_A_TRAINED_PROJECT = """
import sys
from pathlib import Path
from tlgui.core.backbones.catalogue import create_backbone, get_spec
from tlgui.core.backbones.staged import replace_head
from tlgui.core.data.demo import demo_dataset
from tlgui.core.models.classifier import Classifier
from tlgui.core.project import Project, save_project
from tlgui.core.training.config import TrainConfig
from tlgui.core.training.runs import RunHistory, run_from_classifier
net = replace_head(create_backbone("efficientnet_lite0"), 2, seed=5).eval()
classifier = Classifier(net, ["ants", "bees"], "efficientnet_lite0", get_spec("efficientnet_lite0").preprocessing)
runs = RunHistory([run_from_classifier(classifier, 1)], in_use_id=1)
save_project(Project(demo_dataset(), "efficientnet_lite0", TrainConfig(), runs), Path(sys.argv[1]))
"""


def test_exit_after_first_paint_prints_when_the_window_painted_then_when_every_page_is_built(tmp_path):
    started = time.time()
    stdout = _child("from tlgui.cli.main import entry_point; entry_point()", tmp_path,
                    TLGUI_EXIT_AFTER_FIRST_PAINT="1")
    lines = [line.split() for line in stdout.splitlines() if line.startswith(("first-paint ", "all-pages "))]
    assert [name for name, _ in lines] == ["first-paint", "all-pages"]
    painted, all_pages = (float(stamp) for _, stamp in lines)
    assert started < painted <= all_pages < time.time()


def test_exit_after_first_paint_still_closes_the_window_when_nobody_reads_the_times(tmp_path):
    read, write = os.pipe()
    os.close(read)  # as in ``python -m tlgui | head -1`` once head has gone
    environ = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
               "TLGUI_EXIT_AFTER_FIRST_PAINT": "1"}
    try:
        done = subprocess.run([sys.executable, "-m", "tlgui"], cwd=REPO, env=environ, stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "BrokenPipeError" not in done.stderr


_WARM_UP = """
import json, os, sys
from PySide6.QtCore import QTimer
from tlgui.gui import app as app_module
app = app_module.make_application(["tlgui"])
window = app_module.open_window()
window.show()
form = window.train_page.form
before = [form.device.itemData(i) for i in range(form.device.count())]
form.device.setCurrentIndex(form.device.findData("cpu"))
slot = app_module.warm_up(window)
poll = QTimer(interval=50)
# exit(), not quit(): quit() closes the window first, which asks about the changed settings.
poll.timeout.connect(lambda: window.controller.network is not None and app.exit(0))
poll.start()
QTimer.singleShot(180_000, lambda: app.exit(0))
app.exec()
after = [form.device.itemData(i) for i in range(form.device.count())]
from tlgui.core.runtime.device import available_devices
network = window.controller.network
print(json.dumps({"before": before, "after": after, "available": available_devices(), "chosen": form.device.currentData(),
                  "network": None if network is None else network.backbone_id, "busy": window.model_page.busy,
                  "dynamo": "torch._dynamo" in sys.modules, "pyqtgraph": "pyqtgraph" in sys.modules}),
      flush=True)
os._exit(0)  # the thumbnails' threads may still run: no teardown
"""


@pytest.mark.slow
def test_warm_up_loads_torch_then_the_backbone_and_offers_the_devices_found(tmp_path):
    result = _last_json(_child(_WARM_UP, tmp_path))
    assert result["before"] == ["auto", "cuda", "mps", "cpu"]  # every kind, until torch has looked
    assert result["after"] == ["auto", *result["available"]]
    assert result["chosen"] == "cpu"  # the choice made meanwhile stays
    assert result["network"] == "efficientnet_lite0"  # the project's backbone, built in the background
    assert result["busy"] is False  # by the warm-up, not as the Model page's work: closing asks nothing
    assert result["dynamo"] is True  # what the first optimizer imports (1.6 s) is not left for Start
    # Nor the curves' pyqtgraph (0.55 s of the window's thread) for the first visit of the Train page.
    assert result["pyqtgraph"] is True


# ---- the catalogue --------------------------------------------------------------------------------
def test_listing_the_backbones_and_their_weights_imports_no_torch(tmp_path):
    code = ("import json, sys; from tlgui.core.backbones import list_backbones, weights_status; "
            "status = {s.id: weights_status(s.id) for s in list_backbones()}; "
            f"print(json.dumps([[m for m in {HEAVY!r} if m in sys.modules], status]))")
    loaded, status = _last_json(_child(code, tmp_path))
    assert loaded == []
    assert status["efficientnet_lite0"] == "bundled" and set(status.values()) == {"bundled", "missing"}


@pytest.mark.parametrize("spec", list_backbones()[1:], ids=lambda spec: spec.id)
def test_each_torchvision_entry_is_what_torchvision_says(spec):
    """The catalogue's written-out metadata against the installed torchvision's weights API."""
    w = torchvision_zoo.default_weights(spec.id)
    assert spec.weights_name == str(w)
    assert spec.weights_url == w.url and spec.weights_filename == weights.filename_from_url(w.url)
    assert spec.params == w.meta["num_params"]
    assert spec.download_mb == round(float(w.meta["_file_size"]), 1)
    assert spec.preprocessing == torchvision_zoo.preprocessing_of(w)


@pytest.mark.parametrize(
    "env", [{}, {"XDG_CACHE_HOME": "xdg"}, {"TORCH_HOME": "home"}, {"XDG_CACHE_HOME": "xdg", "TORCH_HOME": "home"}]
)
def test_the_weights_folder_before_torch_loads_is_torch_hubs(env, tmp_path, monkeypatch):
    for name in ("XDG_CACHE_HOME", "TORCH_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, str(tmp_path / value))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)  # as in a process where torch.hub.set_dir was never called
    expected = Path(torch.hub.get_dir()) / "checkpoints"
    monkeypatch.delitem(sys.modules, "torch.hub")  # as before torch has loaded
    assert weights.checkpoints_dir() == expected


# ---- the model file -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_class_classifier(bundled_network) -> Classifier:
    net = replace_head(copy.deepcopy(bundled_network), 2, seed=3).eval()
    return Classifier(net, ["ants", "bees"], net.backbone_id, get_spec(net.backbone_id).preprocessing)


def test_a_model_file_loads_without_pretrained_weights_or_a_second_copy(two_class_classifier, tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    path.write_bytes(classifier_to_bytes(two_class_classifier))

    def no_pretrained_weights():
        raise AssertionError("the bundled weights were read to open a model file")

    monkeypatch.setattr(bundled, "weights_path", no_pretrained_weights)
    loaded = load_classifier(path)
    tensors = [*loaded.network.parameters(), *loaded.network.buffers()]
    assert not any(t.is_meta for t in tensors)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(loaded.network(x), two_class_classifier.network.eval()(x))


def test_a_model_from_bytes_owns_its_weights(two_class_classifier):
    data = classifier_to_bytes(two_class_classifier)
    snapshot = bytes(bytearray(data))  # a copy of its own
    loaded = classifier_from_bytes(data)
    with torch.no_grad():
        for param in loaded.network.parameters():
            param.add_(1.0)  # training a loaded model writes into its weights
    assert data == snapshot  # the caller's bytes are untouched
    reloaded = classifier_from_bytes(data)
    head = "stages.head.weight"
    assert torch.equal(loaded.network.state_dict()[head], reloaded.network.state_dict()[head] + 1.0)


@pytest.mark.parametrize(("backbone_id", "on_meta"), [
    ("efficientnet_lite0", True), ("mobilenet_v3_small", True), ("regnet_y_800mf", False),
])
def test_a_skeleton_has_its_backbones_names_and_shapes(backbone_id, on_meta):
    skeleton = backbone_skeleton(backbone_id).state_dict()
    if get_spec(backbone_id).bundled:
        real = bundled.create_lite0(pretrained=False).state_dict()
    else:
        real = torchvision_zoo.stage_model(backbone_id, torchvision_zoo.build_architecture(backbone_id)).state_dict()
    assert [(k, v.shape, v.dtype) for k, v in skeleton.items()] == [(k, v.shape, v.dtype) for k, v in real.items()]
    assert all(v.is_meta == on_meta for v in skeleton.values())


def test_regnet_weights_can_be_imported(tmp_path, monkeypatch):
    """RegNet cannot be built on the meta device; checking a weights file for it falls back to the CPU."""
    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path / "hub"))
    state = torchvision_zoo.build_architecture("regnet_y_800mf").state_dict()
    file = tmp_path / "regnet.pth"
    torch.save(state, file)
    cached = import_weights("regnet_y_800mf", file)
    assert cached == weights.cached_path(get_spec("regnet_y_800mf").weights_filename) and cached.is_file()
    assert catalogue.weights_status("regnet_y_800mf") == "cached"
