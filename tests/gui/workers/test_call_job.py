"""One call off the GUI thread: its result or its failure arrive in the GUI
thread, a cancel drops the result at the next checkpoint, and a job keeps
its QThread alive until it has ended."""
from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

from engine.nn import presets
from engine.training.evaluate import evaluate
from gui.workers.call_job import CallJob


class _Recorder:
    def __init__(self, job: CallJob):
        self.results, self.failures, self.done, self.threads = [], [], [], set()
        job.sigFinished.connect(self._result)
        job.sigFailed.connect(self.failures.append)
        job.sigDone.connect(lambda: self.done.append(True))

    def _result(self, value):
        self.threads.add(threading.get_ident())
        self.results.append(value)


def test_the_result_arrives_in_the_gui_thread(qtbot):
    job = CallJob(lambda checkpoint: threading.get_ident(), "ident-job")
    rec = _Recorder(job)
    with qtbot.waitSignal(job.sigDone, timeout=5000):
        job.start()
    assert len(rec.results) == 1
    assert rec.results[0] != threading.get_ident()      # computed in another thread
    assert rec.threads == {threading.get_ident()}       # delivered in the GUI thread
    assert rec.failures == [] and not job.running


def test_a_failure_is_reported_as_one_message(qtbot):
    def broken(checkpoint):
        raise OSError("disk on fire")
    job = CallJob(broken)
    rec = _Recorder(job)
    with qtbot.waitSignal(job.sigDone, timeout=5000):
        job.start()
    assert rec.failures == ["disk on fire"] and rec.results == []


def test_cancel_stops_at_the_next_checkpoint_and_drops_the_result(qtbot):
    started, reached = threading.Event(), []

    def steps(checkpoint):
        started.set()
        for i in range(10_000):
            checkpoint()
            reached.append(i)
            threading.Event().wait(0.001)
        return "finished"
    job = CallJob(steps)
    rec = _Recorder(job)
    job.start()
    assert started.wait(5)
    job.cancel()
    assert job.cancelled
    qtbot.waitUntil(lambda: bool(rec.done), timeout=5000)
    assert rec.results == [] and rec.failures == []
    assert len(reached) < 10_000


def test_an_evaluation_can_be_cancelled_between_chunks(qtbot, mnist_data):
    model = presets.build("tiny", np.random.default_rng(0))
    images, labels = mnist_data.test_images, mnist_data.test_labels
    job = CallJob(lambda checkpoint: evaluate(model, images, labels, threads=2,
                                              checkpoint=checkpoint), "evaluation")
    rec = _Recorder(job)
    job.start()
    job.cancel()
    qtbot.waitUntil(lambda: bool(rec.done), timeout=10_000)
    assert rec.results == []
    assert not [t for t in threading.enumerate() if t.name.startswith("engine-eval")]


def test_a_dropped_job_keeps_its_thread_until_it_ended(qtbot):
    gate = threading.Event()
    done = []
    job = CallJob(lambda checkpoint: gate.wait(5))
    job.sigDone.connect(lambda: done.append(True))
    job.start()
    del job
    gc.collect()                 # no reference left but the job's own: the QThread lives on
    gate.set()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert CallJob.wait_all(1000)


@pytest.mark.parametrize("count", [1, 3])
def test_wait_all_cancels_and_waits(qtbot, count):
    gates = [threading.Event() for _ in range(count)]

    def waiting(gate):
        def run(checkpoint):
            while not gate.wait(0.01):
                checkpoint()
        return run
    jobs = [CallJob(waiting(g)) for g in gates]
    for job in jobs:
        job.start()
    assert CallJob.wait_all(5000)
    assert not any(job.running for job in jobs)
