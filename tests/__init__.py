"""Tests for Discord Presence."""
