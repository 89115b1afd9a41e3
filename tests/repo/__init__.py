"""Tests of the repository itself: workflows, releases, changelog, templates, layout."""
