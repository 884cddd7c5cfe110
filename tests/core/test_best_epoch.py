"""The best epoch is the most accurate one (the lower loss breaking ties); patience stops the waiting."""

from __future__ import annotations

from tlgui.core.training.best_epoch import BestEpochTracker


def _run(tracker: BestEpochTracker, epochs: list[tuple[float, float]]) -> list[bool]:
    """Offer (accuracy, loss) per epoch; the snapshot is the epoch number."""
    improved = []
    for epoch, (accuracy, loss) in enumerate(epochs, start=1):
        improved.append(tracker.offer(epoch, accuracy, loss, lambda e=epoch: f"weights of epoch {e}"))
        if tracker.should_stop:
            break
    return improved


def test_the_first_epoch_is_always_the_best_so_far():
    tracker = BestEpochTracker(patience=None)
    assert _run(tracker, [(0.0, 9.0)]) == [True]
    assert tracker.best_epoch == 1 and tracker.best_state == "weights of epoch 1"


def test_higher_accuracy_wins_and_lower_loss_breaks_ties():
    tracker = BestEpochTracker(patience=None)
    flags = _run(tracker, [(0.5, 1.0), (0.75, 1.2), (0.75, 0.9), (0.75, 0.95), (0.6, 0.1)])
    assert flags == [True, True, True, False, False]
    assert tracker.best_epoch == 3 and tracker.best_state == "weights of epoch 3"


def test_the_snapshot_is_taken_only_for_a_better_epoch():
    taken = []
    tracker = BestEpochTracker(patience=None)
    for epoch, accuracy in enumerate([0.5, 0.4, 0.6, 0.6], start=1):
        tracker.offer(epoch, accuracy, 1.0, lambda e=epoch: taken.append(e) or e)
    assert taken == [1, 3]


def test_patience_stops_after_that_many_epochs_without_improvement():
    tracker = BestEpochTracker(patience=2)
    flags = _run(tracker, [(0.5, 1.0), (0.7, 1.0), (0.6, 1.0), (0.7, 1.1), (0.9, 0.1)])
    # Epoch 2 was the best; epochs 3 and 4 brought nothing better, so epoch 5 is never run.
    assert flags == [True, True, False, False]
    assert tracker.should_stop and tracker.best_epoch == 2


def test_an_improvement_resets_the_patience():
    tracker = BestEpochTracker(patience=2)
    flags = _run(tracker, [(0.5, 1.0), (0.4, 1.0), (0.6, 1.0), (0.5, 1.0), (0.7, 1.0), (0.1, 1.0), (0.1, 1.0)])
    assert flags == [True, False, True, False, True, False, False]
    assert tracker.best_epoch == 5


def test_without_patience_it_never_stops():
    tracker = BestEpochTracker(patience=None)
    _run(tracker, [(0.9, 0.1)] + [(0.1, 5.0)] * 50)
    assert not tracker.should_stop and tracker.best_epoch == 1


def test_patience_starts_over_in_a_new_phase_but_the_best_spans_both():
    tracker = BestEpochTracker(patience=2)
    assert _run(tracker, [(0.9, 0.3), (0.8, 0.4), (0.8, 0.4)]) == [True, False, False]
    assert tracker.should_stop
    # The fine-tune starts at epoch 4: two epochs of waiting in it, not counting the head's.
    tracker.start_phase(4)
    assert not tracker.offer(4, 0.85, 0.35, lambda: "fine-tune 4") and not tracker.should_stop
    assert not tracker.offer(5, 0.9, 0.31, lambda: "fine-tune 5") and tracker.should_stop
    assert tracker.best_epoch == 1 and tracker.best_state == "weights of epoch 1"
    # A fine-tune epoch replaces the head's best only by beating it.
    tracker.start_phase(6)
    assert tracker.offer(6, 0.9, 0.2, lambda: "fine-tune 6") and tracker.best_state == "fine-tune 6"
