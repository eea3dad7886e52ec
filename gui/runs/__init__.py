"""Runs of this session and saved run files: compare two, save, reopen."""
