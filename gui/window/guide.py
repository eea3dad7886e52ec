"""The quick guide's text (F1): one section per part of the window - drawing,
activations, kernels, training, evaluation, watching it learn, handwriting,
building - and the keys (generated from
the action table, so they always match the menus and the README).

Everything here is the app's own text; the few values that come from
elsewhere (shortcut names, recipe titles) are escaped. The window that shows
it is :class:`gui.window.guide_window.QuickGuide`.
"""
from __future__ import annotations

import html

from engine.training.recipes import DEFAULT_RECIPE, RECIPES

from ..widgets.theme import LIGHT, Theme
from .actions import ACTIONS, key_table_html, native

#: ``(anchor, heading)`` of the guide's sections, in order.
SECTIONS = (("drawing", "Drawing"), ("activations", "Activations"), ("kernels", "Kernels"),
            ("training", "Training"), ("evaluation", "Evaluation"),
            ("learn", "Watch it learn"), ("handwriting", "My handwriting"),
            ("build", "Build your own"), ("keys", "Keys"))

#: The section shown first when the guide opens over a tab (tab title -> anchor);
#: other tabs (the first one) open the guide at its top.
TAB_SECTIONS = {"Kernels": "kernels", "Training": "training", "Evaluation": "evaluation",
                "My handwriting": "handwriting", "One step": "learn", "Build": "build"}


def _keys(key: str) -> str:
    """The shortcuts of action ``key`` as this platform writes them, escaped
    (``Ctrl+Z``; several joined with "or")."""
    spec = next(s for s in ACTIONS if s.key == key)
    return " or ".join(f"<b>{html.escape(native(s))}</b>" for s in spec.shortcuts)


def _colour(text: str, colour: str) -> str:
    return f'<span style="color:{colour}; font-weight:600">{html.escape(text)}</span>'


def _blue_red(theme: Theme) -> tuple[str, str]:
    """The words "blue" and "red" in the colours the maps use for negative and positive."""
    return _colour("blue", theme.negative), _colour("red", theme.positive)


def _contents() -> str:
    links = " · ".join(f'<a href="#{anchor}">{title}</a>' for anchor, title in SECTIONS)
    return f"<p>{links}</p>"


def _heading(anchor: str) -> str:
    title = dict(SECTIONS)[anchor]
    return f'<h3><a name="{anchor}"></a>{title}</h3>'


def _drawing() -> str:
    return (_heading("drawing") +
            "<p>Draw a digit with the left mouse button in the black square; the right "
            "button erases. The prediction and every panel follow while you draw.</p><ul>"
            f"<li><b>Brush</b> width: the slider on the toolbar, or {_keys('thinner')} "
            f"and {_keys('thicker')}.</li>"
            f"<li><b>Eraser</b>: {_keys('eraser')} switches the left button to erasing; "
            f"<b>Pen</b> ({_keys('pen')}) goes back to ink.</li>"
            f"<li><b>Undo</b> ({_keys('undo')}), <b>Redo</b> ({_keys('redo')}), "
            f"<b>Clear</b> ({_keys('clear')}; undo brings the drawing back).</li>"
            "<li><b>Examples</b> (toolbar or Draw menu, "
            f"{_keys('example0')} … {_keys('example9')}): a ready-made digit.</li></ul>"
            "<p><b>Network input</b> shows your drawing as the network receives it: "
            "28×28 grey pixels, framed like an MNIST digit. <b>Prediction</b>: the "
            "answer, how sure the network is, and the runner-up.</p>"
            f"<p><b>Why?</b> ({_keys('why')}, or the <i>Why?</i> box on the toolbar) colours "
            "the canvas and the network input by how much each pixel matters to the answer, "
            "and follows your drawing. <i>Gradient</i>, <i>Gradient × input</i>, "
            "<i>SmoothGrad</i> and <i>Occlusion</i> are red where a pixel raises the "
            "answer's score and blue where it lowers it; <i>Grad-CAM</i> glows orange to "
            "yellow where the last feature maps found their evidence. The key under the "
            "network input names the method; the View menu's items say what each one means. "
            f"<b>Plain resize</b> ({_keys('plain_framing')}) feeds the network the whole "
            "square shrunk instead of an MNIST-style centred digit, to see what framing "
            "does to the answer. Grad-CAM is coarse (the last maps are 10×10), so its glow "
            "can spill past the ink.</p>"
            "<p><b>Make it a …</b> (under the prediction): pick a digit and the network "
            "changes your drawing as little as it can until it answers that digit; the "
            "change plays on the network input, the bars and the panels. <i>Flip it</i> "
            "finds the smallest change that gives any other answer. <i>Put it on the "
            "canvas</i> keeps the result (undo brings your drawing back); drawing or Esc "
            "goes back to your drawing.</p>"
            "<p>A big <b>?</b> and <i>This doesn't look like a digit I know</i>: inside "
            "the network your drawing looks less typical than 99 % of the training digits "
            "(a letter, a scribble, an unusual style), so the bars' answer means little. "
            "Only models that carry these statistics say it (the bundled one does).</p>")


