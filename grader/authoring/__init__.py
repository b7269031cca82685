"""Authoring: starters from marked solutions, new assignment folders, student bundles, check strength."""
