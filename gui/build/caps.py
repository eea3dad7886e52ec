"""How close an edited network is to the caps every model file obeys
(:mod:`engine.nn.limits`: what the app can serve interactively), as lines of
text for the editor, e.g. "Parameters: 3,100,000 of 10,000,000 allowed (31 %)".

A cap is shown once a network uses :data:`SHOW_FROM` of it, and marked as
close from :data:`WARN_FROM`. The figures come from the engine's summary
(:class:`engine.nn.architecture.ArchitectureSummary`) and
:func:`engine.nn.costs.training_step_bytes`. No Qt here.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.nn.architecture import ArchitectureSummary
from engine.nn.costs import training_step_bytes
from engine.nn.limits import MAX_ACTIVATIONS, MAX_LAYERS, MAX_MACS, MAX_PARAMS, MAX_TRAIN_BYTES

#: A cap is listed from this fraction of it on ...
SHOW_FROM = 0.25
#: ... and marked as close from this one.
WARN_FROM = 0.75


@dataclass(frozen=True)
class CapUse:
    """One cap: what it limits, how much the network uses, the limit, and its unit."""
    what: str
    used: float
    limit: float
    unit: str = ""

    @property
    def fraction(self) -> float:
        return self.used / self.limit

    @property
    def close(self) -> bool:
        return self.fraction >= WARN_FROM

    def text(self) -> str:
        """``"Parameters: 3,100,000 of 10,000,000 allowed (31 %)"``."""
        if self.unit == "GB":
            amount = f"{self.used / 2**30:.2f} GB of {self.limit / 2**30:.0f} GB"
        elif self.unit == "M":
            amount = f"{self.used / 1e6:,.1f} million of {self.limit / 1e6:,.0f} million"
        else:
            amount = f"{self.used:,.0f} of {self.limit:,.0f}"
        return f"{self.what}: {amount} allowed ({self.fraction:.0%})"


def cap_uses(summary: ArchitectureSummary, batch: int) -> list[CapUse]:
    """Every cap with what ``summary`` (trained in batches of ``batch``) uses of it."""
    return [CapUse("Layers", len(summary.layers), MAX_LAYERS),
            CapUse("Parameters", summary.num_params, MAX_PARAMS),
            CapUse("Multiply-adds per image", summary.macs, MAX_MACS, "M"),
            CapUse("Activation values per image", summary.activation_values, MAX_ACTIVATIONS),
            CapUse(f"Memory of a training step (batch {batch})",
                   training_step_bytes(summary, batch), MAX_TRAIN_BYTES, "GB")]


def near_caps(summary: ArchitectureSummary, batch: int) -> list[CapUse]:
    """The caps ``summary`` uses at least :data:`SHOW_FROM` of, closest first."""
    shown = [use for use in cap_uses(summary, batch) if use.fraction >= SHOW_FROM]
    return sorted(shown, key=lambda use: -use.fraction)


def caps_text(summary: ArchitectureSummary, batch: int) -> tuple[str, bool]:
    """``(text, close)``: one line per cap the network approaches (or a line
    saying it is well within them), and whether any is close to its limit."""
    shown = near_caps(summary, batch)
    if not shown:
        return (f"Well within the app's limits (at most {MAX_PARAMS:,} parameters and "
                f"{MAX_MACS / 1e6:,.0f} million multiply-adds per image)."), False
    return "\n".join(use.text() for use in shown), any(use.close for use in shown)
