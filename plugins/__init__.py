"""Restorer's built-in model families, each a plugin registered through entry points."""
