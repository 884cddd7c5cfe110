"""`tlgui train`'s closing report: class names whole and lined up in any script."""

from __future__ import annotations

from types import SimpleNamespace

from tlgui.cli.commands import _print_report
from tlgui.cli.terminal import columns
from tlgui.core.plan.regime import Regime


def _result(names, confusion, precision, recall):
    report = SimpleNamespace(class_names=names, accuracy=0.5, predictions=[None] * 6, precision=precision,
                             recall=recall, confusion=confusion, misclassified=[])
    return SimpleNamespace(report=report, cancelled=False, regime=Regime.HEAD, best_epoch=3, history=[], skipped=[],
                           ignored_overrides=[], warnings=[])


def test_the_confusion_matrix_names_no_class_by_a_cut_name_and_lines_up_wide_scripts(capsys):
    names = ["plastic_bag", "plastic_bottle", "纸板"]
    confusion = [[2, 1, 0], [0, 1, 0], [0, 0, 2]]
    _print_report(_result(names, confusion, [1.0, 0.5, 1.0], [2 / 3, 1.0, None]))
    lines = capsys.readouterr().out.splitlines()
    table = lines[lines.index("Confusion matrix (rows: true, columns: predicted, by class number):") + 1:]
    # Each class whole, by its number; the numbers head the columns (names cut to 8 characters
    # made the first two both "plastic_").
    assert [row.split()[:2] for row in table[1:]] == [["1", "plastic_bag"], ["2", "plastic_bottle"], ["3", "纸板"]]
    assert table[0].split() == ["1", "2", "3"]
    # Every row's cells end in the same terminal column as the header's (纸板 is 4 columns wide).
    assert len({columns(row) for row in table}) == 1
    rows = lines[2:6]  # the header, then a row per class
    assert rows[3].split()[-1] == "n/a"  # a class never validated on: no recall to show, not 0%
    assert len({columns(row) for row in rows}) == 1
