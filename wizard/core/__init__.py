"""The small core every feature shares: extensions, sessions, page rendering, static assets,
market dates, passwords, field rules, the product's `Base` and `Customer`, schema migrations,
health checks, the command line and the runner of the billing hand-off.

Only `models` is needed by the Flask-free `billing` package; keep this file free of imports.
"""
