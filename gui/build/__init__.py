"""Build your own network: the architecture editor (shapes and costs from
:func:`engine.describe_architecture`)."""
