import random
from dataclasses import dataclass, field
from datetime import date


@dataclass
class DemoContext:
    """What one part of the demo hands to the next (users to the plan, the plan to indicators...)."""

    size: str  # "small" or "large"
    today: date
    rng: random.Random
    users: dict = field(default_factory=dict)  # user name -> User
    objects: dict = field(default_factory=dict)  # free-form: "plan", "themes", "actions", "inspections"...

    @property
    def scale(self) -> int:
        """How many times larger than the small demo to build (for benchmarks)."""
        return 20 if self.size == "large" else 1