def _activations(theme: Theme) -> str:
    blue, red = _blue_red(theme)
    return (_heading("activations") +
            "<p>What every layer outputs for your drawing, one panel per layer, from the "
            "input (top) to the answer (bottom). The box at the top right explains the "
            "layer under the mouse, or else the layer of the map in the inspector below "
            "it.</p><ul>"
            f"<li><b>Convolution maps</b>: one small image per feature map; {blue} is "
            f"negative, {red} positive, grey about 0.</li>"
            "<li><b>ReLU and pooling maps</b>: never negative: dark is 0, bright is "
            "strong.</li>"
            "<li><b>Flatten and dense layers</b>: one long strip of values. Hover "
            "<i>flatten</i> to see which map and pixel a value came from.</li>"
            "<li><b>Scores and softmax</b>: bars, one per digit; softmax turns the scores "
            "into probabilities (the tallest bar is the answer).</li>"
            "<li><b>Dropout</b> says <i>inactive when predicting</i>: it only acts while "
            "training.</li></ul>"
            "<p>The <b>colour bar</b> under a panel gives the numbers its colours stand for "
            "(minimum · 0 · maximum); while you hover a value it shows that value instead. "
            f"<b>Normalise each feature map</b> ({_keys('normalise')}, or <i>Normalise "
            "maps</i> on the toolbar) scales "
            "every map to its own peak so faint maps show their pattern too; the bar then "
            "says <i>each map</i>, and maps can no longer be compared by brightness.</p>"
            "<p><b>Click a map</b> to inspect it on the right: enlarged, with its values, "
            "the kernel that produced it and <b>what it wants</b>: the input that excites "
            "it most, found by gradient ascent (a bar under it shows the progress). Dense "
            "strips and the score bars can be clicked too: a class's picture is what that "
            "digit looks like to the network.</p>"
            "<p><b>Hover the enlarged map</b> (or any map panel) for the arithmetic under "
            "the cursor: the input patch, the kernel and their products, summed with the "
            "bias and passed through ReLU; for pooling, the window and its winner; for a "
            "dense unit, its largest inputs × weights. The patch is outlined on the network "
            "input and on the canvas.</p>")


def _kernels(theme: Theme) -> str:
    blue, red = _blue_red(theme)
    return (_heading("kernels") +
            "<p>The filters each convolution layer has learned, one panel per layer. "
            f"Weights: {blue} negative, {red} positive; the colour bar gives the numbers. "
            "A map is high where its input looks like the red part of its kernel (and "
            "unlike the blue part).</p><ul>"
            "<li>The first layer reads only your drawing (one input channel): all its "
            "kernels are shown, each labelled with the map it makes.</li>"
            "<li>A later layer reads all the maps of the layer before it, so one output "
            "map's kernel has one slice per input channel (<i>in 0</i>, <i>in 1</i>, …). "
            "One output map's kernel is shown at a time: pick the map with the "
            "<i>output map</i> box.</li>"
            "<li>Click a kernel to see the map it makes in the Activations tab.</li></ul>")


def _recipes() -> str:
    items = "".join(
        f"<li><b>{html.escape(r.title)}</b>{' (the default)' if r.key == DEFAULT_RECIPE else ''}"
        f": {html.escape(r.expected)}</li>" for r in RECIPES)
    return f"<ul>{items}</ul>"


