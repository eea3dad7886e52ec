"""The canvas: vector strokes, their painting, undo/redo, example digits."""
