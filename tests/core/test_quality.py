"""Photos in the wrong bin and near-duplicates, found from the bundled backbone's pooled features."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from conftest import shared_dataset
from photos import write_learnable_photo, write_learnable_tree
from PIL import Image

from tlgui.core.data.bins import DataSet
from tlgui.core.errors import Cancelled, DataError, TlguiError
from tlgui.core.progress import CancelToken, Phase
from tlgui.core.quality import duplicates as duplicates_module
from tlgui.core.quality.duplicates import (
    DuplicateKind,
    comparable_vectors,
    find_near_duplicates,
    similar_pairs,
)
from tlgui.core.quality.suspects import (
    LinearHead,
    find_label_suspects,
    out_of_fold_probabilities,
    stratified_folds,
)
from tlgui.core.training.feature_cache import FeatureCache


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    with FeatureCache(tmp_path_factory.mktemp("quality-cache")) as c:
        yield c


# ---- photos in the wrong bin ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def mislabelled(tmp_path_factory):
    """Three tinted classes of 12 photos, plus two red photos put among the blues and one blue
    among the greens: (data set, {mislabelled file name: its true class})."""
    root = tmp_path_factory.mktemp("mislabelled")
    write_learnable_tree(root, {"red": 12, "blue": 12, "green": 12})
    wrong = {
        write_learnable_photo(root / "blue" / "stray_red_a.jpg", "red", 100).name: "red",
        write_learnable_photo(root / "blue" / "stray_red_b.jpg", "red", 101).name: "red",
        write_learnable_photo(root / "green" / "stray_blue.jpg", "blue", 102).name: "blue",
    }
    dataset = DataSet()
    dataset.add_folder(root)
    return dataset, wrong


@pytest.mark.slow
def test_mislabelled_photos_come_out_on_top_with_their_true_class(mislabelled, bundled_network, cache):
    dataset, wrong = mislabelled
    report = find_label_suspects(dataset, bundled_network, cache=cache)
    assert report.checked == len(dataset) == 39
    assert report.skipped == []
    # The generated classes are clean apart from the strays: nothing else is suspected.
    assert {s.item.path.name: s.suggested for s in report.suspects} == wrong
    assert [s.rank for s in report.suspects] == list(range(1, len(report.suspects) + 1))
    qualities = [s.quality for s in report.suspects]
    assert qualities == sorted(qualities)
    for s in report.suspects:
        assert s.given == s.item.label != s.suggested
        assert s.quality < 0.5 < s.suggested_probability


def test_a_feature_almost_constant_in_training_does_not_decide_a_held_out_photo():
    """Many pooled features are zero on nearly every photo. One whose tiny spread happens to follow
    the labels must not be blown up to the weight of a real signal: a held-out photo with a small
    value there would stand thousands of its standard deviations out and be judged by it alone."""
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(40) % 2
    informative = torch.randn(40, 16, generator=generator) + labels[:, None] * 0.5
    almost_zero = (labels[:, None] * 2 - 1) * 1e-5
    head = LinearHead.fit(torch.cat([informative, almost_zero], dim=1), labels, 2)
    photo = torch.cat([informative[:1], torch.zeros(1, 1)], dim=1)
    odd = photo.clone()
    odd[0, -1] = 0.05
    plain_p, odd_p = head.probabilities(photo)[0, 1].item(), head.probabilities(odd)[0, 1].item()
    assert abs(odd_p - plain_p) < 0.1


def test_progress_reports_extraction_then_the_check_and_a_cancel_between_folds_stops_it(
    mislabelled, bundled_network, tmp_path
):
    dataset, _ = mislabelled
    events = []
    find_label_suspects(dataset, bundled_network, cache=FeatureCache(tmp_path / "cold"), progress=events.append)
    phases = [e.phase for e in events]
    assert Phase.EXTRACT in phases and Phase.CHECK in phases
    assert phases.index(Phase.CHECK) > max(i for i, p in enumerate(phases) if p == Phase.EXTRACT)
    last = [e for e in events if e.phase == Phase.CHECK][-1]
    assert last.done == last.total == 5

    cancel = CancelToken()

    def cancel_at_first_fold(event):
        if event.phase == Phase.CHECK:
            cancel.cancel()

    with pytest.raises(Cancelled):
        find_label_suspects(
            dataset, bundled_network, cache=FeatureCache(tmp_path / "cold"), progress=cancel_at_first_fold,
            cancel=cancel,
        )


def test_after_a_head_only_training_run_the_features_come_from_its_cache(
    learnable_tree, bundled_network, tmp_path, monkeypatch
):
    from tlgui.core.quality.features import photo_features
    from tlgui.core.training.extraction import ViewRecipe
    from tlgui.core.training.trainer import TrainConfig, train

    dataset = DataSet()
    dataset.add_folder(learnable_tree)
    shared = FeatureCache(tmp_path / "cache")
    train(dataset, TrainConfig(epochs=1, freeze_level=0), backbone=bundled_network, cache=shared)

    def no_decoding(*_args, **_kwargs):
        raise AssertionError("a photo was decoded again")

    # Every way the extraction turns a photo into pixels: a photo decoded again would be skipped.
    for name in ("make", "make_from"):
        monkeypatch.setattr(ViewRecipe, name, no_decoding, raising=False)
    features = photo_features(dataset, bundled_network, cache=shared)
    assert features.skipped == []
    assert len(features) == len(dataset) == 24


def test_a_cancelled_search_stops_before_computing_features(mislabelled, bundled_network, tmp_path):
    dataset, _ = mislabelled
    cancel = CancelToken()
    cancel.cancel()
    cold = FeatureCache(tmp_path / "cold")
    with pytest.raises(Cancelled):
        find_label_suspects(dataset, bundled_network, cache=cold, cancel=cancel)
    assert cold.count() == 0


def test_one_class_is_not_enough(tmp_path, bundled_network, cache):
    write_learnable_tree(tmp_path / "photos", {"red": 4})
    dataset = DataSet()
    dataset.add_folder(tmp_path / "photos")
    with pytest.raises(DataError, match="at least two classes"):
        find_label_suspects(dataset, bundled_network, cache=cache)


def test_out_of_fold_predictions_never_see_the_photos_own_label():
    # Two clusters; one point of cluster 0 labelled 1. A head that saw its label could fit it;
    # out of fold it must still say cluster 0.
    rng = np.random.default_rng(0)
    vectors = np.concatenate([rng.normal(-2, 1, (20, 8)), rng.normal(2, 1, (20, 8))]).astype(np.float32)
    labels = np.array([0] * 20 + [1] * 20)
    labels[3] = 1
    probabilities = out_of_fold_probabilities(vectors, labels, 2, folds=4)
    assert probabilities.shape == (40, 2)
    np.testing.assert_allclose(probabilities.sum(1), 1.0, rtol=1e-6)
    assert probabilities[3, 1] < 0.2
    assert (probabilities[np.arange(40) != 3].argmax(1) == labels[np.arange(40) != 3]).all()


def test_folds_spread_every_class_evenly_and_depend_on_the_seed():
    labels = np.array([0] * 10 + [1] * 7 + [2] * 3)
    folds = stratified_folds(labels, 5, seed=1)
    for label in (0, 1, 2):
        counts = np.bincount(folds[labels == label], minlength=5)
        assert counts.max() - counts.min() <= 1
    assert (stratified_folds(labels, 5, seed=1) == folds).all()
    assert not (stratified_folds(labels, 5, seed=2) == folds).all()


# ---- near-duplicates ----------------------------------------------------------------------------
def _real_photos() -> dict[str, Image.Image]:
    """Distinct real scenes bundled with scikit-image, at most 320 px on a side."""
    from skimage import data

    photos = {}
    for name in ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "retina"):
        img = Image.fromarray(getattr(data, name)()).convert("RGB")
        img.thumbnail((320, 320))
        photos[name] = img
    return photos


@pytest.fixture(scope="module")
def with_copies(tmp_path_factory):
    """Real photos in a train/val layout, with a half-size copy of the astronaut in its own class,
    a cropped copy of the coffee cup in another class and a re-encoded copy of the rocket in
    validation."""
    root = tmp_path_factory.mktemp("copies")
    photos = _real_photos()
    places = {
        "astronaut": "train/people", "chelsea": "train/animals", "coffee": "train/things",
        "rocket": "train/things", "hubble_deep_field": "val/space", "immunohistochemistry": "train/space",
        "retina": "val/people",
    }
    for name, folder in places.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        photos[name].save(root / folder / f"{name}.jpg", quality=92)
    for folder in ("val/animals", "val/things", "train/space"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    astronaut, coffee = photos["astronaut"], photos["coffee"]
    astronaut.resize((astronaut.width // 2, astronaut.height // 2)).save(root / "train/people/small.jpg", quality=92)
    w, h = coffee.size
    coffee.crop((int(w * 0.05), int(h * 0.05), int(w * 0.85), int(h * 0.85))).save(
        root / "train/animals/cropped.jpg", quality=92
    )
    photos["rocket"].save(root / "val/things/reencoded.jpg", quality=40)
    # Fillers so that every class has photos in both splits.
    write_learnable_photo(root / "val/animals/filler.jpg", "green", 0, size=(160, 120))
    dataset = DataSet()
    dataset.add_folder(root)
    return dataset


def test_altered_copies_are_found_and_labelled_by_kind(with_copies, bundled_network, cache):
    report = find_near_duplicates(with_copies, bundled_network, cache=cache)
    found = {frozenset((p.first.path.stem, p.second.path.stem)): p for p in report.pairs}
    assert set(found) == {
        frozenset(("astronaut", "small")),
        frozenset(("coffee", "cropped")),
        frozenset(("rocket", "reencoded")),
    }
    assert found[frozenset(("astronaut", "small"))].kinds == (DuplicateKind.WITHIN_CLASS,)
    assert found[frozenset(("coffee", "cropped"))].kinds == (DuplicateKind.ACROSS_CLASSES,)
    assert found[frozenset(("rocket", "reencoded"))].kinds == (DuplicateKind.WITHIN_CLASS, DuplicateKind.ACROSS_SPLIT)
    assert all(report.threshold <= p.similarity <= 1.0 and not p.identical for p in report.pairs)
    similarities = [p.similarity for p in report.pairs]
    assert similarities == sorted(similarities, reverse=True)
    assert report.checked == len(with_copies)


def test_identical_files_in_two_classes_are_a_pair_across_classes(with_copies, bundled_network, cache, tmp_path):
    root = tmp_path / "twice"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    source = next(i.path for i in with_copies.items() if i.path.stem == "chelsea")
    shutil.copy(source, root / "a" / "cat.jpg")
    shutil.copy(source, root / "b" / "same_cat.jpg")
    write_learnable_photo(root / "a" / "red.jpg", "red", 0)
    write_learnable_photo(root / "b" / "blue.jpg", "blue", 0)
    dataset = DataSet()
    dataset.add_folder(root)
    [pair] = [p for p in find_near_duplicates(dataset, bundled_network, cache=cache).pairs if p.identical]
    assert {pair.first.label, pair.second.label} == {"a", "b"}
    assert DuplicateKind.ACROSS_CLASSES in pair.kinds
    assert pair.similarity == pytest.approx(1.0, abs=1e-6)


def test_a_photo_that_can_no_longer_be_read_is_listed_not_fatal(tmp_path, bundled_network):
    files = write_learnable_tree(tmp_path / "photos", {"red": 3, "blue": 3})
    dataset = DataSet()
    dataset.add_folder(tmp_path / "photos")
    files["red"][0].write_bytes(b"not a photo any more")
    report = find_near_duplicates(dataset, bundled_network, cache=FeatureCache(tmp_path / "cache"))
    assert report.checked == 5
    assert [s.path for s in report.skipped] == [files["red"][0]]


def test_a_threshold_outside_zero_to_one_is_refused(with_copies, bundled_network):
    with pytest.raises(TlguiError, match="threshold"):
        find_near_duplicates(with_copies, bundled_network, threshold=1.5)


def test_blocked_search_matches_the_full_matrix(monkeypatch):
    rng = np.random.default_rng(3)
    base = rng.normal(size=(40, 16)).astype(np.float32)
    vectors = np.concatenate([base, base[:10] + rng.normal(0, 0.05, (10, 16)).astype(np.float32)])
    unit = comparable_vectors(vectors)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, rtol=1e-6)
    full = unit @ unit.T
    expected = {(i, j) for i in range(50) for j in range(i + 1, 50) if full[i, j] >= 0.9}
    assert len(expected) >= 10
    # Blocks of a few rows, so the search crosses many block boundaries.
    monkeypatch.setattr(duplicates_module, "_BLOCK_ELEMENTS", 50 * 3)
    first, second, sims = similar_pairs(vectors, 0.9)
    assert set(zip(first.tolist(), second.tolist(), strict=True)) == expected
    np.testing.assert_allclose(sims, full[first, second], rtol=1e-5)
    assert (np.diff(sims) <= 0).all()


def test_each_photo_keeps_only_its_closest_partners():
    # Twelve copies of one scene: every photo keeps its 3 nearest, not all 66 pairs.
    rng = np.random.default_rng(4)
    vectors = (rng.normal(size=(1, 32)) + rng.normal(0, 0.01, (12, 32))).astype(np.float32)
    first, second, _ = similar_pairs(vectors, 0.9, partners=3)
    assert 12 * 3 / 2 <= len(first) <= 12 * 3
    assert len(similar_pairs(vectors, 0.9, partners=11)[0]) == 66


def test_cancel_stops_the_comparison():
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        similar_pairs(np.ones((5, 4), np.float32), 0.9, cancel=cancel)


@pytest.mark.shared
def test_trashnet_exact_duplicates_across_classes_are_found(bundled_network, cache):
    root = shared_dataset("trashnet")
    names = ["metal91", "glass115", "plastic332", "glass389", "plastic152", "glass176"]
    names += [f"{label}{i}" for label in ("metal", "glass", "plastic") for i in range(1, 6)]
    dataset = DataSet()
    for name in names:
        label = name.rstrip("0123456789")
        dataset.add_files(label, [root / label / f"{name}.jpg"])
    report = find_near_duplicates(dataset, bundled_network, cache=cache)
    identical = {frozenset((p.first.path.stem, p.second.path.stem)) for p in report.pairs if p.identical}
    assert identical == {
        frozenset(("metal91", "glass115")),
        frozenset(("plastic332", "glass389")),
        frozenset(("plastic152", "glass176")),
    }
    assert all(DuplicateKind.ACROSS_CLASSES in p.kinds for p in report.pairs if p.identical)
