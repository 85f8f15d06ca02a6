"""End-to-end tests: customer and staff stories in Debian's Chromium against a real HTTP server."""
import pytest

# The helpers' own asserts explain themselves on failure as the tests' do (they used to live in conftest.py).
pytest.register_assert_rewrite("e2e.browser", "e2e.customer", "e2e.server", "e2e.staff")
