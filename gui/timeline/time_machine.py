"""The time machine bar: a slider over the checkpoints of a run.

One position per checkpoint (step 0, 10, 20, 50, ... and every epoch's end)
and a last position, "now": the present (the live weights while a run is on,
else the model in use). Moving the slider (drag, click, arrow keys, Home /
End) emits :attr:`TimeMachine.sigMoment` with the checkpoint's index, or
:attr:`TimeMachine.sigPresent` at "now"; *Play* walks through every
checkpoint from the first (or from where the slider is) and returns to
"now" at the end. The bar is a view: it holds the checkpoints' steps and
epoch positions only; the wiring owns the checkpoints and shows them.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSlider, QStyle, QStyleOptionSlider, QWidget

from ..widgets.plain_text import plain_label, plain_tooltip

#: Time each checkpoint is shown while playing (ms).
PLAY_INTERVAL_MS = 700
SLIDER_TIP = ("Go back through the run: the prediction for your drawing, the activations, the "
              "kernels and the curves' cursor show the network as it was at that step. "
              "Arrow keys step through the checkpoints; End returns to now.")
PLAY_TIP = ("Play the run's checkpoints one after another (from the first one, or from where the "
            "slider is): watch the kernels and the answer change.")
NOW_TIP = "Back to the present: the network in use (or the live weights of a run)."
NOW_TEXT = "Now"


def moment_text(step: int, total_steps: int | None, epoch_fraction: float) -> str:
    """``"step 200 of 1,876 · epoch 0.21"`` (``total_steps`` None: "step 200 · ...")."""
    of = f" of {total_steps:,}" if total_steps else ""
    return f"step {step:,}{of} · epoch {epoch_fraction:.2f}"


class JumpSlider(QSlider):
    """A horizontal slider that jumps to where the groove is clicked (not one
    page towards it), then follows the drag."""

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            option = QStyleOptionSlider()
            self.initStyleOption(option)
            handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                                 QStyle.SubControl.SC_SliderHandle, self)
            if not handle.contains(event.position().toPoint()):
                span = max(1, self.width() - handle.width())
                x = int(event.position().x()) - handle.width() // 2
                self.setValue(QStyle.sliderValueFromPosition(self.minimum(), self.maximum(),
                                                             max(0, x), span))
        super().mousePressEvent(event)


class TimeMachine(QWidget):
    """The bar; hidden until a run has kept two checkpoints.

    Signals: ``sigMoment(int)`` - show checkpoint ``index``;
    ``sigPresent()`` - back to now.
    """

    sigMoment = Signal(int)
    sigPresent = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timeMachine")
        self._moments: list[tuple[int, float]] = []     # (step, epoch fraction)
        self._total_steps: int | None = None
        self._emitted: int | None = None                # the index last announced (None: now)
        self.title = plain_label("Time machine", object_name="timeMachineTitle")
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip(PLAY_TIP)
        self.slider = JumpSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timeSlider")
        self.slider.setToolTip(SLIDER_TIP)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.where = plain_label("", object_name="timeMachineWhere")
        self.where.setMinimumWidth(self.where.fontMetrics().horizontalAdvance(
            moment_text(88888, 88888, 88.88)))
        self.now_button = QPushButton(NOW_TEXT)
        self.now_button.setToolTip(NOW_TIP)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 8, 2)
        row.addWidget(self.title)
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.where)
        row.addWidget(self.now_button)
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_INTERVAL_MS)
        self._timer.timeout.connect(self._play_next)
        self.slider.valueChanged.connect(self._moved)
        self.play_button.toggled.connect(self._play_toggled)
        self.now_button.clicked.connect(self.go_to_now)
        self._sync()

    # ------------------------------------------------------------ data
    def clear(self, total_steps: int | None = None) -> None:
        """Forget the checkpoints (a new run starts with ``total_steps`` steps);
        back to now."""
        self._stop_playing()
        self._moments, self._total_steps = [], total_steps
        self._sync()
        self._announce(None)

    def add_moment(self, step: int, epoch_fraction: float) -> None:
        """A checkpoint was kept (in step order). The slider stays where it
        is: at now it stays at now."""
        at_now = self.at_now
        self._moments.append((int(step), float(epoch_fraction)))
        self._sync(keep_now=at_now)

    @property
    def count(self) -> int:
        """Checkpoints held."""
        return len(self._moments)

    @property
    def at_now(self) -> bool:
        return self.slider.value() >= len(self._moments)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def go_to(self, index: int) -> None:
        """Show checkpoint ``index`` (as if the slider were moved there)."""
        self.slider.setValue(max(0, min(int(index), len(self._moments))))

    def go_to_now(self) -> None:
        self._stop_playing()
        self.slider.setValue(len(self._moments))

    # ------------------------------------------------------------ internals
    def _sync(self, keep_now: bool = True) -> None:
        n = len(self._moments)
        self.slider.blockSignals(True)
        value = self.slider.value()
        self.slider.setRange(0, n)
        self.slider.setValue(n if keep_now else min(value, n))
        self.slider.blockSignals(False)
        self.setVisible(n >= 2)
        self._show_where()

    def _show_where(self) -> None:
        i = self.slider.value()
        if i >= len(self._moments):
            self.where.setText(NOW_TEXT.lower() if self._moments else "")
        else:
            step, epoch_fraction = self._moments[i]
            self.where.setText(moment_text(step, self._total_steps, epoch_fraction))
        self.now_button.setEnabled(not self.at_now)
        self.where.setToolTip(plain_tooltip(self.where.text()))

    def _moved(self, value: int) -> None:
        self._show_where()
        self._announce(None if value >= len(self._moments) else value)

    def _announce(self, index: int | None) -> None:
        if index == self._emitted:
            return
        self._emitted = index
        if index is None:
            self.sigPresent.emit()
        else:
            self.sigMoment.emit(index)

    def _play_toggled(self, on: bool) -> None:
        if not on:
            self._timer.stop()
            self.play_button.setText("Play")
            return
        if self.at_now or self.slider.value() >= len(self._moments) - 1:
            self.slider.setValue(0)
        self.play_button.setText("Pause")
        self._timer.start()

    def _play_next(self) -> None:
        nxt = self.slider.value() + 1
        self.slider.setValue(nxt)
        if nxt >= len(self._moments):
            self._stop_playing()

    def _stop_playing(self) -> None:
        if self.play_button.isChecked():
            self.play_button.setChecked(False)