def _training() -> str:
    return (_heading("training") +
            "<p>Train a network on MNIST (60,000 handwritten digits; the first time, "
            "<b>Download MNIST</b> fetches it, about 11 MB). Pick a <b>recipe</b>, press "
            "<b>Start</b>, and watch the panels and the prediction change while it "
            "learns. Recipes, with their time on a laptop:</p>" + _recipes() +
            "<ul><li><b>Epochs</b>: passes over all the training images; more epochs, "
            "better accuracy, longer run.</li>"
            "<li><b>Learning rate</b> (under Advanced settings): how big each weight update "
            "is. Too high and it stops learning, too low and it crawls. Every setting's "
            "tooltip says what a sensible value is.</li>"
            "<li><b>Pause</b> holds the run; <b>Stop</b> ends it and keeps the weights so "
            "far.</li></ul>"
            "<p><b>The curves</b> (x axis in epochs): the loss of every batch, faint, with a "
            "smoothed line; per epoch a <b>train</b> point, the average over that epoch's "
            "batches while the weights were still changing, and a <b>test</b> point, measured "
            "on unseen test images at the end of the epoch. They are measured differently, "
            "so they need not agree. Scroll over a plot to zoom into some epochs, drag to "
            "move; double-click (or <b>Reset zoom</b>) to see the whole run.</p>"
            "<p><b>After a run</b> the trained model stays in use: the canvas, the panels and "
            "the status bar use it. <b>Back to previous model</b> returns to the model you "
            "had before (<b>Use this model</b> takes the trained one again); "
            "<b>Save model…</b> keeps it in a file.</p>")


def _evaluation() -> str:
    return (_heading("evaluation") +
            "<p>In the Training tab, <b>Evaluation</b> shows how good a model is on the "
            "10,000 test images (after each epoch, or with <b>Evaluate current "
            "model</b>): its accuracy, per digit too.</p><ul>"
            "<li><b>Confusion matrix</b>: rows are the true digit, columns the network's "
            "answer. The diagonal holds the right answers; every other cell counts one kind "
            "of mistake (mistakes have their own colour scale, so rare ones still show).</li>"
            "<li><b>Click a cell</b> to see those test images in the gallery, each with the "
            "network's top answers.</li>"
            "<li>The second gallery holds the <b>most confident mistakes</b>.</li>"
            "<li><b>Click a thumbnail</b> to put that test digit on the canvas: the prediction "
            "and every layer then show how the network reads it.</li></ul>")


def _learn() -> str:
    return (_heading("learn") +
            "<p>How a network learns, step by step.</p><ul>"
            "<li><b>One step</b> tab: it first shows what the network gives your drawing "
            "now and the loss for the chosen digit (the runner-up, until you pick one). "
            "Pick a digit and <b>Train one step</b>: one step of "
            "gradient descent on your drawing. Every layer shows the gradient flowing back "
            "into it and how its weights moved; the answer before and after. <b>Undo the "
            "step</b> restores the weights exactly.</li>"
            "<li><b>Step through</b> walks that step: forward through the layers one at a "
            "time, the loss, then backward, with the current layer's formula written with "
            "its real numbers. ◀ ▶ or the arrow keys move; click a value in the outlined "
            "row to see the formula for it.</li>"
            "<li>The <b>time machine</b> under the tabs (after a run): drag the slider, use "
            "the arrow keys or <b>Play</b> to see the network as it was at each kept step "
            "(0, 1, 2, 5, 10, 20, 50, … and each epoch's end): the prediction, the "
            "activations, the kernels and a cursor on the curves. <b>Now</b> (or End) comes "
            "back.</li>"
            "<li><b>Dynamics</b> (in the Training tab): per layer, its weights and gradients "
            "over the run as heat maps, the size of each update against its weights (about "
            "a thousandth is healthy), gradient sizes and dead units, with a warning when "
            "something goes wrong (e.g. a learning rate too high).</li>"
            "<li><b>Runs</b> (in the Training tab): two runs side by side: their curves "
            "overlaid and their settings, the differences marked. <b>Save run A…</b> and "
            "<b>Open run…</b> keep runs with their checkpoints.</li></ul>")


