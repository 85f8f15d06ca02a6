"""The partner Enrollment API at /api/v1/: JSON for scripts of partners (affiliates), each calling
with its own API key, never a cookie.

It owns partners' API keys (`keys`: made, hashed, checked, revoked) and their tables (`models`),
the replay of POSTs by `Idempotency-Key` from the database (`idempotency`), RFC 9457 problem
details (`problems`), reading a JSON enrollment into the wizard's own field names (`bodies`), the
plans and premises lookups (`lookups`), the answers' shapes (`answers`), the routes (`views`),
`flask --app wsgi api purge` (`cli`) and the OpenAPI document they are tested against
(`openapi.json`). Enrolling itself is the channel-agnostic `wizard.enrollments.service`.
"""
from __future__ import annotations
