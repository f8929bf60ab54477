"""Duurzaam Werk data platform."""
