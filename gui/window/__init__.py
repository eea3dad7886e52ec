"""The main window and what it is built from: the action table (menus,
toolbar, keys), the toolbar, the left column, the quick guide."""
