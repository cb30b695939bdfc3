"""Builds the demo council. Each part lives in its own module and is called in dependency order."""

import random

from django.contrib.auth import get_user_model
from django.db import transaction

from core import clock
from demo import users
from demo.context import DemoContext

# Later parts are added here, each a module with build(ctx).
PARTS = ["demo.plan", "demo.voice", "demo.risks", "demo.indicators", "demo.meetings"]


def demo_is_loaded() -> bool:
    return get_user_model().objects.filter(username="admin").exists()


@transaction.atomic
def build_demo(*, size="small", password, today=None, seed=2026) -> DemoContext:
    ctx = DemoContext(size=size, today=today or clock.today(), rng=random.Random(seed))
    users.build(ctx, password)
    for module_name in PARTS:
        try:
            module = __import__(module_name, fromlist=["build"])
        except ModuleNotFoundError:
            continue
        module.build(ctx)
    return ctx


@transaction.atomic
def reset_passwords(password) -> None:
    for user in get_user_model().objects.filter(username__in=[u[0] for u in users.DEMO_USERS]):
        user.set_password(password)
        user.save(update_fields=["password"])
