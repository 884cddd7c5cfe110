"""Fuzzing the project loader: any file gives a project or one ``TlguiError`` sentence, nothing else.

Hypothesis throws byte flips of real projects, JSON documents (``project.json`` and a run's
``runs/<id>.json``) with any value in any field, edited JSON text and generated zips (odd names,
duplicates, every compression, runs' members) at ``load_project``. Each test is capped by its number
of examples so that the whole file runs in seconds.
"""

from __future__ import annotations

import copy
import io
import json
import math
import warnings
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlgui.core.backbones import get_spec
from tlgui.core.backbones.staged import replace_head
from tlgui.core.data.bins import DataSet
from tlgui.core.errors import TlguiError
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import classifier_to_bytes
from tlgui.core.plan.regime import Regime
from tlgui.core.project import (
    MODEL_MEMBER,
    PROJECT_JSON,
    Project,
    load_project,
    run_document_member,
    run_model_member,
    save_project,
)
from tlgui.core.training.metrics import EvaluationReport, ValPrediction
from tlgui.core.training.runs import Run, RunHistory, RunStatus, validation_key
from tlgui.core.training.summary import EpochStats, RunTimings
from tlgui.core.training.trainer import TrainConfig

BACKBONE = "efficientnet_lite0"
FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _dataset() -> DataSet:
    return DataSet.from_dict(
        {
            "version": 1,
            "classes": [
                {"name": "ants", "items": [{"path": "/photos/ants/a 1.jpg", "digest": "aa11", "split": None},
                                           {"path": "/photos/ants/a2.jpg", "digest": "aa22", "split": "val"}]},
                {"name": "蜜蜂 bees", "items": [{"path": "/photos/bees/b.jpg", "digest": "bb11", "split": "train"}]},
            ],
            "skipped": [{"path": "/photos/x.heic", "reason": "unsupported format"}],
        }
    )


def _run(run_id: int, status: RunStatus) -> Run:
    """A run whose model was let go: its record alone, as small as a real one of three photos."""
    predictions = [ValPrediction(Path("/photos/ants/a2.jpg"), "ants", "蜜蜂 bees", 0.75),
                   ValPrediction(Path("/photos/bees/b.jpg"), "蜜蜂 bees", "蜜蜂 bees", 0.5)]
    report = EvaluationReport(["ants", "蜜蜂 bees"], [[0, 1], [0, 1]], [0.0, 0.5], [0.0, 1.0], 0.5, predictions)
    history = [EpochStats(1, 3, 0.7, 0.69, 0.5, 1.5, 0.001, best=True), EpochStats(2, 3, float("nan"), 0.7, 0.5, 1.0, 0.001)]
    config = TrainConfig(epochs=3, freeze_level=1, trainable_overrides={"stages.stem": True})
    return Run(run_id, f"Run {run_id}", datetime(2024, 5, 1, 12, 0, tzinfo=UTC), status, BACKBONE, Regime.PARTIAL, 1,
               config, history, 1, RunTimings(1.0, 2.5, 0.5, 4.0), report, validation_key(predictions),
               predictions_left_out=run_id - 1, train_photos=1)


def _small_project() -> Project:
    config = TrainConfig(epochs=3, freeze_level=1, trainable_overrides={"stages.stem": True})
    runs = RunHistory([_run(1, RunStatus.FINISHED), _run(3, RunStatus.STOPPED)])
    return Project(_dataset(), BACKBONE, config, runs)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def small_project_bytes(folder) -> bytes:
    save_project(_small_project(), folder / "small.tlgui")
    return (folder / "small.tlgui").read_bytes()


@pytest.fixture(scope="module")
def document(small_project_bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(small_project_bytes)) as archive:
        return json.loads(archive.read(PROJECT_JSON))


@pytest.fixture(scope="module")
def run_members(small_project_bytes) -> list[tuple[str, bytes, int]]:
    """The small project's runs' members, as written: to zip beside a fuzzed project.json."""
    with zipfile.ZipFile(io.BytesIO(small_project_bytes)) as archive:
        return [(name, archive.read(name), zipfile.ZIP_DEFLATED) for name in archive.namelist() if name != PROJECT_JSON]


@pytest.fixture(scope="module")
def run_document(small_project_bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(small_project_bytes)) as archive:
        return json.loads(archive.read(run_document_member(1)))


def _outcome(path: Path) -> Project | None:
    """The project, or None when it was refused with a TlguiError; anything else fails the test."""
    try:
        return load_project(path)
    except TlguiError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
        return None


