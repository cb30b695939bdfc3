from tests.access import READ_ALL, Rule

RULES = [
    Rule("improvement:plan", READ_ALL),
]
