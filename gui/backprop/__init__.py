"""One step of backpropagation on your drawing, layer by layer (the maths is
:func:`engine.one_step`)."""
