"""The My handwriting tab: the gallery per digit, delete and relabel with
real clicks and keys, export / import round trip and a hostile import."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.personal import PersonalSet, load_personal_set, save_personal_set


def _image(seed: int) -> np.ndarray:
    x = np.zeros((1, 28, 28), np.float32)
    x[0, 4:24, 10 + seed % 8] = 1.0
    x[0, 10, 4 + seed % 5:20] = 0.5 + 0.01 * seed
    return x


def _fill(lab, labels):
    for i, label in enumerate(labels):
        lab.samples.add(_image(i), label, [np.array([[0.1, 0.1], [0.5, 0.9]], np.float32)])


def _click(gallery, sample_id, button=Qt.MouseButton.LeftButton):
    QTest.mouseClick(gallery, button, Qt.KeyboardModifier.NoModifier,
                     gallery.sample_rect(sample_id).center())


def test_delete_and_relabel_with_real_clicks_and_keys(window, qtbot, personal_path):
    lab = window.why.personal
    _fill(lab, [1, 1, 7])
    lab.show_tab()
    gallery = lab.tab.gallery
    qtbot.waitExposed(gallery)
    ids = lab.samples.samples.ids
    assert lab.tab.gallery.sample_rect(ids[2]).top() > lab.tab.gallery.sample_rect(ids[0]).top()
    _click(gallery, ids[0])
    assert gallery.current == ids[0] and "Selected: a 1" in lab.tab.selection.text()
    QTest.keyClick(gallery, Qt.Key.Key_4)                       # relabel: it's a 4
    assert load_personal_set(personal_path).sample(ids[0]).label == 4
    assert window.statusBar().currentMessage() == "That 1 is now a 4."
    assert gallery.sample_rect(ids[0]).top() > gallery.sample_rect(ids[1]).top()  # row 4 now
    window.draw_example(2)
    QTest.keyClick(gallery, Qt.Key.Key_Delete)                  # Del deletes, not clears
    assert ids[0] not in load_personal_set(personal_path)
    assert "Deleted a 4" in window.statusBar().currentMessage()
    assert "(2 samples)" in window.statusBar().currentMessage()
    assert not window.canvas.is_blank()
    _click(gallery, ids[2])
    QTest.mouseClick(lab.tab.delete_button, Qt.MouseButton.LeftButton)
    assert load_personal_set(personal_path).ids == (ids[1],)
    assert "1 sample" in lab.tab.counts.text()
    _click(gallery, ids[1])
    QTest.mouseClick(lab.tab.delete_button, Qt.MouseButton.LeftButton)   # none left
    assert lab.tab.counts.text() == "No samples yet"                   # said once, as the
    assert "No samples yet" not in lab.tab.score.text()                # heading only
    assert "Teach me 5 of each digit" in lab.tab.score.text()


def test_wrong_samples_are_outlined_and_the_score_has_a_caveat(window, qtbot):
    lab = window.why.personal
    _fill(lab, [0, 1, 2, 3])
    answers = window.model.predict(lab.samples.samples.images)
    qtbot.waitUntil(lambda: "reads" in lab.tab.score.text(), timeout=5000)
    right = int(np.sum(answers == lab.samples.samples.labels))
    assert f"reads {right} of 4 right" in lab.tab.score.text()
    assert "do not count as a test" in lab.tab.score.toolTip()


def test_export_and_import_round_trip_and_a_hostile_file(window, qtbot, tmp_path,
                                                          no_modal_dialogs):
    lab = window.why.personal
    _fill(lab, [5, 6, 7])
    out = tmp_path / "shared.npz"
    assert lab.export_file(str(out))
    other = PersonalSet().add(_image(40), 9).add(_image(0), 5)   # one new, one we have
    save_personal_set(other, tmp_path / "friend.npz")
    assert lab.import_file(str(tmp_path / "friend.npz")) == 1
    assert len(lab.samples) == 4 and len(load_personal_set(out)) == 3
    assert lab.import_file(str(out)) == 0                        # all there already
    hostile = tmp_path / "hostile.npz"
    hostile.write_bytes(b"PK\x03\x04" + b"\xff" * 500)
    assert lab.import_file(str(hostile)) == 0
    assert [m[:2] for m in no_modal_dialogs] == [("critical", "Could not import the samples")]
    text = no_modal_dialogs[0][2]                 # plain words first, the reader's reason last
    assert text.startswith("hostile.npz could not be imported: it is not a file of handwriting")
    assert "Your samples are unchanged." in text and "personal-set" not in text.split("Details")[0]
    assert len(lab.samples) == 4


def test_an_unreadable_file_is_kept_aside_not_overwritten(make_window, playground_model,
                                                          personal_path):
    personal_path.parent.mkdir(parents=True)
    personal_path.write_bytes(b"not a zip")
    window = make_window(playground_model)
    lab = window.why.personal
    assert len(lab.samples) == 0 and "could not be read" in lab.tab.fine_tune.status.text()
    aside = list(personal_path.parent.glob("my-set-unreadable-*.npz"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"not a zip"
