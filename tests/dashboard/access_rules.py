from tests.access import READ_ALL, Rule

RULES = [
    Rule("progress", READ_ALL),
]
