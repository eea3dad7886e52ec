"""engine.training.process_parallel: a batch's slices in their own processes
give exactly the numbers of the threads' split (loss, gradients, batch
norm statistics, dropout, augmentation), steps can run while the caller
does other work, and every failure (a process that will not start, one that
is killed, an error inside a slice) ends on threads with the same result
or the same exception, leaving no process and no file behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from engine.data.augment import AugmentConfig
from engine.nn import presets
from engine.system.runtime import blas_threads
from engine.training import process_parallel, slice_processes
from engine.training.optim import SGD
from engine.training.process_parallel import ProcessParallel
from engine.training.slice_layout import ALIGN, LENGTH, SharedLayout
from tests.engine.nn.test_new_layers_model import every_new_layer
from tests.support.small_nets import mnist_like

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process checks use POSIX signals")


def _train(model, x, y, steps: int, use_processes: bool, workers: int = 2, augment=None):
    """``steps`` SGD steps on ``(x, y)``; the losses, the last gradients and the runner's mode.
    BLAS runs on one thread, as in the trainer (the processes always do)."""
    params, grads = model.named_params(), model.named_grads()
    opt = SGD(lr=0.05, momentum=0.9, weight_decay=5e-4)
    rng = np.random.default_rng(3)
    with blas_threads(1), ProcessParallel(model, workers, batch_size=len(x), augment=augment,
                                          use_processes=use_processes) as runner:
        results = []
        for _ in range(steps):
            results.append(runner.loss_and_grads(x, y, rng))
            opt.step(params, grads)
        mode = runner.mode
    return results, {k: v.copy() for k, v in grads.items()}, mode


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


CASES = {
    "bench net, equal slices": (lambda: presets.build("bench", np.random.default_rng(0)), 64, 2),
    "tiny net, unequal slices": (lambda: presets.build("tiny", np.random.default_rng(1)), 41, 2),
    "three slices (a share of 1/3)": (lambda: presets.build("tiny", np.random.default_rng(2)), 48, 3),
    "batch norm and dropout": (lambda: every_new_layer(np.float32), 32, 2),
}


@pytest.mark.parametrize("case", CASES)
def test_processes_give_the_threads_numbers_exactly(case):
    build, n, workers = CASES[case]
    x, y = mnist_like(n, seed=n)
    on_threads, on_processes = build(), build()
    ref, ref_grads, mode = _train(on_threads, x, y, 3, use_processes=False, workers=workers)
    assert mode == "threads"
    got, got_grads, mode = _train(on_processes, x, y, 3, use_processes=True, workers=workers)
    assert mode == "processes"
    assert got == ref
    for k, g in ref_grads.items():
        np.testing.assert_array_equal(got_grads[k], g, err_msg=k)
    theirs = on_processes.get_weights()
    for k, w in on_threads.get_weights().items():   # parameters and running statistics
        np.testing.assert_array_equal(theirs[k], w, err_msg=k)
    if case == "batch norm and dropout":
        assert not np.allclose(theirs["bn1.running_mean"], 0.0)


def test_augmentation_runs_in_the_processes_with_the_threads_seeds():
    x, y = mnist_like(32, seed=7)
    models = [presets.build("tiny", np.random.default_rng(4)) for _ in range(2)]
    ref = _train(models[0], x, y, 2, use_processes=False, augment=AugmentConfig())
    got = _train(models[1], x, y, 2, use_processes=True, augment=AugmentConfig())
    assert got[2] == "processes" and got[0] == ref[0]
    plain = _train(presets.build("tiny", np.random.default_rng(4)), x, y, 2, use_processes=True)
    assert plain[0] != got[0]                      # the augmentation did change the images


def test_a_killed_process_falls_back_to_threads_and_redoes_the_step():
    x, y = mnist_like(32, seed=1)
    model, twin = (presets.build("tiny", np.random.default_rng(5)) for _ in range(2))
    with blas_threads(1), ProcessParallel(twin, 2, batch_size=32, use_processes=False) as threads:
        expected = threads.loss_and_grads(x, y)
    with blas_threads(1), ProcessParallel(model, 2, batch_size=32) as runner:
        first = runner.loss_and_grads(x, y)
        victim = runner.process_ids[1]
        os.kill(victim, signal.SIGKILL)
        again = runner.loss_and_grads(x, y)
        assert runner.mode == "threads"
        assert "failed" in runner.fallback_reason
        later = runner.loss_and_grads(x, y)
    assert first == again == later == expected
    for k, g in twin.named_grads().items():
        np.testing.assert_array_equal(model.named_grads()[k], g, err_msg=k)


def test_an_error_inside_a_slice_is_raised_as_without_processes():
    x, y = mnist_like(32, seed=2)
    y[20] = 10                                          # no such class
    model = presets.build("tiny", np.random.default_rng(6))
    with ProcessParallel(model, 2, batch_size=32, use_processes=False) as threads:
        with pytest.raises(IndexError) as on_threads:
            threads.loss_and_grads(x, y)
    with ProcessParallel(model, 2, batch_size=32) as runner:
        pids = runner.process_ids
        with pytest.raises(IndexError) as on_processes:
            runner.loss_and_grads(x, y)
        assert runner.mode == "threads" and "IndexError" in runner.fallback_reason
    assert str(on_processes.value) == str(on_threads.value)
    assert not any(_alive(pid) for pid in pids)


def test_processes_that_cannot_start_leave_the_threads(monkeypatch):
    x, y = mnist_like(32, seed=3)
    model = presets.build("tiny", np.random.default_rng(7))
    with blas_threads(1), ProcessParallel(model, 2, batch_size=32, use_processes=False) as threads:
        expected = threads.loss_and_grads(x, y)
    monkeypatch.setattr(sys, "executable", os.path.join(os.sep, "no", "such", "python"))
    with blas_threads(1), ProcessParallel(model, 2, batch_size=32) as runner:
        assert runner.mode == "threads" and "did not start" in runner.fallback_reason
        assert runner.loss_and_grads(x, y) == expected


def test_a_process_refusing_its_setup_says_why(monkeypatch):
    monkeypatch.setattr(process_parallel, "setup_message",
                        lambda *args: LENGTH.pack(5) + b"nope!")
    model = presets.build("tiny", np.random.default_rng(8))
    with ProcessParallel(model, 2, batch_size=32) as runner:
        assert runner.mode == "threads"
        assert "did not start" in runner.fallback_reason and "JSON" in runner.fallback_reason


def test_closing_ends_the_processes_and_the_shared_file_is_gone_from_the_start(monkeypatch):
    made = []
    real_file = process_parallel.shared_file
    monkeypatch.setattr(process_parallel, "shared_file",
                        lambda size: made.append(real_file(size)) or made[-1])
    model = presets.build("tiny", np.random.default_rng(9))
    runner = ProcessParallel(model, 2, batch_size=16)
    pids = runner.process_ids
    assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    assert made and not os.path.exists(made[0])      # unlinked once both had mapped it
    runner.close()
    runner.close()                                   # idempotent
    assert runner.mode == "threads" and not any(_alive(pid) for pid in pids)


def test_a_full_shared_memory_folder_means_threads_not_a_crash(monkeypatch):
    import errno
    made = []
    real = slice_processes.tempfile.mkstemp

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    def recording(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]
    monkeypatch.setattr(slice_processes.os, "posix_fallocate", full, raising=False)
    monkeypatch.setattr(slice_processes.os, "ftruncate", full)
    monkeypatch.setattr(slice_processes.tempfile, "mkstemp", recording)
    x, y = mnist_like(32, seed=8)
    model = presets.build("tiny", np.random.default_rng(12))
    with ProcessParallel(model, 2, batch_size=32) as runner:
        assert runner.mode == "threads" and "No space left" in runner.fallback_reason
        assert np.isfinite(runner.loss_and_grads(x, y)[0])
    assert made and not os.path.exists(made[0][1])


def test_a_stop_gives_up_a_step_a_frozen_process_never_answers():
    import threading
    import time
    x, y = mnist_like(32, seed=9)
    model = presets.build("tiny", np.random.default_rng(13))
    stop = threading.Event()
    with ProcessParallel(model, 2, batch_size=32, stop=stop) as runner:
        runner.loss_and_grads(x, y)
        before = {k: v.copy() for k, v in model.named_grads().items()}
        pids = runner.process_ids
        os.kill(pids[0], signal.SIGSTOP)
        runner.submit(x, y)
        threading.Timer(0.3, stop.set).start()
        started = time.perf_counter()
        with pytest.raises(process_parallel.StepAbandoned):
            runner.collect()
        assert time.perf_counter() - started < 5.0
        assert runner.mode == "threads"
    assert not any(_alive(pid) for pid in pids)
    for k, g in model.named_grads().items():          # the abandoned step changed nothing
        np.testing.assert_array_equal(g, before[k], err_msg=k)


def test_a_step_runs_while_the_caller_works_and_can_be_dropped():
    x, y = mnist_like(32, seed=4)
    model = presets.build("tiny", np.random.default_rng(10))
    with ProcessParallel(model, 2, batch_size=32) as runner:
        with pytest.raises(RuntimeError, match="no step"):
            runner.collect()
        for g in model.named_grads().values():
            g[...] = np.nan
        runner.submit(x, y)
        with pytest.raises(RuntimeError, match="already running"):
            runner.submit(x, y)
        runner.discard()                             # the model's gradients stay untouched
        assert all(np.isnan(g).all() for g in model.named_grads().values())
        runner.submit(x, y)
        result = runner.collect()
        assert runner.mode == "processes"
    assert np.isfinite(result[0]) and all(np.isfinite(g).all()
                                          for g in model.named_grads().values())


def test_batches_the_processes_cannot_take_run_on_threads_with_the_same_result():
    model = presets.build("tiny", np.random.default_rng(11))
    x, y = mnist_like(64, seed=5)
    with blas_threads(1), ProcessParallel(model, 2, batch_size=32, use_processes=False) as threads:
        big = threads.loss_and_grads(x, y)
        as_double = threads.loss_and_grads(x.astype(np.float64), y)
    with blas_threads(1), ProcessParallel(model, 2, batch_size=32) as runner:   # slices <= 16
        assert runner.loss_and_grads(x, y) == big               # slices of 32: on threads
        assert runner.loss_and_grads(x.astype(np.float64), y) == as_double
        assert runner.mode == "processes"                       # still there for the next


def test_the_shared_layout_never_overlaps_and_keeps_alignment():
    model = every_new_layer(np.float32)
    layout = SharedLayout.plan(model.named_params(), model.named_buffers(), (1, 28, 28), 40, 3)
    regions = [*layout.params.values(), *layout.buffers.values()]
    for mine in layout.slices:
        regions += [*mine.grads.values(), mine.inputs, mine.labels]
    spans = sorted((r.offset, r.offset + r.nbytes) for r in regions)
    assert all(start % ALIGN == 0 for start, _ in spans)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:]))
    assert spans[-1][1] <= layout.size
    assert layout.slices[2].inputs.shape == (40, 1, 28, 28)


def _worker(stdin_bytes: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.training.slice_worker"],
                          input=stdin_bytes, capture_output=True, timeout=60)


def test_a_slice_process_ends_quietly_when_its_pipe_closes_and_refuses_huge_setups():
    quiet = _worker(b"")
    assert quiet.returncode == 0 and quiet.stdout == b"" and quiet.stderr == b""
    huge = _worker(LENGTH.pack(1 << 30))
    assert huge.returncode == 1 and b"setup of 1073741824 bytes" in huge.stdout
    assert b"Traceback" not in huge.stderr


def test_a_layer_computes_with_shared_arrays_and_updates_buffers_only_when_asked():
    from engine.nn.layers import BatchNorm2D
    from engine.nn.model import Model
    model = Model([BatchNorm2D(3)], input_shape=(3, 4, 4))
    layer = model.layers[0]
    params = {"gamma": np.full(3, 2.0, np.float32), "beta": np.zeros(3, np.float32)}
    buffers = {"running_mean": np.zeros(3, np.float32), "running_var": np.ones(3, np.float32)}
    layer.read_shared_arrays(params, buffers)
    assert layer.params["gamma"] is params["gamma"] and layer.buffers["running_var"] is \
        buffers["running_var"]
    x = np.random.default_rng(0).normal(3.0, 1.0, (8, 3, 4, 4)).astype(np.float32)
    model.train()
    model.forward(x)
    assert np.array_equal(buffers["running_mean"], np.zeros(3))      # read, never updated
    layer.read_shared_arrays(params, buffers, update_buffers=True)
    model.forward(x)
    assert np.all(buffers["running_mean"] > 0.1)                      # moved in place
    with pytest.raises(ValueError, match="shape"):
        layer.read_shared_arrays({**params, "gamma": np.ones(4, np.float32)}, buffers)
    with pytest.raises(ValueError, match="do not"):
        layer.read_shared_arrays(params, {})
