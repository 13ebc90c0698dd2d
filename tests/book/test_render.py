import pytest

from deblurbook.book import render, reproduce


def test_stage_refuses_without_executed_copies(fake_book):
    with pytest.raises(FileNotFoundError, match="09.01-bad.ipynb"):
        render.stage(fake_book)


def test_stage_copies_sources_and_generates_the_profiles_table(fake_book):
    (fake_book / "_config.yml").write_text("title: x\n")
    bad = fake_book / "notebooks/ch09_bad/09.01-bad.ipynb"
    bad.write_text(bad.read_text().replace("raise ValueError('deliberately broken')", "pass"))
    assert all(o.status == "ran" for o in reproduce.run("smoke", root=fake_book, progress=False))
    staged = render.stage(fake_book, pages={"extra.md": "| a |\n|---|\n| 1 |"})
    assert (staged / "_toc.yml").is_file() and (staged / "book/intro.md").is_file()
    table = (staged / "book/_generated/profiles_table.md").read_text()
    assert "| smoke |" in table and "| paper |" in table
    assert (staged / "book/_generated/extra.md").read_text() == "| a |\n|---|\n| 1 |\n"
    assert render.intro_page(fake_book) == fake_book / "_build/html/book/intro.html"
