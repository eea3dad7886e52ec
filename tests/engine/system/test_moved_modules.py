"""engine.system.moved_modules: the first stage's flat import paths
(``engine.functional``, ``engine.model``, ``engine.train``, ...) keep working
after the modules moved into ``engine.nn`` / ``engine.data`` /
``engine.training`` / ``engine.system``: each old name imports, *is* the
module at its new place (not a copy), and leaves that module's identity
alone; scripts written against the old names (``from engine.functional
import conv_forward``, ``from engine.train import Trainer``) run unchanged;
a name that never existed is still a ``ModuleNotFoundError``.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest

import engine  # installs the aliases
from engine.system.moved_modules import _MovedModuleFinder
from tests.support.data_fixtures import REPO_ROOT

#: Old name -> new name: the first stage's flat layout (engine/__init__.py).
MOVED = {
    "engine.functional": "engine.nn.functional", "engine.im2col": "engine.nn.im2col",
    "engine.pooling": "engine.nn.pooling", "engine.layers": "engine.nn.layers",
    "engine.model": "engine.nn.model", "engine.model_io": "engine.nn.model_load",
    "engine.presets": "engine.nn.presets", "engine.mnist": "engine.data.mnist",
    "engine.preprocess": "engine.data.preprocess", "engine.augment": "engine.data.augment",
    "engine.optim": "engine.training.optim", "engine.schedules": "engine.training.schedules",
    "engine.parallel": "engine.training.parallel", "engine.evaluate": "engine.training.evaluate",
    "engine.train": "engine.training.trainer", "engine.runtime": "engine.system.runtime",
    "engine.atomic": "engine.system.atomic",
}
#: The seed's functional API (shared/seed), by its original names.
SEED_FUNCTIONS = ["conv_forward", "conv_backward", "max_pooling_forward", "max_pooling_backward",
                  "flatten_forward", "flatten_backward", "fullyconnected_forward",
                  "fullyconnected_backward", "relu_forward", "relu_backward", "cross_entropy_loss"]


def test_the_installed_aliases_are_the_first_stage_layout():
    """One finder serves every package's aliases (the GUI may add its own);
    the engine's are exactly the first stage's flat modules."""
    finders = [f for f in sys.meta_path if isinstance(f, _MovedModuleFinder)]
    assert len(finders) == 1, "one finder, however often aliases are installed"
    assert {old: new for old, new in finders[0].moved.items() if old.startswith("engine.")} == MOVED


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_name_is_the_module_at_its_new_place(old):
    new = MOVED[old]
    module = importlib.import_module(old)
    assert module is importlib.import_module(new) is sys.modules[old] is sys.modules[new]
    assert getattr(engine, old.rsplit(".", 1)[1]) is module          # engine.model, ...
    # the module keeps its own identity: name, spec (for reload, find_spec), file
    assert module.__name__ == new and module.__spec__.name == new
    assert importlib.util.find_spec(new).name == new
    assert module.__file__.endswith(new.replace(".", "/") + (".py" if new != "engine.nn.layers"
                                                             else "/__init__.py"))


def test_reload_of_a_module_imported_by_its_old_name_reruns_it():
    import engine.preprocess                                          # noqa: F401
    from engine.data import preprocess
    size = preprocess.MNIST_SIZE
    try:
        preprocess.MNIST_SIZE = -1
        assert importlib.reload(preprocess) is preprocess
        assert preprocess.MNIST_SIZE == size
    finally:
        preprocess.MNIST_SIZE = size


@pytest.mark.parametrize("name", SEED_FUNCTIONS)
def test_seed_functions_import_from_engine_functional(name):
    from engine import functional as old
    from engine.nn import functional as new
    assert getattr(old, name) is getattr(new, name) and callable(getattr(new, name))
    namespace: dict = {}
    exec(f"from engine.functional import {name}", namespace)
    assert namespace[name] is getattr(new, name)


def test_old_imports_of_scripts_resolve_to_the_new_objects():
    from engine.data.dataset import Dataset as NewDataset
    from engine.data.preprocess import to_model_input as new_to_model_input
    from engine.preprocess import to_model_input
    from engine.train import Dataset, StepReport, TrainConfig, Trainer
    from engine.training.config import TrainConfig as NewTrainConfig
    from engine.training.reports import StepReport as NewStepReport
    from engine.training.trainer import Trainer as NewTrainer
    assert to_model_input is new_to_model_input
    assert (Trainer, TrainConfig, Dataset, StepReport) == (NewTrainer, NewTrainConfig, NewDataset,
                                                           NewStepReport)
    from engine.model_io import ModelFileError, load_model, save_model
    assert (load_model, save_model, ModelFileError) == (engine.nn.model_load.load_model,
                                                        engine.save_model, engine.ModelFileError)


@pytest.mark.parametrize("name", ["engine.no_such_module", "engine.trainer", "engine.nn.train",
                                  "engine.functional.conv"])
def test_unknown_names_are_still_module_not_found(name):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(name)
    assert name not in sys.modules


FRESH = textwrap.dedent("""
    import json, sys
    from engine.train import Trainer                 # an old name first, nothing else imported
    from engine.functional import conv_forward
    import engine.model
    import engine.training.trainer, engine.nn.functional, engine.nn.model
    print(json.dumps([Trainer is engine.training.trainer.Trainer,
                      conv_forward is engine.nn.functional.conv_forward,
                      engine.model is engine.nn.model,
                      engine.nn.model.__spec__.name]))
""")


def test_old_names_work_as_the_first_import_of_a_fresh_interpreter():
    """In this process the new modules were imported long ago; a script that
    starts with an old name must get the same objects too."""
    proc = subprocess.run([sys.executable, "-W", "error::ImportWarning", "-c", FRESH], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [True, True, True, "engine.nn.model"]
