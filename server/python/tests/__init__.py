"""Tests of vigil_client; see test_client.py."""