def _check_usable(project: Project, folder: Path) -> None:
    """A project that loads has the types the app relies on, and saves and loads again unchanged."""
    config = project.config
    assert isinstance(project.backbone_id, str)
    assert type(config.epochs) is int and type(config.batch_size) is int
    assert config.learning_rate is None or math.isfinite(config.learning_rate)
    assert all(type(v) is bool for v in config.trainable_overrides.values())
    for run in project.runs:
        assert isinstance(run.name, str) and isinstance(run.status, RunStatus)
        report = run.report
        if report is not None:
            assert all(isinstance(p.path, Path) and 0.0 <= p.probability <= 1.0 for p in report.predictions)
            assert all(type(n) is int and n >= 0 for row in report.confusion for n in row)
    again_path = folder / "again.tlgui"
    save_project(project, again_path)
    again = load_project(again_path)
    assert again.dataset.to_dict() == project.dataset.to_dict()
    assert again.config == project.config
    assert _runs_json(again) == _runs_json(project)
    assert again.runs.in_use_id == project.runs.in_use_id


def _runs_json(project: Project) -> str:
    # Through JSON text: an epoch's NaN loss compares equal to itself there.
    return json.dumps([(run.id, run.to_dict()) for run in project.runs])


def _zip(members: list[tuple[str, bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # duplicate names are part of the point
        for name, data, compression in members:
            archive.writestr(zipfile.ZipInfo(name or "_"), data, compress_type=compression)
    return buffer.getvalue()


# ---- byte flips of a real project ----------------------------------------------------------------
@settings(FUZZ, max_examples=200)
@given(data=st.data())
def test_byte_flips_of_a_real_project(small_project_bytes, folder, data):
    size = len(small_project_bytes)
    flips = data.draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(1, 255)), min_size=1, max_size=6))
    mutated = bytearray(small_project_bytes)
    for offset, mask in flips:
        mutated[offset] ^= mask
    cut = data.draw(st.one_of(st.none(), st.integers(0, size)))
    tail = data.draw(st.binary(max_size=40))
    path = folder / "flipped.tlgui"
    path.write_bytes(bytes(mutated[:cut]) + tail)
    project = _outcome(path)
    if project is not None:
        _check_usable(project, folder)


# ---- any value in any field of project.json -------------------------------------------------------------
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 2**63, 10**4000])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "\ud800", "../../etc/passwd", "/dev/zero", "train", "val", "efficientnet_lite0"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON tree, as the keys and indices that lead to it."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace(tree: object, where: tuple, value: object, *, delete: bool) -> object:
    if not where:
        return value
    tree = copy.deepcopy(tree)
    parent = tree
    for key in where[:-1]:
        parent = parent[key]
    if delete:
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    return tree


def _mutated(tree: dict, data) -> dict:
    """``tree`` with one to three places replaced by any JSON value, or deleted."""
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(_paths(tree)))
        delete = bool(where) and data.draw(st.booleans())
        tree = _replace(tree, where, data.draw(JSON_VALUES), delete=delete)
    return tree


def _json_bytes(tree: object, data) -> bytes:
    text = json.dumps(tree, ensure_ascii=data.draw(st.booleans()), allow_nan=True)
    return text.encode("utf-8", "surrogatepass")


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_any_value_in_any_field(document, run_members, folder, data):
    mutated = _mutated(document, data)
    path = folder / "fields.tlgui"
    path.write_bytes(_zip([(PROJECT_JSON, _json_bytes(mutated, data), zipfile.ZIP_DEFLATED), *run_members]))
    project = _outcome(path)
    if project is not None:
        _check_usable(project, folder)


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_any_value_in_any_field_of_a_run(document, run_members, run_document, folder, data):
    mutated = _mutated(run_document, data)
    others = [m for m in run_members if m[0] != run_document_member(1)]
    members = [(PROJECT_JSON, json.dumps(document).encode(), zipfile.ZIP_DEFLATED),
               (run_document_member(1), _json_bytes(mutated, data), zipfile.ZIP_DEFLATED), *others]
    path = folder / "run fields.tlgui"
    path.write_bytes(_zip(members))
    project = _outcome(path)
    if project is not None:
        _check_usable(project, folder)


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_edited_json_text(document, run_members, run_document, folder, data):
    edited = data.draw(st.sampled_from([PROJECT_JSON, run_document_member(1)]))
    source = document if edited == PROJECT_JSON else run_document
    text = bytearray(json.dumps(source, ensure_ascii=False).encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        removed = data.draw(st.integers(0, 8))
        inserted = data.draw(st.binary(max_size=8) | st.sampled_from([b"[" * 200, b"{", b"]", b'"', b"\\", b"1e999"]))
        text[at : at + removed] = inserted
    members = {PROJECT_JSON: json.dumps(document).encode(), **{name: payload for name, payload, _ in run_members}}
    members[edited] = bytes(text)
    path = folder / "text.tlgui"
    path.write_bytes(_zip([(name, payload, zipfile.ZIP_DEFLATED) for name, payload in members.items()]))
    project = _outcome(path)
    if project is not None:
        _check_usable(project, folder)


# ---- generated zips ---------------------------------------------------------------------------------------
MEMBER_NAMES = st.sampled_from(
    [PROJECT_JSON, PROJECT_JSON, MODEL_MEMBER, "../project.json", "a/project.json", "project.json/", "Project.json",
     run_document_member(1), run_document_member(1), run_document_member(3), run_model_member(1), run_model_member(2),
     "runs/01.json", "runs/0.json", "runs/1.JSON", "runs//1.json", "runs/1234567.json", "runs/", "runs/-1.json",
     "runs/1.json/", "runs/1.safetensors.json", "runs/\u0661.json"]
) | st.text(max_size=10)
COMPRESSIONS = st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])


