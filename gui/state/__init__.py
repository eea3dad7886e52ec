"""State without widgets: the application state, the prediction pipeline,
model facts and the user's preferences."""
