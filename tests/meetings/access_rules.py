from tests.access import READ_ALL, Rule

RULES = [
    Rule("meetings:board_list", READ_ALL),
]
