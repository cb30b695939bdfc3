from tests.access import ADMIN_ONLY, Rule

RULES = [
    Rule("imports:start", ADMIN_ONLY),
]
