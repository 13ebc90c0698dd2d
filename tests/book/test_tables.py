from torch import nn

from deblurbook.book.tables import claims_table, markdown_table, parts_table


def test_markdown_tables_have_a_header_rule_and_one_line_per_row():
    table = markdown_table(["a", "b"], [[1, 2], [3, 4]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1 | 2 |", "| 3 | 4 |"]
    assert "| claim of the paper | this run |" in claims_table([("x", "y")])


def test_parts_table_counts_each_child_and_the_total():
    model = nn.Sequential()
    model.add_module("stem", nn.Conv2d(3, 4, 3))  # 112
    model.add_module("head", nn.Linear(4, 2))  # 10
    table = parts_table(model, {"stem": "the paper's stem"})
    assert "| stem | the paper's stem | Conv2d | 112 | 91.8% |" in table and "| total |  |  | 122 | 100% |" in table
