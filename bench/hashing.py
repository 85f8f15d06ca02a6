"""The cost of a password in this process: an argon2id hash with the app's profile, and the strength check."""
from __future__ import annotations

import statistics
import time
from typing import Any

from tests.helpers import PASSWORD


def bench_hashing(samples: int = 20) -> dict[str, Any]:
    """argon2id with the app's configured profile, and the password strength check, in this process."""
    from argon2 import PasswordHasher, Type

    from config.settings import Settings
    from wizard.core.validators import password_problem

    ph = PasswordHasher(time_cost=Settings.ARGON2_TIME_COST, memory_cost=Settings.ARGON2_MEMORY_COST,
                        parallelism=Settings.ARGON2_PARALLELISM, type=Type.ID)
    ph.hash(PASSWORD)
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        ph.hash(PASSWORD)
        times.append(time.perf_counter() - t0)
    checks = []
    for n in range(samples):
        t0 = time.perf_counter()
        password_problem(PASSWORD, f"bench.user{n}")
        checks.append(time.perf_counter() - t0)
    return {"profile": f"t={ph.time_cost} m={ph.memory_cost // 1024} MiB p={ph.parallelism}",
            "hash_ms": 1000 * statistics.median(times), "strength_check_ms": 1000 * statistics.median(checks)}