def _build() -> str:
    return (_heading("build") +
            "<p>The <b>Build</b> tab edits a network: add, remove, move (drag, or Alt+Up/"
            "Down) and change layers. Every layer shows its output shape, parameters and "
            "cost; the totals and a measured time per epoch follow each edit, and a network "
            "that cannot work says why and how to fix it. <b>Train it</b> trains it with the "
            "Training tab's settings; compare it with another run in <b>Runs</b>. "
            "<b>Model ▸ Export to ONNX…</b> saves the shown model for other tools.</p>")


def _handwriting() -> str:
    return (_heading("handwriting") +
            "<p>Teach the network your own way of writing digits. Under the network input, "
            "<b>It's a …</b> has a button per digit: when the answer is wrong, click the digit "
            "you drew (<i>That's wrong - it's a 3</i>); when it is right, click its answer "
            f"(outlined) to add the drawing as an example. {_keys('teach0')} … "
            f"{_keys('teach9')} do the same from the keyboard; <b>Undo</b> takes the last one "
            "out again. Only drawings you made count: not a placed MNIST digit, not a "
            "<i>Make it a …</i> preview.</p><ul>"
            f"<li>The <b>My handwriting</b> tab ({_keys('personal')}) shows your samples, one "
            "row per digit; the ones the current model reads wrong are outlined in red. Click "
            "a sample, then <b>Del</b> deletes it and a digit key relabels it (or right-click "
            "it). <b>Export…</b> saves them to one file, <b>Import…</b> adds a file's samples "
            "to yours. They are saved on your computer after every change.</li>"
            "<li><b>Teach me 5 of each digit</b> asks for each digit in turn: draw it, press "
            "Enter (<i>Next</i>), draw the next.</li>"
            "<li><b>Fine-tune</b> (from 10 samples on) trains a copy of the model a little on "
            "your samples mixed with MNIST digits, in the background (<b>Stop</b> ends it). "
            "Then it shows <i>before</i> and <i>after</i>: on held-out samples (left out of "
            "the fine-tune they are scored on, so the numbers are a fair test) and on MNIST "
            "test digits. <b>Keep the new model</b> uses it (the status bar says "
            "<i>personalised</i>); <b>Go back</b> returns to the model you had. A score on "
            "samples a model was fine-tuned on is no test: it has seen them.</li></ul>")


def _keys_section() -> str:
    return (_heading("keys") + key_table_html() +
            "<p><b>Tab</b> goes round the controls as you read the window: the drawing's "
            "column, the tabs, the open page, the bars under it, the toolbar. A row of digit "
            "buttons is one stop, "
            "entered at its chosen digit: the arrow keys, Home and End move along it and "
            "Space presses. In a field (a number, a drop-down list) letters stay in the field, "
            "and Esc clears the drawing only when pressed twice.</p>"
            "<p>Esc closes this guide while it is the active window; F1 shows or hides "
            "it.</p>")


def app_version() -> str:
    """The installed package's version ("" when it is run from a bare checkout)."""
    from importlib import metadata
    try:
        return metadata.version("cnn-playground")
    except metadata.PackageNotFoundError:
        return ""


def about_html(app_name: str) -> str:
    """The About box (our own text only): what it is, its version and licence,
    and where to read on."""
    version = app_version()
    return (f"<b>{app_name}</b>{f' {version}' if version else ''}"
            f"<p>A convolutional network written in pure NumPy, classifying your drawing live "
            f"and showing what every layer sees. Draw, ask it why, correct it, fine-tune it on "
            f"your handwriting, watch it learn and build your own network.</p>"
            f"<p>MIT licence. <b>Help ▸ Quick guide</b> (F1) explains every view; the README "
            f"lists the keys and how the engine works.</p>")


def quick_guide_html(theme: Theme | None = None) -> str:
    """The whole guide as rich text (our own text only: nothing from files);
    ``theme`` colours the words "blue" and "red" as the maps show them."""
    theme = theme or LIGHT
    return "".join((_contents(), _drawing(), _activations(theme), _kernels(theme), _training(),
                    _evaluation(), _learn(), _handwriting(), _build(), _keys_section()))


def section_for_tab(tab_title: str) -> str:
    """The anchor the guide opens at over the tab titled ``tab_title`` (``""``: the top)."""
    return TAB_SECTIONS.get(tab_title, "")
