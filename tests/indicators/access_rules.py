from tests.access import READ_ALL, Rule

RULES = [
    Rule("indicators:scorecard", READ_ALL),
]
