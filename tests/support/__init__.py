"""Test support shared by the cycles, outbox and flow tests (imported as ``support``)."""