@settings(FUZZ, max_examples=200)
@given(data=st.data())
def test_generated_zips(document, run_members, run_document, folder, data):
    valid = json.dumps(document).encode()
    version_1 = json.dumps({**document, "format_version": 1, "trained": True}).encode()
    in_use = json.dumps({**document, "run_in_use": 1}).encode()
    with_model = json.dumps({**run_document, "model": True}).encode()
    payloads = st.sampled_from([valid, version_1, in_use, with_model, *(m[1] for m in run_members),
                                b"", b"\0" * 64, b"[" * 10_000]) | st.binary(max_size=100)
    members = data.draw(st.lists(st.tuples(MEMBER_NAMES, payloads, COMPRESSIONS), min_size=0, max_size=6))
    path = folder / "generated.tlgui"
    path.write_bytes(_zip(members))
    project = _outcome(path)
    if project is not None:
        _check_usable(project, folder)


# ---- the model members ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model_bytes(bundled_network) -> bytes:
    net = replace_head(copy.deepcopy(bundled_network), 2, seed=3).eval()
    classifier = Classifier(net, ["ants", "蜜蜂 bees"], BACKBONE, get_spec(BACKBONE).preprocessing)
    return classifier_to_bytes(classifier)


@settings(FUZZ, max_examples=8)
@given(data=st.data())
@pytest.mark.parametrize("version", [1, 2])
def test_a_model_member_with_a_damaged_header(version, document, run_members, run_document, model_bytes, folder, data):
    header_end = 8 + int.from_bytes(model_bytes[:8], "little")
    flips = data.draw(st.lists(st.tuples(st.integers(0, header_end - 1), st.integers(1, 255)), min_size=1, max_size=4))
    mutated = bytearray(model_bytes)
    for offset, mask in flips:
        mutated[offset] ^= mask
    if version == 1:
        trained = json.dumps({**document, "format_version": 1, "trained": True, "runs": None}).encode()
        members = [(PROJECT_JSON, trained, zipfile.ZIP_DEFLATED), (MODEL_MEMBER, bytes(mutated), zipfile.ZIP_STORED)]
    else:
        in_use = json.dumps({**document, "run_in_use": 1}).encode()
        with_model = json.dumps({**run_document, "model": True}).encode()
        others = [m for m in run_members if m[0] != run_document_member(1)]
        members = [(PROJECT_JSON, in_use, zipfile.ZIP_DEFLATED), (run_document_member(1), with_model, zipfile.ZIP_DEFLATED),
                   *others, (run_model_member(1), bytes(mutated), zipfile.ZIP_STORED)]
    path = folder / "model.tlgui"
    # Written by zipfile, so the CRC matches: the model's own checks are what is tested.
    path.write_bytes(_zip(members))
    _outcome(path)


def test_the_small_project_has_runs_members_and_opens_whole(small_project_bytes, folder):
    """The fuzzed project is what the tests above mutate: runs, their members, a round trip."""
    with zipfile.ZipFile(io.BytesIO(small_project_bytes)) as archive:
        assert archive.namelist() == [PROJECT_JSON, run_document_member(1), run_document_member(3)]
    path = folder / "whole.tlgui"
    path.write_bytes(small_project_bytes)
    project = load_project(path)
    assert [run.id for run in project.runs] == [1, 3] and project.runs.in_use is None
    assert _runs_json(project) == _runs_json(_small_project())
    _check_usable(project, folder)
