"""Affiliates' embedded wizard: framing by their sites, their branding, and sessions that work in
an iframe even when the browser stores no third-party cookie."""
