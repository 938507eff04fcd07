"""Spruce."""
